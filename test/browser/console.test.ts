import { FakeServer } from '../support/fakeServer';
import { inView, openBrowser, signIn as signInAs, WIDTHS, type BrowserSession } from '../support/browser';
import { DEV, eventually } from '../support/http';
import { keyCodes, productWithShop, type Shop } from '../support/orders';
import type { Product } from '../support/harness';
import { orderWorkflowId } from '../../domain/order';

/**
 * The console in a real Chromium, at a phone's width, against the running product: an agent signs
 * in, works the queue, acts on a complaint (and sees a 409 when another agent got there first),
 * approves a refund; ops find a stuck order and its link into the Temporal UI.
 */
describe('the console in a browser', () => {
  let supplier: FakeServer;
  let supplierUp = true;
  beforeAll(async () => {
    supplier = await new FakeServer(() => (supplierUp ? { status: 200, body: { valid: true } } : { status: 503, body: { error: 'down' } })).start();
  });
  afterAll(() => supplier?.stop());
  const ctx = productWithShop(() => ({ TEMPORAL_UI_URL: 'http://temporal-ui.example:8080/' }));
  let product: Product;
  let shop: Shop;
  let b: BrowserSession;
  const sku = 'steam-console';
  const slowSku = 'steam-console-checked';

  beforeAll(async () => {
    ({ product, shop } = ctx);
    await shop.product(sku, { keyPattern: '^STEAM-' }, keyCodes(10, 'STEAM'));
    await shop.product(slowSku, { keyPattern: '^STEAM-', validationUrl: `${supplier.url}/check` }, keyCodes(3, 'STEAM'));
    b = await openBrowser('console');
  });
  afterAll(async () => {
    supplierUp = true;
    await b?.close();
  });
  afterEach(() => {
    // Everything the page loads comes from its own origin under its CSP; a violation or an
    // exception in its scripts would show here. Refused calls (409s) are logged by Chromium as
    // failed loads and are expected.
    expect(b.problems.filter((p) => !p.startsWith('Failed to load resource'))).toEqual([]);
  });

  const delivered = () => shop.delivered(sku);

  const signIn = (key: string) => signInAs(b.page, product.api.url, key);

  it('serves the page under a strict CSP and refuses a wrong key on sign-in', async () => {
    await b.step('sign-in', async () => {
      const answer = await fetch(`${product.api.url}/console`);
      expect(answer.status).toBe(200);
      const csp = answer.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');

      const { page } = b;
      await page.goto(`${product.api.url}/console`);
      await page.locator('#api-key').fill('not-a-key-at-all');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.locator('.notice-error').textContent()).resolves.toContain('not valid');
      expect(await page.evaluate('sessionStorage.getItem("kamiflow.apiKey")')).toBeNull();

      await signIn(DEV.agent);
      expect(await page.locator('[data-me]').getAttribute('data-me')).toBe('agent');
      expect(await page.evaluate('sessionStorage.getItem("kamiflow.apiKey")')).toBe(DEV.agent);
      expect(await page.evaluate('localStorage.getItem("kamiflow.apiKey")')).toBeNull();
      // The agent's tabs; ops' stuck orders and the admin's products are not among them.
      expect(await page.locator('[data-tab]').evaluateAll((as) => as.map((a) => a.getAttribute('data-tab')))).toEqual(['orders', 'queue', 'refunds', 'stock', 'ranking']);
    });
  });

  it('an agent works a complaint from the queue: a 409 when another agent was first, then resolved and closed', async () => {
    const order = await delivered();
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'key_invalid', description: 'The key says already redeemed.' });
    expect(filed.status).toBe(201);
    const { complaintId } = filed.body;
    const { page } = b;

    const card = page.locator(`[data-complaint="${complaintId}"]`);
    await b.step('queue', async () => {
      await signIn(DEV.agent);
      await page.goto(`${product.api.url}/console#/queue`);
      await eventually(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return (await card.count()) > 0;
      }, 'the complaint in the queue');
      await expect(card.textContent()).resolves.toMatch(/First response due in (59|60)m/);
      // The filters narrow the queue: another category hides it.
      await page.locator('select[name="category"]').selectOption('service');
      await card.waitFor({ state: 'detached' });
      await page.locator('select[name="category"]').selectOption('key_invalid');
      await card.waitFor();
    });

    await b.step('complaint-409', async () => {
      await card.locator('a').click();
      await page.getByText('The key says already redeemed.').waitFor();
      // The order's timeline beside the complaint.
      await page.locator('.timeline li', { hasText: 'order.delivered' }).first().waitFor();
      // Another agent acknowledges it while this page still shows it OPEN.
      expect((await shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'acknowledge', note: 'On it.' })).status).toBe(200);
      await page.locator('button[data-action="acknowledge"]').click();
      const notice = page.locator('.notice-conflict');
      await notice.waitFor();
      // In the API's own words, beside the buttons, on the phone's screen without scrolling.
      expect(await notice.textContent()).toMatch(/^Not done: .*ACKNOWLEDGED/);
      expect(await notice.textContent()).not.toContain('changed meanwhile');
      expect(await inView(page, '.notice-conflict')).toBe(true);
      // The page shows what the complaint is now, including the other agent's message.
      await page.locator('.msg', { hasText: 'On it.' }).waitFor();
    });

    await b.step('complaint-resolve', async () => {
      await page.locator('textarea[name="note"]').fill('Here is a new key, sorry.');
      await page.locator('button[data-action="resolve_replace"]').click();
      await page.locator('.notice-ok, .notice-info').first().waitFor();
      const view = await eventually(async () => {
        const v = await shop.agent.get(`/v1/complaints/${complaintId}`);
        return v.body.status === 'RESOLVED' ? v.body : false;
      }, 'the complaint resolved');
      expect(view.messages.map((m: { text: string }) => m.text)).toEqual(expect.arrayContaining([expect.stringContaining('Here is a new key, sorry.')]));
      expect((await order.buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: true, rating: 5 })).status).toBe(200);
      await page.reload();
      await page.locator('h2 .badge[data-status="CLOSED"]').waitFor();
    });
  });

  it('each click goes under a fresh Idempotency-Key: a lost answer is sent again under it, a double click acts once', async () => {
    const order = await delivered();
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'The activation page times out.' });
    expect(filed.status).toBe(201);
    const { complaintId } = filed.body;
    const { page } = b;
    const sent: { key: string | null; body: unknown }[] = [];
    let loseNextAnswer = true;
    const actions = `**/v1/complaints/${complaintId}/actions`;
    await page.route(actions, async (route) => {
      const request = route.request();
      sent.push({ key: await request.headerValue('idempotency-key'), body: request.postDataJSON() });
      if (!loseNextAnswer) return route.continue();
      loseNextAnswer = false;
      // The request reaches the API, which acts; its answer never reaches the page.
      await route.fetch();
      await route.abort('connectionreset');
    });
    const notes = async (text: string) => (await shop.agent.get(`/v1/complaints/${complaintId}`)).body.messages.filter((m: { text: string }) => m.text === text);
    try {
      await b.step('lost-answer', async () => {
        await signIn(DEV.agent);
        await page.goto(`${product.api.url}/console#/complaints/${complaintId}`);
        await page.getByText('The activation page times out.').waitFor();
        await page.locator('textarea[name="note"]').fill('Checking with the supplier.');
        await page.locator('button[data-action="acknowledge"]').click();
        await page.locator('.notice-ok', { hasText: 'ACKNOWLEDGED' }).waitFor();
        expect(sent).toHaveLength(2);
        expect(sent[0].key).toMatch(/^[0-9a-f]{32}$/);
        expect(sent[1]).toEqual(sent[0]);
        expect(await notes('Checking with the supplier.')).toHaveLength(1);
      });
      await b.step('double-click', async () => {
        await page.locator('textarea[name="note"]').fill('Which browser do you use?');
        await page.locator('button[data-action="request_info"]').dblclick();
        await page.locator('.notice-ok', { hasText: 'AWAITING_BUYER' }).waitFor();
        expect(await page.locator('.notice-conflict').count()).toBe(0);
        const clicks = sent.slice(2);
        expect(clicks.length).toBeGreaterThan(0);
        expect(new Set(clicks.map((c) => c.key)).size).toBe(1);
        expect(clicks[0].key).toMatch(/^[0-9a-f]{32}$/);
        expect(clicks[0].key).not.toBe(sent[0].key);
        expect(await notes('Which browser do you use?')).toHaveLength(1);
      });
    } finally {
      await page.unroute(actions);
    }
  });

  it('an agent approves a refund request', async () => {
    const order = await delivered();
    expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Bought the wrong region.' })).status).toBe(202);
    await shop.waitFor(order.orderId, 'REFUND_REQUESTED');
    const { page } = b;
    await b.step('refund', async () => {
      await signIn(DEV.agent);
      await page.goto(`${product.api.url}/console#/refunds`);
      const card = page.locator(`[data-order="${order.orderId}"]`);
      await card.getByText('Bought the wrong region.').waitFor();
      await card.locator('input[name="note"]').fill('Region mismatch, refunded.');
      await card.locator('button[data-decision="approve"]').click();
      // Money moves only from the confirmation.
      await card.locator('[data-confirm="yes"]').click();
      // The card says what was decided, and its badge shows where the order stands now.
      await card.locator('.notice-ok', { hasText: /^Refund approved: CN¥19\.99 goes back to the buyer \((Refunding|Refunded)\)\.$/ }).waitFor();
      await card.locator('.row > [data-status="REFUNDING"], .row > [data-status="REFUNDED"]').first().waitFor();
      expect(await card.locator('[data-decision]').count()).toBe(0);
      await shop.waitFor(order.orderId, 'REFUNDED');
      // Decided: no longer in the queue.
      await page.reload();
      await card.waitFor({ state: 'detached' });
    });
  });

  it('an agent rejects a refund request: a note first, then the card says so and shows the order delivered again', async () => {
    const order = await delivered();
    expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Did not like it.' })).status).toBe(202);
    await shop.waitFor(order.orderId, 'REFUND_REQUESTED');
    const { page } = b;
    await b.step('refund-reject', async () => {
      await signIn(DEV.agent);
      await page.goto(`${product.api.url}/console#/refunds`);
      const card = page.locator(`[data-order="${order.orderId}"]`);
      await card.getByText('Did not like it.').waitFor();
      await card.locator('button[data-decision="reject"]').click();
      await card.locator('.notice-error', { hasText: 'Write a note first' }).waitFor();
      expect((await shop.view(order.orderId)).status).toBe('REFUND_REQUESTED');
      await card.locator('input[name="note"]').fill('The key was already redeemed.');
      await card.locator('button[data-decision="reject"]').click();
      await card.locator('.notice-ok', { hasText: 'Refund rejected: the buyer keeps the keys (Delivered).' }).waitFor();
      await card.locator('.row > [data-status="DELIVERED"]').waitFor();
      await card.locator('.refund [data-status="REJECTED"]').waitFor();
      expect(await card.textContent()).not.toContain('Decided: DELIVERED');
    });
  });

  it('offers only the complaint actions its status takes; a rejection needs a note, a refund asks first', async () => {
    const { page } = b;
    const offered = () => page.locator('button[data-action]').evaluateAll((bs) => bs.map((x) => x.getAttribute('data-action')));
    for (const width of WIDTHS) {
      await page.setViewportSize(width);
      const order = await delivered();
      const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'key_not_received', description: `Nothing arrived (${width.name}).` });
      expect(filed.status).toBe(201);
      const { complaintId } = filed.body;
      await b.step(`complaint-actions-${width.name}`, async () => {
        await signIn(DEV.agent);
        await page.goto(`${product.api.url}/console#/complaints/${complaintId}`);
        await page.getByText(`Nothing arrived (${width.name}).`).waitFor();
        expect(await offered()).toEqual(['acknowledge', 'request_info', 'resolve_replace', 'resolve_refund', 'reject', 'escalate']);

        // Rejecting with no note is stopped in the page: nothing is sent, nothing changes.
        await page.locator('button[data-action="reject"]').click();
        await page.locator('.notice-error', { hasText: 'Write a note first' }).waitFor();
        expect(await inView(page, '.notice-error')).toBe(true);
        expect((await shop.agent.get(`/v1/complaints/${complaintId}`)).body).toMatchObject({ status: 'OPEN', messages: [expect.anything()] });

        // A refund asks first, naming the money; "Cancel" leaves the complaint as it was.
        await page.locator('aside [data-amount]').waitFor();
        await page.locator('button[data-action="resolve_refund"]').click();
        expect(await page.locator('.confirm').textContent()).toContain('CN¥19.99');
        await page.locator('[data-confirm="no"]').click();
        expect((await shop.agent.get(`/v1/complaints/${complaintId}`)).body.status).toBe('OPEN');

        await page.locator('button[data-action="acknowledge"]').click();
        await page.locator('.notice-ok', { hasText: 'Done: the complaint is now Acknowledged.' }).waitFor();
        await page.locator('h2 [data-status="ACKNOWLEDGED"]').waitFor();
        expect(await offered()).toEqual(['request_info', 'resolve_replace', 'resolve_refund', 'reject', 'escalate']);

        await page.locator('button[data-action="resolve_refund"]').click();
        await page.locator('[data-confirm="yes"]').click();
        await page.locator('.notice-ok, .notice-info').first().waitFor();
        await shop.waitFor(order.orderId, 'REFUNDED');
        await eventually(async () => {
          await page.reload();
          await page.locator('h2 [data-status]').waitFor();
          return (await page.locator('h2 [data-status="RESOLVED"]').count()) > 0 || undefined;
        }, 'the complaint resolved on the page');
        // Resolved: the buyer's move now; no agent action fits.
        expect(await offered()).toEqual([]);
        await page.locator('[data-no-actions]').waitFor();
      });
    }
    await page.setViewportSize(WIDTHS[1]);
  });

  it('a refund decision that no longer fits shows the 409 reason', async () => {
    const order = await delivered();
    expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Changed my mind.' })).status).toBe(202);
    await shop.waitFor(order.orderId, 'REFUND_REQUESTED');
    const { page } = b;
    await b.step('refund-409', async () => {
      await signIn(DEV.agent);
      await page.goto(`${product.api.url}/console#/refunds`);
      const card = page.locator(`[data-order="${order.orderId}"]`);
      await card.getByText('Changed my mind.').waitFor();
      // Another agent rejects it first.
      expect((await shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: false, note: 'Key was used.' })).status).toBe(200);
      await card.locator('button[data-decision="approve"]').click();
      await card.locator('[data-confirm="yes"]').click();
      const notice = card.locator('.notice-conflict');
      await notice.waitFor();
      expect(await notice.textContent()).toMatch(/no refund request is pending|pending/i);
      expect((await shop.view(order.orderId)).status).not.toMatch(/REFUND/);
    });
  });

  it('ops see a stuck order linked to its workflow in the Temporal UI', async () => {
    supplierUp = false;
    const order = await shop.order(slowSku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERING');
    await new Promise((r) => setTimeout(r, 2500));
    const { page } = b;
    await b.step('stuck', async () => {
      await signIn(DEV.ops);
      await page.goto(`${product.api.url}/console#/stuck`);
      await page.locator('input[name="olderThan"]').fill('2s');
      await page.getByRole('button', { name: 'Refresh' }).click();
      const card = page.locator(`[data-order="${order.orderId}"]`);
      await card.waitFor();
      expect(await card.locator('[data-status]').first().getAttribute('data-status')).toBe('DELIVERING');
      const link = card.locator('a.temporal-link');
      expect(await link.getAttribute('href')).toBe(`http://temporal-ui.example:8080/namespaces/default/workflows/${orderWorkflowId(order.orderId)}`);
      expect(await link.getAttribute('target')).toBe('_blank');
      // Ops' other views: stock levels and the ranking chart.
      await page.locator('[data-tab="stock"]').click();
      await page.locator(`[data-sku="${sku}"]`).waitFor();
      await page.locator('[data-tab="ranking"]').click();
      await page.locator('svg.bars').first().waitFor();
    });
    supplierUp = true;
    await shop.waitFor(order.orderId, 'DELIVERED');
  });

  it('the console reads in Chinese and fits a phone', async () => {
    const { page } = b;
    await b.step('chinese', async () => {
      await signIn(DEV.admin);
      await page.locator('[data-lang-toggle]').click();
      await page.locator('[data-tab="queue"]', { hasText: '投诉' }).waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
      // Nothing wider than the phone's screen.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.locator('[data-lang-toggle]').click();
    });
  });

  it("the public report page shows the month's published figures, in Chinese too", async () => {
    const { page } = b;
    const month = new Date().toISOString().slice(0, 7);
    const published = (await shop.http.get(`/v1/public/complaint-report?month=${month}`)).body;
    await b.step('report', async () => {
      await page.goto(`${product.api.url}/report?month=${month}`);
      await page.locator(`[data-report="${month}"]`).waitFor();
      expect(await page.locator('[data-figure="orders"]').textContent()).toBe(String(published.orders));
      expect(await page.locator('[data-figure="complaints"]').textContent()).toBe(String(published.complaints));
      if ((await page.evaluate('document.documentElement.lang')) !== 'zh-CN') await page.locator('[data-lang-toggle]').click();
      await page.getByRole('heading', { name: '投诉处理进展和改进措施' }).waitFor();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    });
  });

  it('/docs renders the API description: every operation, the status/action tables, the webhooks and the configuration', async () => {
    await b.step('docs', async () => {
      const { page } = b;
      await page.setViewportSize({ width: 1280, height: 900 });
      try {
        await page.goto(`${product.api.url}/docs/`);
        await page.locator('.swagger-ui .opblock').first().waitFor();
        const documented = (await (await fetch(`${product.api.url}/openapi.json`)).json()) as { paths: Record<string, object> };
        const operations = Object.values(documented.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
        expect(await page.locator('.swagger-ui .opblock').count()).toBe(operations + 1); // and the one webhook
        // The guide at the top, its tables rendered as tables.
        const info = page.locator('.swagger-ui .info');
        await info.getByText('Which complaint action fits which status').waitFor();
        expect(await info.locator('table').count()).toBeGreaterThanOrEqual(5);
        await info.getByText('RESTOCK_WAIT', { exact: true }).first().waitFor();
        // An operation opens with its description, who may call it, and its own errors.
        const cancel = page.locator('.swagger-ui .opblock', { hasText: '/v1/orders/{orderId}/cancel' });
        await cancel.locator('.opblock-summary').click();
        await cancel.getByText('Who:').waitFor();
        await cancel.locator('.responses-table').getByText('409', { exact: true }).waitFor();
        await cancel.getByText("another storefront's order", { exact: false }).first().waitFor();
        await page.getByText('storefrontEvent').first().waitFor();
      } finally {
        await page.setViewportSize({ width: 390, height: 844 });
      }
    });
  });
});
