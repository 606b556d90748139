import { atEachWidth as eachWidth, openBrowser, pageWidth, signIn, WIDTHS, type BrowserSession, type Width } from '../support/browser';
import { DEV, eventually } from '../support/http';
import { expectStatus, keyCodes, productWithShop, type Shop } from '../support/orders';

/**
 * The console's coupons, in a real Chromium at a desk's width and a phone's, against the running
 * product: the admin makes a coupon with amounts typed in yuan, orders use it, and the coupon's page
 * shows each order's list price, discount and money paid and where its redemption stands; ops see
 * the coupons but cannot make one; the page reads in Chinese.
 */
describe('the console’s coupons', () => {
  const ctx = productWithShop();
  let b: BrowserSession;
  let shop: Shop;
  let url: string;
  const sku = 'coupon-console';
  const price = { amount: 12_000, currency: 'CNY' };

  beforeAll(async () => {
    ({ shop } = ctx);
    url = ctx.product.api.url;
    b = await openBrowser('coupons', WIDTHS[0]);
    await shop.product(sku, { price }, keyCodes(6, 'CCON'));
  });
  afterAll(() => b?.close());
  afterEach(() => {
    expect(b.problems).toEqual([]);
  });

  const atEachWidth = (step: string, fn: (width: Width) => Promise<void>) => eachWidth(b, step, fn);

  it('the admin makes a coupon in yuan; what is not an amount is refused before it is sent', async () => {
    await atEachWidth('make', async (width) => {
      const code = `CONSOLE-${width.name.toUpperCase()}`;
      const { page } = b;
      await signIn(page, url, DEV.admin);
      await page.locator('[data-tab="coupons"]').click();
      await page.locator('[data-new-coupon]').click();
      const form = page.locator('form.coupon-form');
      await form.locator('input[name="code"]').fill(code);
      await form.locator('input[name="off"]').fill('20.005');
      await form.getByRole('button', { name: 'Make the coupon' }).click();
      await page.locator('.notice-error', { hasText: 'at most 2 decimals' }).waitFor();
      expect((await shop.ops.get(`/v1/coupons/${code}`)).status).toBe(404);

      await form.locator('input[name="off"]').fill('20');
      await form.locator('input[name="minSpend"]').fill('100.00');
      await form.locator('input[name="maxRedemptions"]').fill('2');
      await form.getByRole('button', { name: 'Make the coupon' }).click();
      await page.locator('.notice-ok', { hasText: `Coupon ${code} made: CN¥20.00 off.` }).waitFor();
      expect((await shop.ops.get(`/v1/coupons/${code}`)).body).toMatchObject({ amountOff: { amount: 2000, currency: 'CNY' }, minSpend: { amount: 10_000, currency: 'CNY' }, maxRedemptions: 2 });
      await page.locator(`[data-coupon="${code}"] [data-terms]`, { hasText: 'CN¥20.00 off · on spending CN¥100.00 or more' }).waitFor();

      // The API's refusal, in its words: a code made already.
      await form.locator('input[name="code"]').fill(code);
      await form.locator('input[name="off"]').fill('5');
      await form.getByRole('button', { name: 'Make the coupon' }).click();
      await page.locator('.notice-conflict', { hasText: `coupon ${code} already exists` }).waitFor();
      // That refusal is the one failed load the page logs.
      expect(b.problems.splice(0)).toEqual([expect.stringContaining('status of 409')]);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it("shows a coupon's redemptions: each order's list price, discount, money paid and where it stands", async () => {
    const code = 'CONSOLE-DESKTOP';
    const paid = await shop.storefront.post('/v1/orders', { sku, buyer: { email: 'mia@example.com' }, coupon: code });
    expectStatus(paid, 201, 'order with the coupon');
    await shop.pay({ orderId: paid.body.orderId, amount: paid.body.amount });
    await shop.waitFor(paid.body.orderId, 'DELIVERED');
    const held = await shop.storefront.post('/v1/orders', { sku, buyer: { email: 'noa@example.com' }, coupon: code });
    expectStatus(held, 201, 'second order with the coupon');
    await eventually(async () => (await shop.ops.get(`/v1/coupons/${code}`)).body.counts.redeemed === 1, 'the redemption');

    await atEachWidth('redemptions', async (width) => {
      const { page } = b;
      await signIn(page, url, DEV.ops);
      await page.goto(`${url}/console#/coupons`);
      await page.locator(`[data-coupon="${code}"] [data-counts]`, { hasText: '1 redeemed · 1 held · 0 remaining' }).waitFor();
      expect(await page.locator('[data-new-coupon]').count()).toBe(0);
      await page.locator(`[data-coupon="${code}"] a`).click();
      await page.locator('[data-code]', { hasText: code }).waitFor();
      const redeemed = page.locator(`[data-redemption="${paid.body.orderId}"]`);
      expect(await redeemed.getAttribute('data-state')).toBe('redeemed');
      expect(await redeemed.textContent()).toContain('m***@example.com');
      expect(await redeemed.textContent()).toContain('CN¥120.00');
      expect(await redeemed.locator('[data-paid]').textContent()).toBe('CN¥100.00');
      expect(await page.locator(`[data-redemption="${held.body.orderId}"]`).getAttribute('data-state')).toBe('held');
      expect(await page.locator('[data-remaining]').textContent()).toBe('0');

      // From a redemption to its order, which shows the coupon and the price it came from.
      await redeemed.locator('a').click();
      await page.locator('[data-coupon]', { hasText: `${code} · List price CN¥120.00 − CN¥20.00` }).waitFor();
      expect(await page.locator('[data-amount]').textContent()).toBe('CN¥100.00');
      await page.locator('.timeline li[data-type="coupon_redeemed"]', { hasText: 'Coupon redeemed' }).waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it('reads in Chinese', async () => {
    const { page } = b;
    await page.setViewportSize(WIDTHS[0]);
    await signIn(page, url, DEV.admin);
    await page.locator('[data-lang-toggle]').click();
    try {
      await page.goto(`${url}/console#/coupons`);
      await page.locator('[data-tab="coupons"]', { hasText: '优惠券' }).waitFor();
      await page.locator('[data-coupon="CONSOLE-DESKTOP"] [data-terms]', { hasText: '立减' }).waitFor();
      await page.goto(`${url}/console#/coupons/CONSOLE-DESKTOP`);
      await page.locator('[data-state="redeemed"]', { hasText: '已核销' }).waitFor();
      await page.locator('th', { hasText: '原价' }).waitFor();
    } finally {
      await page.locator('[data-lang-toggle]').click();
    }
  });
});
