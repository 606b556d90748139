import { FakeServer } from '../support/fakeServer';
import { openBrowser, signIn as signInAs, type BrowserSession } from '../support/browser';
import { DEV, eventually } from '../support/http';
import { keyCodes, productWithShop, type PlacedOrder, type Shop } from '../support/orders';
import type { Product } from '../support/harness';

/**
 * The buyer's side in the console, in a real Chromium against the running product: the admin writes
 * a product's usage instructions in both languages; an agent files a complaint that came in by
 * WeChat, sees it in the queue by channel, adds a screenshot and sees the buyer's PDF, both fetched
 * with the agent's key; the ranking shows what buyers said and how the automatic re-check did.
 */

/** A real 2×2 PNG, so the thumbnail must decode to be drawn. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

describe("the buyer's side in the console", () => {
  /** The supplier's check: a code goes bad when the test says so. */
  const bad = new Set<string>();
  const supplier = new FakeServer((req) => ({ status: 200, body: { valid: !bad.has(req.body?.code) } }));
  beforeAll(() => supplier.start());
  afterAll(() => supplier.stop());
  const ctx = productWithShop(() => ({ AUTO_RECHECK_WAIT: '5s' }));
  let product: Product;
  let shop: Shop;
  let b: BrowserSession;
  const sku = 'console-buyer-side';
  const checked = 'console-buyer-checked';

  beforeAll(async () => {
    ({ product, shop } = ctx);
    await shop.product(sku, { keyPattern: '^SIDE-' }, keyCodes(10, 'SIDE'));
    await shop.product(checked, { validationUrl: `${supplier.url}/check` }, keyCodes(4, 'CHKD'));
    b = await openBrowser('buyerSide', { width: 1280, height: 900 });
  });
  afterAll(() => b?.close());
  afterEach(() => {
    // Refused calls (a 409, a 415) are logged by Chromium as failed loads and are expected.
    expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]);
  });
  const signIn = (key: string) => signInAs(b.page, product.api.url, key);

  it("the admin writes a product's usage instructions in both languages; the buyer gets them with the keys", async () => {
    const { page } = b;
    await b.step('instructions', async () => {
      await signIn(DEV.admin);
      await page.goto(`${product.api.url}/console#/products`);
      await page.locator(`[data-sku="${sku}"] [data-edit]`).click();
      await page.locator('textarea[name="instructionsZh"]').fill('在 Steam 客户端兑换。');
      await page.locator('textarea[name="instructionsEn"]').fill('Redeem it in the Steam client.');
      await page.locator('form.product-form button[type="submit"]').click();
      await page.locator('.notice-ok').waitFor();
      expect((await shop.admin.get(`/v1/products/${sku}`)).body.instructions).toEqual({ zh: '在 Steam 客户端兑换。', en: 'Redeem it in the Steam client.' });

      // Opened again, the editor shows what is kept; emptying one language keeps the other.
      await page.reload();
      await page.locator(`[data-sku="${sku}"] [data-edit]`).click();
      await expect(page.locator('textarea[name="instructionsEn"]').inputValue()).resolves.toBe('Redeem it in the Steam client.');
      await page.locator('textarea[name="instructionsZh"]').fill('');
      await page.locator('form.product-form button[type="submit"]').click();
      await page.locator('.notice-ok').waitFor();
      expect((await shop.admin.get(`/v1/products/${sku}`)).body.instructions).toEqual({ en: 'Redeem it in the Steam client.' });
      const order = await shop.delivered(sku);
      // A zh-CN buyer (the default) gets the English ones: theirs is empty.
      expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.instructions).toBe('Redeem it in the Steam client.');

      // Too long is refused by the API, said under the form naming the field.
      await page.locator('textarea[name="instructionsEn"]').evaluate((el) => el.removeAttribute('maxlength'));
      await page.locator('textarea[name="instructionsEn"]').fill('x'.repeat(5001));
      await page.locator('form.product-form button[type="submit"]').click();
      await expect(page.locator('.product-form + .notice-error, .panel .notice-error').first().textContent()).resolves.toContain('The English instructions');
    });
  });

  it('an agent files a WeChat complaint for the buyer, finds it by channel, and sees the evidence files as thumbnails and downloads fetched with the key', async () => {
    const order = await shop.delivered(sku);
    const { page } = b;
    let complaintId = '';
    const evidenceRequests: { url: string; auth: string | undefined }[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/attachments/')) evidenceRequests.push({ url: r.url(), auth: r.headers().authorization });
    });

    await b.step('file-for-buyer', async () => {
      await signIn(DEV.agent);
      await page.goto(`${product.api.url}/console#/orders/${order.orderId}`);
      await page.locator('[data-file-for-buyer]').click();
      const form = page.locator('[data-file-complaint]');
      // Nothing said: the API names the field.
      await form.locator('select[name="channel"]').selectOption('wechat');
      await form.locator('input[name="externalRef"]').fill('WX-2026-118');
      await form.locator('select[name="category"]').selectOption('key_not_received');
      await form.locator('textarea[name="description"]').fill('   ');
      await form.locator('textarea[name="description"]').evaluate((el) => el.removeAttribute('required'));
      await form.locator('button[type="submit"]').click();
      await expect(form.locator('.notice-error').textContent()).resolves.toContain('What the buyer said');
      await form.locator('textarea[name="description"]').fill('The buyer wrote on WeChat: the key never arrived.');
      await form.locator('button[type="submit"]').click();
      await page.waitForURL(/#\/complaints\//);
      complaintId = decodeURIComponent(page.url().split('#/complaints/')[1]);
      await page.getByText('The buyer wrote on WeChat').waitFor();
      await expect(page.locator('.complaint [data-channel]').first().textContent()).resolves.toBe('WeChat');
      await expect(page.locator('[data-external-ref]').textContent()).resolves.toContain('WX-2026-118');
      await page.getByText('filed by dev-agent').waitFor();
      expect((await shop.agent.get(`/v1/complaints/${complaintId}`)).body).toMatchObject({ channel: 'wechat', externalRef: 'WX-2026-118', filedBy: 'dev-agent' });
      // A second one on the same order: the order's own rule, in the API's words.
      await page.goto(`${product.api.url}/console#/orders/${order.orderId}`);
      await page.locator('[data-file-for-buyer]').click();
      await page.locator('[data-file-complaint] textarea[name="description"]').fill('Again by phone.');
      await page.locator('[data-file-complaint] button[type="submit"]').click();
      await expect(page.locator('[data-file-complaint] .notice-conflict').textContent()).resolves.toContain(complaintId);
    });

    await b.step('queue-by-channel', async () => {
      await page.goto(`${product.api.url}/console#/queue`);
      const card = page.locator(`[data-complaint="${complaintId}"]`);
      await page.locator('select[name="channel"]').selectOption('wechat');
      await eventually(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await card.count()) > 0;
      }, 'the WeChat complaint in the queue');
      await expect(card.locator('[data-channel]').textContent()).resolves.toBe('WeChat');
      await page.locator('select[name="channel"]').selectOption('phone');
      await card.waitFor({ state: 'detached' });
    });

    await b.step('evidence', async () => {
      // The buyer sends a PDF through the API; the agent adds a screenshot from the page.
      const sent = await fetch(`${product.api.url}/v1/complaints/${complaintId}/attachments`, { method: 'POST', headers: { 'x-order-token': order.orderToken, 'content-type': 'application/pdf' }, body: PDF });
      expect(sent.status).toBe(201);
      await page.goto(`${product.api.url}/console#/complaints/${complaintId}`);
      await page.locator('[data-attachment][data-type="application/pdf"]').waitFor();
      // A text file is refused before it is sent.
      await page.locator('input[name="attachment"]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
      await expect(page.locator('.evidence-files .notice-error').textContent()).resolves.toContain('PNG, JPEG, WebP or PDF');
      await page.locator('input[name="attachment"]').setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
      await page.getByText('Added screenshot.png.').waitFor();
      const thumb = page.locator('[data-attachment][data-type="image/png"] img');
      await thumb.waitFor();
      // Drawn from the bytes fetched with the key (a data: URL), never from a link into the API.
      expect(await thumb.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      await eventually(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth === 2), 'the thumbnail decoded');
      expect(await page.locator('img[src*="/v1/"], a[href*="/attachments/"]').count()).toBe(0);
      const view = (await shop.agent.get(`/v1/complaints/${complaintId}`)).body;
      expect(view.attachments.map((a: { contentType: string; from: string }) => [a.contentType, a.from])).toEqual([['application/pdf', 'buyer'], ['image/png', 'agent']]);

      // The PDF is a download, its bytes the buyer's.
      const [saved] = await Promise.all([page.waitForEvent('download'), page.locator('[data-type="application/pdf"] [data-download]').click()]);
      expect(saved.suggestedFilename()).toMatch(/\.pdf$/);
      const path = await saved.path();
      expect(require('node:fs').readFileSync(path).equals(PDF)).toBe(true);
      expect(evidenceRequests.length).toBeGreaterThanOrEqual(2);
      expect(evidenceRequests.every((r) => r.auth === `Bearer ${DEV.agent}`)).toBe(true);
    });
  });

  it('the ranking shows what buyers said, worst product first, and how the automatic re-check did', async () => {
    // Feedback from three buyers; a reported key the supplier now calls invalid, replaced with no agent.
    const buyers: PlacedOrder[] = [await shop.delivered(sku), await shop.delivered(checked), await shop.delivered(checked)];
    const said = [
      { rating: 5, instructionsClear: true, comment: 'Worked at once.' },
      { rating: 2, instructionsClear: false, comment: 'Where do I type the code?' },
      { rating: 3 },
    ];
    for (const [i, o] of buyers.entries()) expect((await o.buyer.post(`/v1/orders/${o.orderId}/feedback`, said[i])).status).toBe(201);
    const reported = buyers[1];
    bad.add((await reported.buyer.get(`/v1/orders/${reported.orderId}/keys`)).body.keys[0].code);
    const filed = await reported.buyer.post(`/v1/orders/${reported.orderId}/complaints`, { category: 'key_invalid', description: 'Says invalid.' });
    await eventually(async () => (await shop.agent.get(`/v1/complaints/${filed.body.complaintId}`)).body.status === 'RESOLVED', 'the re-check to replace the key', 20_000);
    const report = await eventually(async () => {
      const r = (await shop.ops.get('/v1/reports/complaints')).body;
      return r.autoRecheck.resolved >= 1 ? r : false;
    }, 'the report to count the replacement');

    const { page } = b;
    await b.step('ranking', async () => {
      await signIn(DEV.ops);
      await page.goto(`${product.api.url}/console#/ranking`);
      const recheck = page.locator('[data-auto-recheck]');
      await recheck.waitFor();
      await expect(recheck.locator('[data-figure="resolved"]').textContent()).resolves.toBe(String(report.autoRecheck.resolved));
      await expect(recheck.locator('[data-figure="rechecked"]').textContent()).resolves.toBe(String(report.autoRecheck.rechecked));
      await expect(recheck.locator('[data-figure="p95"]').textContent()).resolves.toBe(`${report.autoRecheck.p95Seconds} s`);
      await expect(recheck.locator('[data-to-agents="valid"]').textContent()).resolves.toBe(String(report.autoRecheck.toAgents.valid));

      const table = page.locator('[data-feedback-report]');
      await table.waitFor();
      // Worst first: the checked product (2 and 3 stars, half found the instructions unclear) above the other.
      expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sku')))).toEqual([checked, sku]);
      await expect(table.locator(`tr[data-sku="${checked}"]`).textContent()).resolves.toContain('100.0%');
      const list = page.locator('.feedback-list');
      await list.getByText('Where do I type the code?').waitFor();
      await list.getByText('Worked at once.').waitFor();
      // One product's feedback alone.
      await table.locator(`tr[data-sku="${checked}"] button`).click();
      await list.getByText('Worked at once.').waitFor({ state: 'detached' });
      await list.getByText('Where do I type the code?').waitFor();
      await expect(list.locator(`[data-feedback-order="${buyers[1].orderId}"]`).textContent()).resolves.toContain('instructions unclear');

      // 中文: the same panels in Chinese.
      await page.locator('[data-lang-toggle]').click();
      await page.getByText('被报无效卡密的自动复核').waitFor();
      await page.getByText('买家评价', { exact: true }).waitFor();
      await page.locator('[data-lang-toggle]').click();
    });
  });
});
