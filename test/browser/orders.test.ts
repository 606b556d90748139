import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atEachWidth as eachWidth, englishShown, inView, openBrowser, pageWidth, signIn, WIDTHS, type BrowserSession, type Width } from '../support/browser';
import { DEV, eventually } from '../support/http';
import { expectStatus, keyCodes, productWithShop, type Shop } from '../support/orders';
import { FakeProvider } from '../support/provider';
import { dayIn } from '../../domain/calendar';

/**
 * The orders grid and one order's page, ops' view of what needs attention, and the console in
 * Chinese, in a real Chromium at a desk's width and a phone's, against the running product with a
 * payment provider (a real HTTP server here) that can refuse refunds.
 */
describe('orders in the console', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  const ctx = productWithShop(() => ({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url }));
  const sku = 'grid-card';
  const otherSku = 'grid-other';
  let b: BrowserSession;
  let shop: Shop;
  let url: string;

  beforeAll(async () => {
    ({ shop } = ctx);
    url = ctx.product.api.url;
    await shop.product(sku, { price: { amount: 6800, currency: 'CNY' } }, keyCodes(30, 'GRID'));
    await shop.product(otherSku, {}, keyCodes(5, 'OTHER'));
    b = await openBrowser('orders', WIDTHS[0]);
  });
  afterAll(() => b?.close());
  afterEach(() => {
    // Refused calls (a 404 for an unknown order) show as failed loads; nothing else may.
    expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]);
  });

  const atEachWidth = (step: string, fn: (width: Width) => Promise<void>) => eachWidth(b, step, fn);
  const delivered = (email?: string, of = sku) => shop.delivered(of, email);
  const refundRequested = async () => shop.refundRequested(await delivered());

  const rows = () => b.page.locator('tr[data-order]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order')));

  it('finds orders by id and buyer email, and filters them by status, SKU and date', async () => {
    const ann = await delivered('ann@example.com');
    const bob = await refundRequested();
    const unpaid = await shop.order(sku, 1, 'ann@example.com');
    const other = await delivered('carol@example.com', otherSku);
    // The grid's dates are the shop's days (SHOP_TIME_ZONE), not the browser's.
    const day = (offset: number) => dayIn(Date.now() + offset * 86_400_000, ctx.product.config.shopTimeZone);
    await atEachWidth('grid', async (width) => {
      const { page } = b;
      await signIn(page, url, DEV.agent);
      await page.goto(`${url}/console#/orders`);
      const search = async (fields: Record<string, string>) => {
        await page.getByRole('button', { name: 'Clear' }).click();
        for (const [name, value] of Object.entries(fields)) {
          if (name === 'status') await page.locator('select[name="status"]').selectOption(value);
          else await page.locator(`input[name="${name}"]`).fill(value);
        }
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await page.waitForLoadState('networkidle');
      };

      await search({ q: ann.orderId });
      await eventually(async () => JSON.stringify(await rows()) === JSON.stringify([ann.orderId]) || undefined, 'the order by its id');
      const row = page.locator(`tr[data-order="${ann.orderId}"]`);
      expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('DELIVERED');
      expect(await row.textContent()).toContain('CN¥68.00');

      await search({ q: 'Ann@Example.com' });
      await eventually(async () => JSON.stringify(await rows()) === JSON.stringify([unpaid.orderId, ann.orderId]) || undefined, "ann's orders, newest first");

      await search({ status: 'REFUND_REQUESTED' });
      await page.locator(`tr[data-order="${bob.orderId}"]`).waitFor();
      expect(await rows()).not.toContain(ann.orderId);
      expect(await page.locator(`tr[data-order="${bob.orderId}"] [data-status="REQUESTED"]`).count()).toBe(1);

      await search({ sku: otherSku });
      await eventually(async () => JSON.stringify(await rows()) === JSON.stringify([other.orderId]) || undefined, 'the other sku');

      await search({ from: day(0), to: day(0), sku });
      await page.locator(`tr[data-order="${ann.orderId}"]`).waitFor();
      await search({ from: day(1), sku });
      await page.locator('[data-empty]').waitFor();
      await search({ to: day(-1), sku });
      await page.locator('[data-empty]').waitFor();

      await search({ q: 'noSuchOrder12345' });
      await page.locator('[data-empty]', { hasText: 'No order with this id.' }).waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);

      await search({ q: ann.orderId });
      await page.locator(`tr[data-order="${ann.orderId}"] a`).click();
      await page.locator(`[data-order-view="${ann.orderId}"]`).waitFor();
    });
  });

  it('opens an order with its timeline in words, and offers only the actions that fit its status and the role', async () => {
    const done = await delivered();
    await atEachWidth('order', async (width) => {
      const { page } = b;
      const unpaid = await shop.order(sku);
      const asking = await refundRequested();
      await signIn(page, url, DEV.admin);

      await page.goto(`${url}/console#/orders/${done.orderId}`);
      await page.locator('.timeline li[data-type="payment_received"]', { hasText: 'Payment received' }).waitFor();
      await page.locator('.timeline li[data-type="status:DELIVERED"]', { hasText: 'Status: Delivered' }).waitFor();
      expect(await page.locator('[data-amount]').textContent()).toBe('CN¥68.00');
      expect(await page.locator('[data-decision], [data-order-action]').count()).toBe(0);

      // Unpaid: the admin may cancel it, and does; an agent is not offered it.
      await page.goto(`${url}/console#/orders/${unpaid.orderId}`);
      await page.locator('[data-order-action="cancel"]').click();
      await page.locator('.notice-ok', { hasText: 'The order is cancelled.' }).waitFor();
      await page.locator('h2 [data-status="CANCELLED"]').waitFor();
      expect(await page.locator('[data-order-action]').count()).toBe(0);
      await signIn(page, url, DEV.agent);
      const another = await shop.order(sku);
      await page.goto(`${url}/console#/orders/${another.orderId}`);
      await page.locator('h2 [data-status="AWAITING_PAYMENT"]').waitFor();
      expect(await page.locator('[data-order-action], [data-decision]').count()).toBe(0);

      // A refund request: the agent is offered the decision, nothing else.
      await page.goto(`${url}/console#/orders/${asking.orderId}`);
      await page.locator('[data-decision="approve"]').waitFor();
      expect(await page.locator('[data-order-action]').count()).toBe(0);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it('decides a refund on the order page: a note to reject, a confirmation to approve, and the badge and words follow', async () => {
    await atEachWidth('decide', async (width) => {
      const { page } = b;
      const [rejected, approved] = [await refundRequested(), await refundRequested()];
      await signIn(page, url, DEV.agent);

      await page.goto(`${url}/console#/orders/${rejected.orderId}`);
      await page.locator('[data-decision="reject"]').click();
      await page.locator('.notice-error', { hasText: 'Write a note first' }).waitFor();
      expect(await inView(page, '.notice-error')).toBe(true);
      expect((await shop.view(rejected.orderId)).status).toBe('REFUND_REQUESTED');
      await page.locator('.decision input[name="note"]').fill('The key was redeemed before the request.');
      await page.locator('[data-decision="reject"]').click();
      await page.locator('.notice-ok', { hasText: 'Refund rejected: the buyer keeps the keys (Delivered).' }).waitFor();
      await page.locator('h2 [data-status="DELIVERED"]').waitFor();
      await page.locator('.refund [data-status="REJECTED"]').waitFor();
      expect(await page.locator('[data-decision]').count()).toBe(0);
      expect((await shop.view(rejected.orderId)).refund).toMatchObject({ status: 'REJECTED', note: 'The key was redeemed before the request.' });

      await page.goto(`${url}/console#/orders/${approved.orderId}`);
      await page.locator('[data-decision="approve"]').click();
      const confirm = page.locator('.confirm');
      expect(await confirm.textContent()).toContain('CN¥68.00');
      expect(await inView(page, '.confirm')).toBe(true);
      await confirm.locator('[data-confirm="no"]').click();
      await confirm.waitFor({ state: 'detached' });
      expect((await shop.view(approved.orderId)).status).toBe('REFUND_REQUESTED');
      await page.locator('[data-decision="approve"]').click();
      await page.locator('[data-confirm="yes"]').click();
      const said = page.locator('.notice-ok, .notice-info').first();
      await said.waitFor();
      expect(await said.textContent()).toMatch(/^Refund approved: CN¥68\.00 goes back to the buyer \((Refunding|Refunded)\)\.$|under way/);
      await page.locator('h2 [data-status="REFUNDING"], h2 [data-status="REFUNDED"]').first().waitFor();
      await shop.waitFor(approved.orderId, 'REFUNDED');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it("shows ops why orders need attention: a refused refund's reason and a fresh out-of-stock order, with SKU and amount", async () => {
    const empty = 'grid-empty';
    await shop.product(empty, { price: { amount: 1999, currency: 'CNY' } });
    const [refused, waiting] = [await shop.order(empty), await shop.order(empty)];
    for (const o of [refused, waiting]) {
      await shop.pay(o);
      await shop.waitFor(o.orderId, 'OUT_OF_STOCK');
    }
    provider.refuseRefunds = true;
    try {
      expectStatus(await refused.buyer.post(`/v1/orders/${refused.orderId}/refund-request`, { reason: 'Cannot wait.' }), 202, 'refund request');
      const view = await eventually(async () => {
        const v = await shop.view(refused.orderId);
        return v.attention ? v : undefined;
      }, 'the refused refund on the order');

      await atEachWidth('attention', async (width) => {
        const { page } = b;
        await signIn(page, url, DEV.ops);
        await page.goto(`${url}/console#/stuck`);
        // The default window (30 minutes) hides neither: both wait on the shop.
        expect(await page.locator('input[name="olderThan"]').inputValue()).toBe('30m');
        const attention = page.locator(`[data-order="${refused.orderId}"]`);
        await attention.waitFor();
        expect(await attention.getAttribute('data-why')).toBe('attention');
        expect(await attention.locator('[data-attention]').textContent()).toBe(view.attention!.reason);
        expect(await attention.textContent()).toContain(empty);
        expect(await attention.textContent()).toContain('CN¥19.99');
        const stock = page.locator(`[data-order="${waiting.orderId}"]`);
        expect(await stock.getAttribute('data-why')).toBe('out_of_stock');
        expect(await stock.locator('.why').textContent()).toBe(`Paid, waiting for stock: import keys for ${empty}`);
        expect(await stock.locator('[data-status]').getAttribute('data-status')).toBe('OUT_OF_STOCK');
        await page.goto(`${url}/console#/orders/${refused.orderId}`);
        expect(await page.locator('[data-attention]').textContent()).toContain(view.attention!.reason);
        expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
      });
    } finally {
      provider.refuseRefunds = false;
    }
  });

  it('reads wholly in Chinese: every label, status, timeline entry and duration', async () => {
    const { page } = b;
    await signIn(page, url, DEV.admin);
    // The dictionaries hold the same keys, and words for every status and timeline entry the product writes.
    const dictionaries = (await page.evaluate(`import('/console/assets/i18n.js').then((m) => m.dictionaries)`)) as Record<'en' | 'zh', Record<string, string>>;
    const rules = (await page.evaluate(`import('/console/rules.js').then((m) => ({ ...m }))`)) as Record<string, string[]>;
    expect(Object.keys(dictionaries.zh).sort()).toEqual(Object.keys(dictionaries.en).sort());
    const needed = [
      ...[...rules.ORDER_STATUSES, ...rules.COMPLAINT_STATUSES].map((s) => `st_${s}`),
      ...rules.KEY_STATUSES.map((s) => `ks_${s}`),
      ...['REQUESTED', 'APPROVED', 'REJECTED', 'REFUNDED'].map((s) => `rf_${s}`),
      ...rules.COMPLAINT_ACTIONS.map((a) => `act_${a}`),
      ...rules.COMPLAINT_CATEGORIES.map((c) => `cat_${c}`),
      ...timelineTypes().map((type) => `tl_${type}`),
    ];
    expect(needed.filter((key) => !(key in dictionaries.zh) || dictionaries.zh[key] === dictionaries.en[key])).toEqual([]);

    const order = await delivered();
    expectStatus(await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'key_invalid', description: '兑换失败' }), 201, 'complaint');
    const complaintId = (await shop.view(order.orderId)).complaints[0];
    await page.locator('[data-lang-toggle]').click();
    await page.locator('[data-tab="orders"]', { hasText: '订单' }).waitFor();
    try {
      for (const width of WIDTHS) {
        await page.setViewportSize(width);
        for (const view of ['dashboard', 'orders', `orders/${order.orderId}`, 'queue', `complaints/${complaintId}`, 'refunds', 'stuck', 'stock', 'ranking', 'products', `products/${sku}`, 'notes']) {
          await b.step(`chinese-${width.name}-${view.replace(/\W+/g, '-')}`, async () => {
            await page.goto(`${url}/console#/${view}`);
            await page.waitForLoadState('networkidle');
            await page.locator('main section').first().waitFor();
            // Each view in Chinese shows no English label: only the API's own prose, marked lang="en", may be English.
            expect({ view, english: await englishShown(page) }).toEqual({ view, english: [] });
            expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
          });
        }
      }
      // Statuses, timeline entries and durations are words too.
      await page.goto(`${url}/console#/orders/${order.orderId}`);
      await page.locator('h2 [data-status="DELIVERED"]', { hasText: '已发货' }).waitFor();
      await page.locator('.timeline li[data-type="payment_received"]', { hasText: '已收款' }).waitFor();
      await page.locator('.timeline li[data-type="status:PAID"]', { hasText: '状态：已付款' }).waitFor();
      await page.goto(`${url}/console#/stuck`);
      await page.locator('[data-why="out_of_stock"]').first().waitFor();
      expect(await page.locator('main').textContent()).toMatch(/\d+(天|小时|分)\d+(小时|分|秒)/);
      await page.goto(`${url}/console#/complaints/${complaintId}`);
      await page.locator('.sla', { hasText: '首次响应剩余' }).waitFor();
      expect(await page.locator('.sla').textContent()).toMatch(/首次响应剩余 \d+分\d{2}秒/);
    } finally {
      await page.locator('[data-lang-toggle]').click();
    }
  });
});

/**
 * Every timeline entry type the current workflows write (not the frozen release's): `note('type'`
 * and `type: 'type'` in their sources, and each outcome of a provider's dispute.
 */
function timelineTypes(): string[] {
  const root = join(__dirname, '..', '..', 'workflows');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'legacy' ? [] : files(join(dir, e.name))) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  const types = new Set<string>();
  // The order's and the complaint's workflows' `type:`s are their events and effects: the order's timeline is
  // written by its decisions (below); the complaint's steps are its own messages, never the order's timeline.
  const isPlumbing = (file: string) =>
    ['order', 'complaint'].some((life) => file.endsWith(join('workflows', `${life}.ts`)) || file.includes(join('workflows', life) + '/'));
  for (const file of files(root).filter((f) => !isPlumbing(f))) {
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/note\(\s*'([a-z_]+)'|type: '([a-z_]+)'/g)) types.add(m[1] ?? m[2]);
  }
  // The order's life is decided in domain/orderLife.ts, which writes its timeline (its `type:`s are events and effects).
  const life = readFileSync(join(__dirname, '..', '..', 'domain', 'orderLife.ts'), 'utf8');
  for (const m of life.matchAll(/note\(\s*'([a-z_]+)'|note\([^,]*\? '([a-z_]+)' : '([a-z_]+)'/g)) for (const t of m.slice(1)) if (t) types.add(t);
  for (const outcome of ['won', 'lost', 'completed']) types.add(`dispute_${outcome}`);
  expect(types.size).toBeGreaterThan(20);
  return [...types].sort();
}
