import { atEachWidth, openBrowser, signIn, type BrowserSession } from '../support/browser';
import { DEV } from '../support/http';
import { keyCodes, productWithShop } from '../support/orders';
import { dayIn } from '../../domain/calendar';

/**
 * The orders grid's dates are the shop's days (SHOP_TIME_ZONE), as the sales dashboard's are, not
 * the days of the browser's calendar. The shop is put in a zone whose date differs from UTC's at
 * this hour (+14 h from 11:00 UTC on, -11 h before), the browser on UTC.
 */
const SHOP_ZONE = new Date().getUTCHours() >= 11 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';

describe("the orders grid's days", () => {
  const ctx = productWithShop(() => ({ SHOP_TIME_ZONE: SHOP_ZONE }));
  let b: BrowserSession;
  beforeAll(async () => {
    b = await openBrowser('orderDays', undefined, { timezoneId: 'UTC' });
  });
  afterAll(() => b?.close());
  afterEach(() => expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]));

  it("finds an order on the shop's day it was taken, not on the browser's", async () => {
    const sku = 'zone-card';
    await ctx.shop.product(sku, {}, keyCodes(1, 'ZONE'));
    const order = await ctx.shop.order(sku);
    const createdAt = Date.parse((await ctx.shop.agent.get(`/v1/orders/${order.orderId}`)).body.createdAt);
    const shopDay = dayIn(createdAt, SHOP_ZONE);
    const browserDay = new Date(createdAt).toISOString().slice(0, 10);
    // What the test stands on: the two calendars disagree about this order's day.
    expect(shopDay).not.toBe(browserDay);

    const { page } = b;
    await signIn(page, ctx.product.api.url, DEV.agent);
    await atEachWidth(b, 'days', async () => {
      await page.goto(`${ctx.product.api.url}/console#/orders`);
      expect(await page.locator('[data-shop-zone]').getAttribute('data-shop-zone')).toBe(SHOP_ZONE);
      const search = async (day: string) => {
        await page.locator('input[name="sku"]').fill(sku);
        await page.locator('input[name="from"]').fill(day);
        await page.locator('input[name="to"]').fill(day);
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await page.waitForLoadState('networkidle');
      };
      await search(shopDay);
      await page.locator(`tr[data-order="${order.orderId}"]`).waitFor();
      await search(browserDay);
      await page.locator('[data-empty]').waitFor();
      expect(await page.locator(`tr[data-order="${order.orderId}"]`).count()).toBe(0);
    });
  });
});
