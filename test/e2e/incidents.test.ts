import { orderWorkflowId } from '../../domain/order';
import { MERCHANT, SKU } from '../../domain/searchAttributes';
import { incidentWatchScheduleId, keepIncidentWatchSchedule } from '../../worker/schedules';
import type { Product } from '../support/harness';
import { eventually, type Answer } from '../support/http';
import { expectStatus, keyCodes, productWithShop, timelineTypes } from '../support/orders';
import { FakeProvider } from '../support/provider';

/*
 * Incidents over HTTP against the real worker, dev server and store, with the payment provider a
 * real HTTP server (PAYMENT_PROVIDER=http): declared and resolved by ops, shown to the public
 * without anything private, the orders they hurt, a reconciliation that makes good every order the
 * provider was paid for though its notice never came (once, however often it is asked), and the
 * product's own watcher opening one incident for one outage.
 */

const paths = (answer: Answer) => (answer.body.error?.details ?? []).map((d: { path: string }) => d.path).sort();
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('incidents declared by ops', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  const ctx = productWithShop(() => ({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url, PAYMENT_TIMEOUT: '2s' }));

  it('are declared, listed, resolved once with a public note, and shown to the public without ids, people or amounts', async () => {
    const { shop } = ctx;
    const declared = await shop.ops.post('/v1/incidents', { title: 'Alipay notices delayed', cause: 'payment_provider', startedAt: minutesAgo(30), publicNote: 'Payments may take longer to confirm.' });
    expectStatus(declared, 201, 'declare');
    const { incidentId } = declared.body;
    expect(declared.body).toMatchObject({ status: 'OPEN', cause: 'payment_provider', openedBy: expect.any(String), affected: { orders: 0, buyers: 0 } });
    expect((await shop.ops.get('/v1/incidents?status=OPEN')).body.items.map((i: { incidentId: string }) => i.incidentId)).toContain(incidentId);
    expect((await shop.agent.get(`/v1/incidents/${incidentId}`)).body.title).toBe('Alipay notices delayed');

    const status = (await shop.http.get('/v1/public/status')).body;
    expect(status.open).toEqual([expect.objectContaining({ title: 'Alipay notices delayed', publicNote: 'Payments may take longer to confirm.', status: 'OPEN' })]);
    expect(JSON.stringify(status)).not.toContain(incidentId);

    const resolved = await shop.ops.post(`/v1/incidents/${incidentId}/resolve`, { publicNote: 'Resolved: every delayed payment was confirmed.' });
    expectStatus(resolved, 200, 'resolve');
    expect(resolved.body).toMatchObject({ status: 'RESOLVED', publicNote: 'Resolved: every delayed payment was confirmed.', endedAt: expect.any(String), resolvedAt: expect.any(String) });
    expect(resolved.body.timeline.map((e: { type: string }) => e.type)).toEqual(['opened', 'resolved']);
    const again = await shop.ops.post(`/v1/incidents/${incidentId}/resolve`, { publicNote: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/resolved at/);
    expect((await shop.ops.get('/v1/incidents?status=RESOLVED')).body.items[0]).toMatchObject({ incidentId, status: 'RESOLVED' });

    const after = (await shop.http.get('/v1/public/status')).body;
    expect(after.open).toEqual([]);
    expect(after.resolved).toEqual([
      { title: 'Alipay notices delayed', cause: 'payment_provider', status: 'RESOLVED', startedAt: declared.body.startedAt, endedAt: resolved.body.endedAt, publicNote: 'Resolved: every delayed payment was confirmed.' },
    ]);
  });

  it('refuse bad input naming the field, other roles, and unknown incidents', async () => {
    const { shop } = ctx;
    const bad = await shop.ops.post('/v1/incidents', { title: '', cause: 'aliens', startedAt: 'yesterday', publicNote: 'x', extra: 1 });
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(expect.arrayContaining(['cause', 'startedAt', 'title']));
    const backwards = await shop.ops.post('/v1/incidents', { title: 't', cause: 'other', startedAt: minutesAgo(5), endedAt: minutesAgo(10), publicNote: 'n' });
    expect(paths(backwards)).toEqual(['endedAt']);
    expect(paths(await shop.ops.get('/v1/incidents?status=maybe'))).toEqual(['status']);
    const someIncident = (await shop.ops.post('/v1/incidents', { title: 't', cause: 'other', startedAt: minutesAgo(5), publicNote: 'n' })).body.incidentId;
    expect(paths(await shop.ops.post(`/v1/incidents/${someIncident}/reconcile`, { note: '', force: true }))).toEqual(['force', 'note']);
    expect(paths(await shop.ops.post(`/v1/incidents/${someIncident}/resolve`, {}))).toEqual(['publicNote']);
    expectStatus(await shop.ops.post(`/v1/incidents/${someIncident}/resolve`, { publicNote: 'closed' }), 200, 'resolve');
    expect((await shop.storefront.post('/v1/incidents', { title: 't', cause: 'other', startedAt: minutesAgo(5), publicNote: 'n' })).status).toBe(403);
    expect((await shop.agent.post('/v1/incidents', { title: 't', cause: 'other', startedAt: minutesAgo(5), publicNote: 'n' })).status).toBe(403);
    expect((await shop.storefront.get('/v1/incidents')).status).toBe(403);
    expect((await shop.ops.get('/v1/incidents/no-such-incident')).status).toBe(404);
    expect((await shop.ops.post('/v1/incidents/no-such-incident/reconcile', {})).status).toBe(404);
    expect(paths(await shop.ops.get('/v1/incidents/bad%20id'))).toEqual(['incidentId']);
    expect((await shop.ops.get('/v1/incidents?status=OPEN')).body.items).toEqual([]);
  });

  it('reconciliation makes good every order the provider was paid for without a notice, once', async () => {
    const { shop, product } = ctx;
    const sku = 'incident-lost-notices';
    const startedAt = minutesAgo(1);
    // One key for two paid orders: one is delivered, the other refunded for want of stock.
    await shop.product(sku, {}, keyCodes(1, 'LOST'));
    const paidA = await shop.order(sku, 1, 'ann@example.com');
    const paidB = await shop.order(sku, 1, 'bob@example.com');
    const unpaid = await shop.order(sku, 1, 'ann@example.com');
    // Their notices never come and the provider does not yet show the payments: cancelled at the due time.
    for (const o of [paidA, paidB, unpaid]) await shop.waitClosed(product.client, o.orderId, 'CANCELLED');
    for (const [o, paymentId] of [[paidA, 'pay-lost-a'], [paidB, 'pay-lost-b']] as const) {
      provider.payments.set(o.orderId, [{ paymentId, status: 'succeeded', amount: o.amount }]);
    }

    const declared = await shop.ops.post('/v1/incidents', { title: 'Payment notices lost', cause: 'payment_provider', startedAt, publicNote: 'Some payments were not confirmed.' });
    expectStatus(declared, 201, 'declare');
    const { incidentId } = declared.body;
    const listed = await shop.ops.get(`/v1/incidents/${incidentId}/orders`);
    expectStatus(listed, 200, 'affected orders');
    expect(listed.body.affected).toEqual({ orders: 3, buyers: 2 });
    expect(listed.body.items.map((o: { orderId: string; reason: string }) => [o.orderId, o.reason])).toEqual([
      [paidA.orderId, 'cancelled_without_notice'],
      [paidB.orderId, 'cancelled_without_notice'],
      [unpaid.orderId, 'cancelled_without_notice'],
    ]);
    expect(JSON.stringify(listed.body)).not.toMatch(/example\.com|emailHash/);

    expectStatus(await shop.ops.post(`/v1/incidents/${incidentId}/reconcile`, { note: 'the provider lost notices' }), 202, 'reconcile');
    const reconciled = await eventually(async () => {
      const seen = (await shop.ops.get(`/v1/incidents/${incidentId}`)).body;
      return seen.timeline.some((e: { type: string }) => e.type === 'reconciled') ? seen : false;
    }, 'the reconciliation done');
    expect(reconciled.timeline.find((e: { type: string }) => e.type === 'reconcile_requested')).toMatchObject({ actor: declared.body.openedBy, detail: 'the provider lost notices' });
    expect(reconciled.timeline.find((e: { type: string }) => e.type === 'reconciled').detail).toBe(
      '3 order(s) cancelled without a payment notice asked at their provider: 2 paid there and made good, 1 not paid, 0 already handled',
    );
    const ends = await Promise.all([paidA, paidB].map((o) => shop.waitFor(o.orderId, 'DELIVERED', 'REFUNDED')));
    expect(ends.map((v) => v.status).sort()).toEqual(['DELIVERED', 'REFUNDED']);
    for (const view of ends) {
      expect(timelineTypes(view)).toContain('payment_found_late');
      expect(view.paymentId).toMatch(/^pay-lost-/);
      // The revived run is found in the Temporal UI like the run before it.
      const attributes = (await product.client.workflow.getHandle(orderWorkflowId(view.orderId)).describe()).typedSearchAttributes;
      expect([attributes.get(MERCHANT), attributes.get(SKU)]).toEqual(['default', sku]);
    }
    const delivered = ends.find((v) => v.status === 'DELIVERED')!;
    const refunded = ends.find((v) => v.status === 'REFUNDED')!;
    const buyerOf = [paidA, paidB].find((o) => o.orderId === delivered.orderId)!;
    expect((await buyerOf.buyer.get(`/v1/orders/${delivered.orderId}/keys`)).body.keys).toHaveLength(1);
    expect(provider.payouts()).toEqual([expect.objectContaining({ orderId: refunded.orderId, paymentId: refunded.paymentId, amount: refunded.amount })]);
    expect((await shop.view(unpaid.orderId)).status).toBe('CANCELLED');

    // Asked again: every payment was settled once already; nothing more is paid or delivered.
    expectStatus(await shop.ops.post(`/v1/incidents/${incidentId}/reconcile`, {}), 202, 'reconcile again');
    const twice = await eventually(async () => {
      const seen = (await shop.ops.get(`/v1/incidents/${incidentId}`)).body;
      const passes = seen.timeline.filter((e: { type: string }) => e.type === 'reconciled');
      return passes.length === 2 ? passes[1] : false;
    }, 'the second reconciliation done');
    expect(twice.detail).toBe('3 order(s) cancelled without a payment notice asked at their provider: 0 paid there and made good, 1 not paid, 2 already handled');
    expect(provider.payouts()).toHaveLength(1);
    for (const o of [paidA, paidB]) expect(timelineTypes(await shop.view(o.orderId)).filter((t) => t === 'payment_found_late')).toHaveLength(1);
    // A late notice for a payment made good changes nothing either.
    await shop.pay(delivered, { paymentId: delivered.paymentId, eventId: 'late-resent-notice' });
    const settled = await shop.noticesHandled(delivered);
    expect(settled.status).toBe('DELIVERED');
    expect(provider.payouts()).toHaveLength(1);
    // Still counted as hurt by the incident, though made good.
    expect((await shop.ops.get(`/v1/incidents/${incidentId}`)).body.affected).toEqual({ orders: 3, buyers: 2 });
  });
});

