import { atEachWidth as eachWidth, openBrowser, pageWidth, signIn, WIDTHS, type BrowserSession, type Width } from '../support/browser';
import { DEV, eventually } from '../support/http';
import { expectStatus, keyCodes, productWithShop, type Shop } from '../support/orders';

/**
 * The console as a shop admin runs the shop from it, in a real Chromium at a desk's width and a
 * phone's, against the running product: prices in yuan, products on and off, the key list with
 * removal and imports, the public report's notes, the dashboard and its charts. A storefront key
 * is told what the console is for. Every page loads with no error in its console (no 404, the
 * favicon included).
 */
describe('the console for a shop admin', () => {
  const ctx = productWithShop();
  let b: BrowserSession;
  let shop: Shop;
  let url: string;

  beforeAll(async () => {
    ({ shop } = ctx);
    url = ctx.product.api.url;
    b = await openBrowser('shop', WIDTHS[0]);
  });
  afterAll(() => b?.close());
  afterEach(() => {
    // Nothing failed to load (the favicon too) and no script raised: this file provokes no refusal.
    expect(b.problems).toEqual([]);
  });

  const atEachWidth = (step: string, fn: (width: Width) => Promise<void>) => eachWidth(b, step, fn);

  it('tells a storefront key that the console is for agents, ops and admins', async () => {
    await atEachWidth('storefront', async () => {
      await signIn(b.page, url, DEV.storefront);
      const page = b.page.locator('[data-not-for="storefront"]');
      await page.waitFor();
      expect(await page.textContent()).toContain('This console is for the shop’s agents, ops and admins.');
      expect(await page.textContent()).toContain('dev-shop');
      expect(await b.page.locator('[data-tab]').count()).toBe(0);
      expect(await b.page.locator('.notice-error').count()).toBe(0);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await b.page.locator('#api-key').waitFor();
    });
  });

  it('takes prices typed in yuan: 68.00 saves ¥68.00, and refuses what is not an amount before sending it', async () => {
    await atEachWidth('price', async (width) => {
      const sku = `yuan-${width.name}`;
      const { page } = b;
      await signIn(page, url, DEV.admin);
      await page.goto(`${url}/console#/products`);
      await page.getByRole('button', { name: 'New product' }).click();
      const form = page.locator('form.product-form');
      await form.locator('input[name="sku"]').fill(sku);
      await form.locator('input[name="name"]').fill('Steam Wallet 68');
      await form.locator('input[name="price"]').fill('68.00');
      await form.getByRole('button', { name: 'Save' }).click();
      await page.locator('.notice-ok', { hasText: 'Saved: Steam Wallet 68 at CN¥68.00.' }).waitFor();
      expect((await shop.admin.get(`/v1/products/${sku}`)).body.price).toEqual({ amount: 6800, currency: 'CNY' });
      await page.locator(`[data-sku="${sku}"] [data-price]`, { hasText: '68.00' }).waitFor();

      // More than fen: refused in the page, nothing sent, the price stays.
      await form.locator('input[name="price"]').fill('68.005');
      await form.getByRole('button', { name: 'Save' }).click();
      await page.locator('.notice-error', { hasText: 'at most 2 decimals' }).waitFor();
      expect((await shop.admin.get(`/v1/products/${sku}`)).body.price.amount).toBe(6800);
      await form.locator('input[name="price"]').fill('1,299.5');
      await form.getByRole('button', { name: 'Save' }).click();
      await page.locator('.notice-ok', { hasText: 'CN¥1,299.50' }).waitFor();
      expect((await shop.admin.get(`/v1/products/${sku}`)).body.price.amount).toBe(129950);

      // Editing shows the price as typed, in yuan.
      await page.reload();
      await page.locator(`[data-sku="${sku}"] [data-edit]`).click();
      expect(await page.locator('form.product-form input[name="price"]').inputValue()).toBe('1299.50');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it('takes a product off sale and puts it back: new orders are refused meanwhile', async () => {
    const sku = 'switch-console';
    await shop.product(sku, {}, keyCodes(2, 'SW'));
    await atEachWidth('switch', async () => {
      const { page } = b;
      await signIn(page, url, DEV.admin);
      await page.goto(`${url}/console#/products`);
      const card = page.locator(`[data-sku="${sku}"]`);
      await card.locator('[data-toggle]').click();
      await page.locator(`[data-sku="${sku}"][data-active="false"]`).waitFor();
      await page.locator('.notice-ok', { hasText: `${sku} is off sale` }).waitFor();
      expect((await shop.admin.get(`/v1/products/${sku}`)).body.active).toBe(false);
      const refused = await shop.storefront.post('/v1/orders', { sku, buyer: { email: 'a@example.com' } });
      expect([refused.status, refused.body.error.code]).toEqual([409, 'product_unavailable']);
      // The filter finds it among the products off sale.
      await page.locator('select[name="active"]').selectOption('false');
      await card.waitFor();
      await card.locator('[data-toggle]').click();
      await page.locator('.notice-ok', { hasText: `${sku} is on sale again` }).waitFor();
      await card.waitFor({ state: 'detached' });
      expect((await shop.admin.get(`/v1/products/${sku}`)).body.active).toBe(true);
    });
  });

  it("lists a product's keys masked, removes an unsold one after asking, and imports a file, then pasted codes, saying what became of each", async () => {
    await atEachWidth('keys', async (width) => {
      const sku = `keys-${width.name}`;
      const codes = keyCodes(3, 'KEY');
      await shop.product(sku, { keyPattern: '^KEY-' }, codes);
      const order = await shop.order(sku);
      await shop.pay(order);
      const delivered = await shop.waitFor(order.orderId, 'DELIVERED');
      const soldCode = codes.find((c) => c.endsWith(delivered.keys[0].masked.slice(-4)))!;
      const { page } = b;
      await signIn(page, url, DEV.admin);
      await page.goto(`${url}/console#/products`);
      await page.locator(`[data-sku="${sku}"] [data-keys-link]`).click();
      const rows = page.locator('tr[data-key]');
      await page.locator('tr[data-key-status="delivered"]').waitFor();
      expect(await rows.count()).toBe(3);
      const text = await page.locator('table.grid').textContent();
      for (const code of codes) expect(text).not.toContain(code);
      expect(await page.locator('tr[data-key-status="delivered"] a').textContent()).toBe(order.orderId);

      // Removing asks first; "Cancel" leaves the key where it is.
      const row = page.locator('tr[data-key-status="available"]').first();
      const keyId = await row.getAttribute('data-key');
      await row.locator('[data-remove]').click();
      await row.locator('[data-confirm="no"]').click();
      expect((await shop.stock(sku)).available).toBe(2);
      await row.locator('[data-remove]').click();
      await row.locator('[data-confirm="yes"]').click();
      await page.locator(`tr[data-key="${keyId}"]`).waitFor({ state: 'detached' });
      await page.locator('[data-count="available"]', { hasText: '1' }).waitFor();
      expect((await shop.admin.get(`/v1/products/${sku}/keys`)).body.items.map((k: { keyId: string }) => k.keyId)).not.toContain(keyId);

      // A file: two new codes, one already in stock, one the pattern refuses.
      const fresh = keyCodes(2, 'KEY');
      await page.locator('input[type="file"]').setInputFiles({ name: 'codes.txt', mimeType: 'text/plain', buffer: Buffer.from([...fresh, soldCode, 'WRONG-1234567'].join('\n')) });
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.locator('.notice-ok', { hasText: 'Import finished: 2 imported, 1 duplicates, 1 rejected.' }).waitFor();
      const details = page.locator('[data-import-details] tbody tr');
      expect(await details.count()).toBe(2);
      expect(await page.locator('[data-import-details] tr[data-outcome="duplicate"]').textContent()).toContain('is already in inventory');
      expect(await page.locator('[data-import-details] tr[data-outcome="rejected"]').textContent()).toContain('keyPattern');
      expect(await page.locator('[data-import-details]').textContent()).not.toContain('WRONG-1234567');
      expect(await page.locator('input[type="file"]').inputValue()).toBe('');

      // Then pasted codes: these are what the next import sends, not the file again.
      const pasted = keyCodes(2, 'KEY');
      await page.locator('textarea[name="codes"]').fill(pasted.join('\n'));
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.locator('.notice-ok', { hasText: 'Import finished: 2 imported, 0 duplicates, 0 rejected.' }).waitFor();
      expect((await shop.stock(sku)).available).toBe(1 + 2 + 2);
      expect(await page.locator('textarea[name="codes"]').inputValue()).toBe('');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it('says an import resumed the orders waiting for stock', async () => {
    await atEachWidth('resumed', async (width) => {
      const sku = `waiting-${width.name}`;
      await shop.product(sku);
      const order = await shop.order(sku);
      await shop.pay(order);
      await shop.waitFor(order.orderId, 'OUT_OF_STOCK');
      const { page } = b;
      await signIn(page, url, DEV.admin);
      await page.goto(`${url}/console#/products/${sku}`);
      await page.locator('textarea[name="codes"]').fill(keyCodes(1, 'WAIT').join('\n'));
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const said = page.locator('[data-resumed], [data-offer-pending]').first();
      await said.waitFor();
      // Offered for up to 3 s before the import answers; a machine slower than that says the offer goes on.
      expect((await said.getAttribute('data-resumed')) ?? 'pending').toMatch(/^(1|pending)$/);
      if (await said.getAttribute('data-resumed')) expect(await said.textContent()).toBe('1 waiting orders took keys from this import.');
      await shop.waitFor(order.orderId, 'DELIVERED');
    });
  });

  it("writes the public report's notes, which the public page then shows", async () => {
    const month = new Date().toISOString().slice(0, 7);
    await atEachWidth('notes', async (width) => {
      const { page } = b;
      const text = `We now answer within the hour (${width.name}).`;
      await signIn(page, url, DEV.admin);
      await page.goto(`${url}/console#/notes`);
      await page.locator('textarea[name="noteText"]').fill(text);
      await page.getByRole('button', { name: 'Publish the note' }).click();
      await page.locator('.notice-ok', { hasText: 'Published.' }).waitFor();
      await page.locator(`[data-notes="${month}"] li`, { hasText: text }).waitFor();
      expect((await shop.http.get(`/v1/public/complaint-report?month=${month}`)).body.notes.map((n: { text: string }) => n.text)).toContain(text);
      await page.goto(`${url}/report?month=${month}`);
      await page.locator('.notes li', { hasText: text }).waitFor();
    });
  });

  it('shows sales, revenue, refunds and complaints by day on the dashboard, as the sales report counts them', async () => {
    const sku = 'dash-card';
    await shop.product(sku, { price: { amount: 6800, currency: 'CNY' } }, keyCodes(3, 'DASH'));
    const kept = await shop.delivered(sku);
    await shop.refunded(await shop.delivered(sku));
    expectStatus(await kept.buyer.post(`/v1/orders/${kept.orderId}/complaints`, { category: 'service', description: 'Slow.' }), 201, 'complaint');
    const report = await eventually(async () => {
      const r = (await shop.ops.get('/v1/reports/sales')).body;
      return r.totals.refunds >= 1 && r.totals.complaints >= 1 ? r : undefined;
    }, 'the sales counted');
    const today = report.byDay.at(-1);

    await atEachWidth('dashboard', async (width) => {
      const { page } = b;
      await signIn(page, url, DEV.ops);
      expect(await page.locator('[data-tab]').first().getAttribute('data-tab')).toBe('dashboard');
      const figure = (name: string) => page.locator(`[data-figure="${name}"]`).textContent();
      await page.locator('[data-figure="orders"]', { hasText: String(report.totals.orders) }).waitFor();
      expect(await figure('paid')).toBe(String(report.totals.paid));
      expect(await figure('refunds')).toBe(String(report.totals.refunds));
      expect(await figure('complaints')).toBe(String(report.totals.complaints));
      expect(await figure('revenue')).toContain((report.totals.revenue.amount / 100).toLocaleString('en', { minimumFractionDigits: 2 }));
      expect(await figure('net')).toContain(((report.totals.revenue.amount - report.totals.refunded.amount) / 100).toLocaleString('en', { minimumFractionDigits: 2 }));
      // Today's columns carry today's figures; revenue in yuan.
      const column = (chart: string, series = 0) => page.locator(`[data-chart="${chart}"] rect.series-${series}[data-day="${today.day}"]`).getAttribute('data-value');
      expect(await column('revenue')).toBe(String(today.revenue.amount / 100));
      expect([await column('orders', 0), await column('orders', 1)]).toEqual([String(today.orders), String(today.paid)]);
      expect(await column('refunds')).toBe(String(today.refunds));
      expect(await column('complaints')).toBe(String(today.complaints));
      expect(await page.locator('[data-chart="orders"] rect.series-0').count()).toBe(30);
      await page.locator('[data-days="7"]').click();
      await eventually(async () => (await page.locator('[data-chart="orders"] rect.series-0').count()) === 7 || undefined, 'seven days');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);
    });
  });

  it('draws long SKUs whole in the ranking chart, colors badges by kind, and serves its favicon', async () => {
    const sku = `a-product-with-a-very-long-sku-that-goes-on-and-on-${'x'.repeat(8)}`;
    await shop.product(sku, {}, keyCodes(1, 'LONG'));
    const order = await shop.order(sku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    expectStatus(await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'wrong_item', description: 'Not this.' }), 201, 'complaint');
    await shop.order(sku); // awaiting payment: a third kind of badge beside delivered and refunded

    const favicon = await fetch(`${url}/favicon.ico`);
    expect([favicon.status, favicon.headers.get('content-type')]).toEqual([200, 'image/x-icon']);
    expect(Buffer.from(await favicon.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));

    await atEachWidth('charts', async (width) => {
      const { page } = b;
      await signIn(page, url, DEV.admin);
      await page.goto(`${url}/console#/ranking`);
      await page.locator(`svg.bars g[data-label="${sku}"]`).waitFor();
      // Every label is drawn inside its chart, none cut at either end.
      const cut = await page.evaluate(`[...document.querySelectorAll('svg.bars')].flatMap((svg) => {
        const box = svg.viewBox.baseVal;
        return [...svg.querySelectorAll('text')].filter((t) => { const b = t.getBBox(); return b.x < 0 || b.x + b.width > box.width; }).map((t) => t.textContent);
      })`);
      expect(cut).toEqual([]);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width.width);

      // Badges: a color per kind of status, the same kind the same color.
      await page.goto(`${url}/console#/orders`);
      await page.locator('tr[data-order] [data-kind="ok"]').first().waitFor();
      const colors = (await page.evaluate(`[...document.querySelectorAll('.badge[data-kind]')].map((b) => [b.dataset.kind, getComputedStyle(b).backgroundColor])`)) as [string, string][];
      const byKind = new Map<string, Set<string>>();
      for (const [kind, color] of colors) byKind.set(kind, (byKind.get(kind) ?? new Set()).add(color));
      expect(byKind.size).toBeGreaterThanOrEqual(3);
      for (const set of byKind.values()) expect(set.size).toBe(1);
      expect(new Set([...byKind.values()].map((s) => [...s][0])).size).toBe(byKind.size);
    });
  });
});
