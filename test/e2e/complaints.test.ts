import { monthsBetween } from '../../db/report/entries';
import { monthDays } from '../../db/report/ledger';
import { combine, emptyTally } from '../../db/report/tally';
import { keepReportFoldSchedule, reportFoldScheduleId } from '../../worker/schedules';
import { FakeServer } from '../support/fakeServer';
import { eventually } from '../support/http';
import { keyCodes, productWithOwnWorker, productWithShop, type PlacedOrder, type Shop } from '../support/orders';
import type { Product } from '../support/harness';

/**
 * Complaints end to end through HTTP against the dev server, the worker and the store: buyers file,
 * agents work the queue and resolve by a new key or a refund, buyers confirm, and every step is
 * told to the storefront without a key's code.
 */
describe('complaints through the API', () => {
  let storefrontHook: FakeServer;
  beforeAll(async () => {
    storefrontHook = await new FakeServer(() => ({ status: 204 })).start();
  });
  afterAll(() => storefrontHook?.stop());
  const ctx = productWithShop(() => ({
    STOREFRONT_WEBHOOK_URL: `${storefrontHook.url}/hooks`,
    STOREFRONT_WEBHOOK_SECRET: 'storefront-secret-0123456789',
  }));
  let product: Product;
  let shop: Shop;
  const sku = 'steam-complaints';
  const codes = keyCodes(12, 'STEAM');

  beforeAll(async () => {
    ({ product, shop } = ctx);
    await shop.product(sku, { keyPattern: '^STEAM-' }, codes);
  });

  async function delivered(): Promise<PlacedOrder> {
    const order = await shop.order(sku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    return order;
  }

  const file = (order: PlacedOrder, body: object) => order.buyer.post(`/v1/orders/${order.orderId}/complaints`, body);
  const act = (complaintId: string, action: string, note?: string) =>
    shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action, ...(note ? { note } : {}) });

  it('an invalid key: filed, replaced with a new checked key, confirmed by a satisfied buyer, closed', async () => {
    const order = await delivered();
    const before = await order.buyer.get(`/v1/orders/${order.orderId}/keys`);
    const oldCode = before.body.keys[0].code as string;

    const filedAt = Date.now();
    const filed = await file(order, { category: 'key_invalid', description: 'The store says this key was already redeemed.', evidence: ['screenshot: code already used'] });
    expect(filed.status).toBe(201);
    const { complaintId } = filed.body;
    expect(filed.body).toEqual({ complaintId, status: 'OPEN', firstResponseDueAt: expect.any(String), resolutionDueAt: expect.any(String) });
    expect(Math.abs(Date.parse(filed.body.firstResponseDueAt) - (filedAt + 3_600_000))).toBeLessThan(60_000);
    expect(Math.abs(Date.parse(filed.body.resolutionDueAt) - (filedAt + 86_400_000))).toBeLessThan(60_000);

    // One open complaint per order; the answer names it.
    const again = await file(order, { category: 'service', description: 'And nobody answers.' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(complaintId);

    const seen = await order.buyer.get(`/v1/complaints/${complaintId}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ complaintId, orderId: order.orderId, sku, category: 'key_invalid', status: 'OPEN', escalated: false, reopenCount: 0, evidence: ['screenshot: code already used'] });
    expect((await shop.view(order.orderId)).complaints).toEqual([complaintId]);

    // The agents' queue shows it from the read model.
    const queued = await eventually(async () => {
      const page = await shop.agent.get(`/v1/complaints?status=OPEN&sku=${sku}`);
      return page.body.items?.some((c: { complaintId: string }) => c.complaintId === complaintId) ? page : false;
    }, 'the complaint in the queue');
    expect(queued.status).toBe(200);

    // The reported key is re-checked at once by our own checks (no supplier here): it passes, so the agents have it.
    const rechecked = await eventually(async () => {
      const c = await order.buyer.get(`/v1/complaints/${complaintId}`);
      return c.body.autoRecheck ? c.body : false;
    }, 'the automatic re-check');
    expect(rechecked).toMatchObject({ status: 'OPEN', autoRecheck: { verdict: 'valid' } });

    const acknowledged = await act(complaintId, 'acknowledge', 'Checking the key with the supplier.');
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({ status: 'ACKNOWLEDGED', firstRespondedAt: expect.any(String) });
    const twice = await act(complaintId, 'acknowledge');
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('conflict');
    expect(twice.body.error.message).toContain('ACKNOWLEDGED');

    const replaced = await shop.remedy(complaintId, 'resolve_replace', 'Sorry: here is a new key.');
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ status: 'RESOLVED', resolution: 'replaced', resolvedAt: expect.any(String) });
    // Resolved, it stays in the queue, after everything with a deadline, until the buyer confirms.
    await eventually(async () => {
      const page = await shop.agent.get(`/v1/complaints?sku=${sku}`);
      return page.body.items?.some((c: { complaintId: string; status: string }) => c.complaintId === complaintId && c.status === 'RESOLVED');
    }, 'the resolved complaint in the default queue');

    const after = await order.buyer.get(`/v1/orders/${order.orderId}/keys`);
    expect(after.status).toBe(200);
    expect(after.body.keys).toHaveLength(1);
    const newCode = after.body.keys[0].code as string;
    expect(newCode).not.toBe(oldCode);
    expect(codes).toContain(newCode);
    expect(await shop.stock(sku)).toMatchObject({ invalid: 1 });

    const confirmed = await order.buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: true, rating: 5, comment: 'Works now.' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'CLOSED', satisfaction: { satisfied: true, rating: 5 }, closedAt: expect.any(String) });
    expect(confirmed.body.messages.map((m: { from: string }) => m.from)).toEqual(['buyer', 'system', 'agent', 'agent', 'buyer']);
    const late = await order.buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: false });
    expect(late.status).toBe(409);

    // Once the workflow has closed, the read model answers.
    await product.client.workflow.getHandle(`complaint-${complaintId}`).result();
    const closed = await shop.agent.get(`/v1/complaints/${complaintId}`);
    expect(closed.body).toMatchObject({ status: 'CLOSED', resolution: 'replaced' });
    // Closed, it has left the agents' queue; asked for by status, it is listed still.
    const listed = async (query: string) =>
      (await shop.agent.get(`/v1/complaints?sku=${sku}${query}`)).body.items.map((c: { complaintId: string }) => c.complaintId);
    expect(await listed('')).not.toContain(complaintId);
    expect(await listed('&status=CLOSED')).toEqual([complaintId]);
    expect(await product.store.complaintQueue.findById(complaintId).lean()).toBeNull();

    // The storefront heard every step, signed, and never a code.
    const hooks = await eventually(async () => {
      const mine = storefrontHook.requests.filter((r) => r.body?.complaintId === complaintId);
      return mine.some((r) => r.body.type === 'complaint.closed') ? mine : false;
    }, 'the complaint webhooks');
    expect(hooks.map((h) => h.body.type)).toEqual(expect.arrayContaining(['complaint.opened', 'complaint.acknowledged', 'complaint.resolved', 'complaint.closed']));
    for (const hook of storefrontHook.requests) {
      expect(hook.headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      for (const code of codes) expect(hook.raw).not.toContain(code);
    }
    const history = JSON.stringify(await product.client.workflow.getHandle(`complaint-${complaintId}`).fetchHistory());
    for (const code of codes) expect(history).not.toContain(code);
  });

  it('resolved by refund: the order is REFUNDED exactly once and its keys are gone', async () => {
    const order = await delivered();
    const filed = await file(order, { category: 'key_not_received', description: 'Nothing arrived in my account.' });
    expect(filed.status).toBe(201);
    const { complaintId } = filed.body;

    const refunded = await shop.remedy(complaintId, 'resolve_refund', 'Refunded in full.');
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ status: 'RESOLVED', resolution: 'refunded' });
    const view = await shop.waitFor(order.orderId, 'REFUNDED');
    expect(view.refund).toMatchObject({ status: 'REFUNDED', refundedAt: expect.any(String) });

    const keys = await order.buyer.get(`/v1/orders/${order.orderId}/keys`);
    expect(keys.status).toBe(409);
    expect(await product.store.refunds.countDocuments({ orderId: order.orderId })).toBe(1);
    // Resolved already: a second remedy does not fit.
    const second = await act(complaintId, 'resolve_refund');
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain('RESOLVED');
  });

  it('the queue: oldest deadline first, a page at a time, with filters', async () => {
    const queueSku = 'psn-queue';
    await shop.product(queueSku, {}, keyCodes(3, 'PSN'));
    const filed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const order = await shop.order(queueSku);
      await shop.pay(order);
      await shop.waitFor(order.orderId, 'DELIVERED');
      const answer = await file(order, { category: i === 1 ? 'wrong_item' : 'service', description: `complaint ${i}` });
      expect(answer.status).toBe(201);
      filed.push(answer.body.complaintId);
    }
    // Acknowledged, the first is next due at its resolution deadline, after the others' first response.
    expect((await act(filed[0], 'acknowledge')).status).toBe(200);
    const expected = [filed[1], filed[2], filed[0]];

    const seen: string[] = [];
    let cursor: string | null = null;
    await eventually(async () => {
      const all = await shop.ops.get(`/v1/complaints?sku=${queueSku}`);
      return all.body.items.length === 3 && all.body.items[2].status === 'ACKNOWLEDGED';
    }, 'three projected complaints');
    do {
      const page: { status: number; body: { items: { complaintId: string }[]; nextCursor: string | null } } = await shop.agent.get(
        `/v1/complaints?sku=${queueSku}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.items.map((c) => c.complaintId));
      cursor = page.body.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual(expected);

    const wrongItems = await shop.agent.get(`/v1/complaints?sku=${queueSku}&category=wrong_item`);
    expect(wrongItems.body.items.map((c: { complaintId: string }) => c.complaintId)).toEqual([filed[1]]);
    const acknowledged = await shop.agent.get(`/v1/complaints?sku=${queueSku}&status=ACKNOWLEDGED`);
    expect(acknowledged.body).toEqual({ items: [expect.objectContaining({ complaintId: filed[0] })], nextCursor: null });
    // Each item says what an agent needs to pick it up: the order's status and amount, and whose turn it is.
    const amount = (await shop.view(acknowledged.body.items[0].orderId)).amount;
    expect(acknowledged.body.items[0]).toMatchObject({ orderStatus: 'DELIVERED', amount, waitingOn: 'agent' });
    expect((await act(filed[1], 'request_info', 'Which region is your account?')).status).toBe(200);
    const asked = await eventually(async () => {
      const page = await shop.agent.get(`/v1/complaints?sku=${queueSku}&status=AWAITING_BUYER`);
      return page.body.items.length === 1 ? page : false;
    }, 'the complaint waiting on the buyer');
    expect(asked.body.items[0]).toMatchObject({ complaintId: filed[1], orderStatus: 'DELIVERED', waitingOn: 'buyer' });

    // A token opens its own order's complaints only.
    const other = await shop.order(queueSku);
    const foreign = await other.buyer.get(`/v1/complaints/${filed[0]}`);
    expect(foreign.status).toBe(404);
    expect((await other.buyer.get('/v1/complaints/no-such-complaint')).status).toBe(404);
    expect((await shop.storefront.get(`/v1/complaints?sku=${queueSku}`)).status).toBe(403);
  });

  it('bad input answers 400 naming each field, and changes nothing', async () => {
    const order = await delivered();
    const bad = await file(order, { category: 'bogus', description: '', evidence: Array.from({ length: 11 }, (_, i) => `e${i}`) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['category', 'description', 'evidence']);
    expect((await shop.view(order.orderId)).complaints).toEqual([]);

    const filed = await file(order, { category: 'other', description: 'Testing the rules.' });
    const { complaintId } = filed.body;
    const pathsOf = (answer: { status: number; body: { error: { details: { path: string }[] } } }) => {
      expect(answer.status).toBe(400);
      return answer.body.error.details.map((d) => d.path);
    };
    expect(pathsOf(await shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'dance' }))).toEqual(['action']);
    expect(pathsOf(await order.buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: 'yes', rating: 7 })).sort()).toEqual(['rating', 'satisfied']);
    expect(pathsOf(await order.buyer.post(`/v1/complaints/${complaintId}/replies`, { message: '   ' }))).toEqual(['message']);
    expect(pathsOf(await shop.agent.get('/v1/complaints?limit=0&status=NOPE')).sort()).toEqual(['limit', 'status']);
    expect(pathsOf(await shop.agent.get('/v1/complaints?cursor=not-a-cursor'))).toEqual(['cursor']);
    expect(pathsOf(await shop.ops.get('/v1/reports/complaints?from=yesterday'))).toEqual(['from']);
    expect(pathsOf(await shop.ops.get('/v1/reports/complaints?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z'))).toEqual(['from']);
    expect(pathsOf(await shop.ops.get('/v1/reports/complaints?from=2023-01-01T00:00:00Z&to=2025-01-01T00:00:00Z'))).toEqual(['from']);

    // A reject without a note is refused, naming the note; nothing changes for the buyer.
    const reject = await act(complaintId, 'reject');
    expect(pathsOf(reject)).toEqual(['note']);
    expect(reject.body.error.details[0].reason).toMatch(/required to reject/);
    const view = await order.buyer.get(`/v1/complaints/${complaintId}`);
    expect(view.body).toMatchObject({ status: 'OPEN', messages: [expect.objectContaining({ from: 'buyer' })] });
    expect(view.body.messages).toHaveLength(1);
    // Buyers cannot act as agents, agents cannot confirm for buyers.
    expect((await order.buyer.post(`/v1/complaints/${complaintId}/actions`, { action: 'acknowledge' })).status).toBe(401);
    expect((await shop.agent.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: true })).status).toBe(403);
  });

  it('the complaint ranking over HTTP counts what happened here', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const report = await eventually(async () => {
      const answer = await shop.ops.get(`/v1/reports/complaints?from=${from}&to=${to}`);
      return answer.body.totals?.complaints === 6 ? answer : false;
    }, 'six complaints in the report');
    expect(report.status).toBe(200);
    const bySku = Object.fromEntries(report.body.bySku.map((s: { sku: string }) => [s.sku, s]));
    expect(bySku[sku]).toMatchObject({ orders: 3, complaints: 3, refunds: 1, complaintRate: 1, refundRate: expect.closeTo(1 / 3, 4) });
    expect(bySku['psn-queue']).toMatchObject({ complaints: 3 });
    expect(report.body.satisfaction).toEqual({ responses: 1, satisfiedShare: 1, averageRating: 5 });
    expect(report.body.byCategory[0]).toMatchObject({ category: 'service', complaints: 2 });
    expect((await shop.storefront.get('/v1/reports/complaints')).status).toBe(403);
  });

  it('the scheduled fold carries the ranking into the ledger, and the ranking stays the same', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const before = await shop.ops.get(`/v1/reports/complaints?from=${from}&to=${to}`);
    const waiting = await product.store.reportInbox.countDocuments();
    expect(waiting).toBeGreaterThan(0);
    const factsWaiting = async () => (await (await fetch(`${product.api.url}/metrics`)).text()).match(/^kamiflow_report_facts_waiting (\d+)$/m)?.[1];
    expect(await factsWaiting()).toBe(String(waiting));

    const config = { ...product.config, reportFoldEveryMs: 60_000 };
    const schedule = product.client.schedule.getHandle(reportFoldScheduleId(config));
    await keepReportFoldSchedule(product.client, config, product.logger);
    try {
      // A second worker starting with another interval brings the schedule up to date.
      await keepReportFoldSchedule(product.client, { ...config, reportFoldEveryMs: 1_000 }, product.logger);
      const described = await schedule.describe();
      expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 1_000 })]);
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reportFoldWorkflow' });

      await eventually(async () => (await product.store.reportInbox.countDocuments()) === 0, 'the inbox folded');
      expect(await factsWaiting()).toBe('0');
      const folded = emptyTally();
      for (const month of monthsBetween(Date.parse(from), Date.parse(to))) {
        for (const hours of (await monthDays(product.store, month)).values()) for (const tally of Object.values(hours)) combine(folded, tally);
      }
      expect(folded.skus[sku]).toEqual({ orders: 3, complaints: 3, refunds: 1 });
      expect((await schedule.describe()).info.recentActions.length).toBeGreaterThan(0);

      const after = await shop.ops.get(`/v1/reports/complaints?from=${from}&to=${to}`);
      expect(after.body).toEqual(before.body);
    } finally {
      // The fold it started keeps watch until stopped: stop it with its schedule.
      const running = (await schedule.describe()).info.runningActions;
      await schedule.delete();
      for (const action of running) await product.client.workflow.getHandle(action.workflow.workflowId).terminate('test over');
    }
  });
});

describe('a complaint read while no worker runs', () => {
  const own = productWithOwnWorker();

  it('is answered at once from what its workflow wrote, to the agent and to the buyer', async () => {
    const { shop } = own;
    const sku = 'steam-read-model';
    await shop.product(sku, {}, keyCodes(1, 'READ'));
    const order = await shop.order(sku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'Nobody answers my mail.' });
    expect(filed.status).toBe(201);
    const { complaintId } = filed.body;
    const acknowledged = await shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'acknowledge', note: 'On it.' });
    expect(acknowledged.status).toBe(200);
    const live = (await shop.agent.get(`/v1/complaints/${complaintId}`)).body;
    expect(live).toMatchObject({ complaintId, status: 'ACKNOWLEDGED' });

    // The workers are gone (a deploy, a crash): the engine has no one to ask, the pages still open.
    await own.stopWorker();
    for (const reader of [shop.agent, order.buyer]) {
      const started = Date.now();
      const seen = await reader.get(`/v1/complaints/${complaintId}`);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(seen.status).toBe(200);
      expect(seen.body).toEqual(live);
    }
    expect(live.messages.map((m: { text: string }) => m.text)).toEqual(['Nobody answers my mail.', 'On it.']);

    await own.startWorker();
  });
});