describe('the product opens an incident itself', () => {
  const ctx = productWithShop(() => ({ INCIDENT_DELIVERY_SLO: '1s', INCIDENT_MIN_ORDERS: '2', INCIDENT_CHECK_EVERY: '1s' }));

  it('once, when enough paid orders miss the delivery promise; /metrics counts it while it is open', async () => {
    const { shop, product } = ctx;
    const { client, config } = product;
    const sku = 'incident-no-stock';
    await shop.product(sku);
    const schedule = await startWatcher(product);
    try {
      const first = await shop.order(sku);
      await shop.pay(first);
      await shop.waitFor(first.orderId, 'OUT_OF_STOCK');
      // One late order is not an outage.
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await shop.ops.get('/v1/incidents')).body.items).toEqual([]);

      const second = await shop.order(sku);
      await shop.pay(second);
      const opened = await eventually(async () => {
        const items = (await shop.ops.get('/v1/incidents?status=OPEN')).body.items;
        return items.length > 0 ? items : false;
      }, 'an incident opened by the watcher', 15_000);
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({ openedBy: 'system', cause: 'delivery', status: 'OPEN' });
      const metrics = await (await fetch(`${product.api.url}/metrics`)).text();
      expect(metrics).toMatch(/^kamiflow_incidents_open\{merchant="\*"\} 1$/m);
      const hurt = (await shop.ops.get(`/v1/incidents/${opened[0].incidentId}/orders`)).body;
      expect(hurt.items.map((o: { orderId: string; reason: string }) => [o.orderId, o.reason]).sort()).toEqual(
        [[first.orderId, 'undelivered'], [second.orderId, 'undelivered']].sort(),
      );

      // Passes later, with the orders still late, still one incident; resolved, none opens for the same orders.
      await waitPasses(4);
      expect((await shop.ops.get('/v1/incidents')).body.items).toHaveLength(1);
      expectStatus(await shop.ops.post(`/v1/incidents/${opened[0].incidentId}/resolve`, { publicNote: 'Restocked.' }), 200, 'resolve');
      await waitPasses(4);
      expect((await shop.ops.get('/v1/incidents')).body.items).toHaveLength(1);
      expect(await (await fetch(`${product.api.url}/metrics`)).text()).toMatch(/^kamiflow_incidents_open\{merchant="\*"\} 0$/m);
    } finally {
      await stopWatcher(product);
    }

    /** Wait until the watcher has looked `n` more times (each look is one activity of its runs). */
    async function waitPasses(n: number): Promise<void> {
      const count = async () => {
        const watchId = (await schedule.describe()).info.runningActions[0]?.workflow.workflowId ?? incidentWatchScheduleId(config);
        let passes = 0;
        for await (const run of client.workflow.list({ query: `WorkflowId = '${watchId}'` })) {
          const history = await client.workflow.getHandle(watchId, run.runId).fetchHistory();
          passes += (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length;
        }
        return passes;
      };
      const from = await count();
      await eventually(async () => (await count()) >= from + n, `${n} more looks by the watcher`, 20_000);
    }
  });
});

describe('the product opens an incident itself when payment notices are lost', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  const ctx = productWithShop(() => ({
    PAYMENT_PROVIDER: 'http',
    PAYMENT_PROVIDER_URL: provider.url,
    PAYMENT_TIMEOUT: '3s',
    INCIDENT_DELIVERY_SLO: '1s',
    INCIDENT_MIN_ORDERS: '2',
    INCIDENT_CHECK_EVERY: '1s',
  }));

  it('orders paid at the provider whose notices never come are delivered at their due time, late from when the buyer paid: an incident blaming the provider', async () => {
    const { shop, product } = ctx;
    const sku = 'incident-notices-lost';
    await shop.product(sku, {}, keyCodes(2, 'NOTICE'));
    await startWatcher(product);
    try {
      const orders = [await shop.order(sku, 1, 'cat@example.com'), await shop.order(sku, 1, 'dan@example.com')];
      // Paid at the provider at once; the provider's notices never come.
      for (const [i, o] of orders.entries()) provider.payments.set(o.orderId, [{ paymentId: `pay-unheard-${i}`, status: 'succeeded', amount: o.amount, paidAt: new Date().toISOString() }]);
      const views = await Promise.all(orders.map((o) => shop.waitFor(o.orderId, 'DELIVERED')));
      for (const view of views) {
        expect(timelineTypes(view)).toEqual(expect.arrayContaining(['payment_due', 'payment_received']));
        // Paid from when the buyer paid at the provider, not from when the order asked: it waited its due time for keys.
        expect(Date.parse(view.deliveredAt!) - Date.parse(view.paidAt!)).toBeGreaterThan(1_000);
      }

      const opened = await eventually(async () => {
        const items = (await shop.ops.get('/v1/incidents?status=OPEN')).body.items;
        return items.length > 0 ? items : false;
      }, 'an incident opened by the watcher', 15_000);
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({ openedBy: 'system', cause: 'payment_provider', status: 'OPEN', affected: { orders: 2, buyers: 2 } });
      expect(opened[0].timeline[0].detail).toMatch(/2 paid order\(s\) waited longer than 1s .*2 of them learned of their payment only by asking the provider/);
      const hurt = (await shop.ops.get(`/v1/incidents/${opened[0].incidentId}/orders`)).body;
      expect(hurt.items.map((o: { orderId: string; reason: string }) => [o.orderId, o.reason]).sort()).toEqual(orders.map((o) => [o.orderId, 'delivered_late']).sort());
      expect((await shop.http.get('/v1/public/status')).body.open).toEqual([expect.objectContaining({ cause: 'payment_provider', status: 'OPEN' })]);
    } finally {
      await stopWatcher(product);
    }
  });
});

/** The product's incident watcher, started as the worker's schedule would, a few passes a run. */
async function startWatcher(product: Product) {
  await keepIncidentWatchSchedule(product.client, product.config, product.logger, { passesPerRun: 5 });
  return product.client.schedule.getHandle(incidentWatchScheduleId(product.config));
}

async function stopWatcher({ client, config }: Product): Promise<void> {
  const schedule = client.schedule.getHandle(incidentWatchScheduleId(config));
  const runs = (await schedule.describe()).info.runningActions;
  await schedule.delete();
  for (const run of runs) await client.workflow.getHandle(run.workflow.workflowId).terminate('test over');
}
