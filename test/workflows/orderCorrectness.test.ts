import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stockOf } from '../../db/inventory';
import type { OrderInput, OrderView } from '../../domain/order';
import { refundIdFor } from '../../domain/orderLife';
import { decideRefund, offerRestock, paymentNotified, requestRefund } from '../../workflows/messages';
import { addKeys, keyCodes, paymentNotice, queryUntil, seedProduct, startOrder, timelineTypes, type ProductSpec } from '../support/orders';
import { eventually } from '../support/http';
import { OrderGateway } from '../../api/gateway';
import { FakeProvider } from '../support/provider';
import { Gate, startWorkerWith } from '../support/timeSkipping';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';

/*
 * A paid order always ends delivered or refunded, exactly once, whatever the activities and the
 * timing do: permanent activity failures, notices that land while the order is closing, long waits.
 * Time-skipping server, real activities and store; the faults are put in by wrapping a real activity.
 */

let skus = 0;
const HISTORY_EVENTS = 200;

describe('a paid order is never stranded (time-skipping server)', () => {
  let t: TimeSkipping;

  beforeAll(async () => {
    // A small history bound and a long restock wait, so a waiting order outgrows a run in seconds.
    t = await startTimeSkipping({ ORDER_HISTORY_EVENTS: String(HISTORY_EVENTS), RESTOCK_WAIT: '4h' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  async function product(spec: ProductSpec = {}, codes: string[] = []): Promise<string> {
    const sku = `correct-${++skus}`;
    await seedProduct(t, sku, spec, codes);
    return sku;
  }

  const refundsOf = (orderId: string, paymentId?: string) => t.store.refunds.find({ orderId, ...(paymentId ? { paymentId } : {}) }).lean();

  /** Pay an order of `sku` on a worker whose activities `wrap` changes, and wait for its end. */
  async function paidOrderEnd(sku: string, wrap: Parameters<typeof startWorkerWith>[1], changes: Partial<OrderInput> = {}): Promise<{ orderId: string; view: OrderView }> {
    const gated = await startWorkerWith(t, wrap);
    const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs(), 1, gated.taskQueue, changes);
    try {
      await handle.signal(paymentNotified, paymentNotice(input));
      return { orderId: input.orderId, view: await handle.result() };
    } finally {
      await handle.terminate().catch(() => undefined);
      await gated.stop();
    }
  }

  describe('a permanent activity failure while keys are taken', () => {
    // A product without a supplier has its keys checked by a local activity; one with a supplier (or
    // an order from before that was known), by the supplier's activity: a final verdict ends both.
    it.each([
      ['checked locally', { supplierCheck: false }],
      ['checked through the task queue', { supplierCheck: true }],
    ] as [string, Partial<OrderInput>][])('refunds the order, holding no key, when its key is taken from under it during the check (KeyNotHeld), %s', async (_how, changes) => {
      const sku = await product({}, keyCodes(2, 'HELD'));
      const { orderId, view } = await paidOrderEnd(sku, (real) => ({
        // What a reservation attempt that timed out but ran on does: it gives the key back while the
        // retry that adopted its claim is already checking it.
        async checkKey(args) {
          await t.store.keys.updateOne({ _id: args.keyId }, { $set: { freeOf: sku } });
          await t.store.claims.deleteOne({ _id: args.keyId });
          return real.checkKey(args);
        },
      }), changes);

      expect(view.status).toBe('REFUNDED');
      expect(view.keys).toEqual([]);
      expect(timelineTypes(view)).toEqual(expect.arrayContaining(['keys_failed', 'refunded']));
      expect(view.timeline.find((e) => e.type === 'keys_failed')?.detail).toMatch(/checkKey gave up: .*not held/);
      expect(await refundsOf(orderId)).toHaveLength(1);
      expect(await t.store.claims.countDocuments({ orderId })).toBe(0);
      expect(await stockOf(t.store, sku)).toEqual({ available: 2, reserved: 0, delivered: 0, revoked: 0, invalid: 0 });
    });

    it('refunds the order when its product disappears while a key is checked (UnknownProduct)', async () => {
      const sku = await product({}, keyCodes(1, 'GONE'));
      const { orderId, view } = await paidOrderEnd(sku, (real) => ({
        async checkKey(args) {
          await t.store.products.deleteOne({ _id: sku });
          return real.checkKey(args);
        },
      }));

      expect(view.status).toBe('REFUNDED');
      expect(await refundsOf(orderId)).toHaveLength(1);
      expect(await t.store.claims.countDocuments({ orderId, state: 'reserved' })).toBe(0);
    });
  });

  describe('a notice that lands as the order closes', () => {
    it('still gives back a payment that arrives then, once, even when the first refund attempt fails', async () => {
      const refundTried = new Gate();
      let refundAttempts = 0;
      const gated = await startWorkerWith(t, (real) => ({
        async refundPayment(args) {
          if (++refundAttempts === 1) {
            await refundTried.pass();
            throw ApplicationFailure.retryable('the provider is down for a moment', 'OutboundUnreachable');
          }
          return real.refundPayment(args);
        },
      }));
      const sku = await product({}, keyCodes(1, 'LATE'));
      const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs(), 1, gated.taskQueue);
      try {
        refundTried.armed = true;
        const result = handle.result(); // lets the server skip to the due time: cancelled unpaid
        await queryUntil(handle, (v) => v.status === 'CANCELLED', 'cancelled at its due time');
        // Handed over as the API does: to the order while it runs, else to a stray payment's workflow.
        const gateway = new OrderGateway(t.client, gated.taskQueue, t.store);
        const path = await gateway.notifyPayment(paymentNotice(input, { paymentId: 'pay-in-the-door' }));
        expect(['signalled', 'stray']).toContain(path);
        await refundTried.reached; // its first attempt fails
        refundTried.open();
        const view: OrderView = await result;
        expect(await t.client.workflow.getHandle(refundIdFor(input.orderId, 'pay-in-the-door')).result()).toBe('paid');

        expect(view.status).toBe('CANCELLED');
        expect(await refundsOf(input.orderId, 'pay-in-the-door')).toHaveLength(1);
        const shown = await gateway.view(input.orderId);
        expect(timelineTypes(shown)).toContain('payment_refunded');
      } finally {
        refundTried.open();
        await handle.terminate().catch(() => undefined);
        await gated.stop();
      }
    });
  });

  describe('a buyer who asks for the money back', () => {
    const HOUR = 60 * 60 * 1000;

    it('is refunded without an agent once a request waits REFUND_DECISION_WAIT with no decision', async () => {
      const sku = await product({ refundWindow: '24h', complaintWindow: '1h' }, keyCodes(1, 'UNDECIDED'));
      const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs());
      await handle.signal(paymentNotified, paymentNotice(input));
      await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
      expect(await handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'wrong region' }] })).toEqual({ status: 'REFUND_REQUESTED' });
      const asked = await handle.query('orderView') as OrderView;
      expect(Date.parse(asked.refund!.decisionDueAt!) - Date.parse(asked.refund!.requestedAt)).toBe(t.config.refundDecisionWaitMs);

      await t.env.sleep(t.config.refundDecisionWaitMs - HOUR);
      expect((await handle.query('orderView') as OrderView).status).toBe('REFUND_REQUESTED'); // an agent still has time
      await t.env.sleep(2 * HOUR);
      const view = await queryUntil(handle, (v) => v.status === 'REFUNDED', 'the refund once no agent decided');

      expect(view.refund).toMatchObject({ status: 'REFUNDED', decidedBy: 'system', reason: 'wrong region' });
      expect(view.refund?.note).toMatch(/no agent decided by/);
      expect(await refundsOf(input.orderId)).toHaveLength(1);
      expect(await t.store.claims.find({ orderId: input.orderId }, { state: 1 }).lean()).toEqual([expect.objectContaining({ state: 'revoked' })]);
    });

    it('while the order takes keys offered after a stock-out: they go back to stock, not to revoked, and the order is refunded', async () => {
      const reserving = new Gate();
      const gated = await startWorkerWith(t, (real) => ({
        async reserveKeys(args) {
          await reserving.pass();
          return real.reserveKeys(args);
        },
      }));
      const sku = await product({}, []);
      const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs(), 1, gated.taskQueue);
      try {
        await handle.signal(paymentNotified, paymentNotice(input));
        await queryUntil(handle, (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
        await addKeys(t, sku, keyCodes(1, 'COMEBACK'));
        reserving.armed = true;
        const offered = handle.executeUpdate(offerRestock);
        await reserving.reached; // trying the offered stock, still showing OUT_OF_STOCK
        expect(await handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'too slow' }] })).toEqual({ status: 'REFUNDING' });
        reserving.open();
        await offered;
        const view: OrderView = await handle.result();

        expect(view.status).toBe('REFUNDED');
        expect(view.keys).toEqual([]);
        expect(timelineTypes(view)).toContain('keys_released');
        expect(await refundsOf(input.orderId)).toHaveLength(1);
        expect(await t.store.claims.countDocuments({ orderId: input.orderId })).toBe(0);
        expect(await stockOf(t.store, sku)).toEqual({ available: 1, reserved: 0, delivered: 0, revoked: 0, invalid: 0 });
      } finally {
        reserving.open();
        await handle.terminate().catch(() => undefined);
        await gated.stop();
      }
    });
  });

  describe('a long wait for stock', () => {
    /** Each run's history length, following the order's continue-as-new chain from its first run. */
    async function runLengths(handle: WorkflowHandle): Promise<number[]> {
      const lengths: number[] = [];
      let runId: string | undefined = (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId;
      while (runId) {
        const history: { events?: Array<{ workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null }> | null } =
          await t.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        const events = history.events ?? [];
        lengths.push(events.length);
        runId = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      return lengths;
    }

    it('carries on in new runs, each history within the bound, keeping its view, notices seen and deadline', async () => {
      const sku = await product({}, []);
      const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs());
      const paid = paymentNotice(input);
      await handle.signal(paymentNotified, paid);
      await queryUntil(handle, (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');

      await t.env.sleep(2 * 60 * 60 * 1000); // half the wait: several runs by now
      await handle.signal(paymentNotified, paid); // the provider repeats a notice the first run handled
      const view: OrderView = await handle.result();

      const lengths = await runLengths(handle);
      expect(lengths.length).toBeGreaterThan(3);
      for (const length of lengths) expect(length).toBeLessThanOrEqual(HISTORY_EVENTS + 30);
      expect(view.status).toBe('REFUNDED');
      const types = timelineTypes(view);
      expect(types.filter((x) => x === 'status:OUT_OF_STOCK')).toHaveLength(1);
      expect(types).toEqual(expect.arrayContaining(['payment_received', 'status:PAID', 'status:REFUNDED']));
      expect(types).not.toContain('payment_duplicate_notice'); // the repeated event id was known to the later run
      const waitedMs = Date.parse(view.refund!.refundedAt!) - Date.parse(view.paidAt!);
      expect(waitedMs).toBeGreaterThanOrEqual(4 * 60 * 60 * 1000);
      expect(waitedMs).toBeLessThan(4 * 60 * 60 * 1000 + 5 * 60 * 1000);
      expect(await refundsOf(input.orderId)).toHaveLength(1);
      const described = await handle.describe();
      expect(described.runId).not.toBe((handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId);
      expect(described.searchAttributes.OrderStatus).toEqual(['REFUNDED']);
    });
  });

  // Last on this server: a key check still at the supplier when its order ends keeps the test
  // server from skipping time afterwards (a real server just drops its late answer).
  describe("a workflow cancelled in Temporal (its UI, a client's cancel)", () => {
    it('refunds a paid order waiting for stock, once, and ends it REFUNDED, not cancelled with the money kept', async () => {
      const sku = await product({}, []);
      const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs());
      await handle.signal(paymentNotified, paymentNotice(input));
      await queryUntil(handle, (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
      await handle.cancel();
      const view: OrderView = await handle.result();

      expect(view.status).toBe('REFUNDED');
      expect(view.refund).toMatchObject({ status: 'REFUNDED', decidedBy: 'ops', reason: expect.stringMatching(/cancelled in Temporal/) });
      expect(timelineTypes(view)).toEqual(expect.arrayContaining(['cancel_requested', 'status:REFUNDED']));
      expect(await refundsOf(input.orderId)).toHaveLength(1);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
    });

    // Checked at the supplier, the check is abandoned (it may hang for hours); checked locally, in
    // the one step that also reserves, the step ends first (it only writes claims), then the key goes back.
    it.each([
      ['checked at the supplier', 'stays out', { supplierCheck: true }],
      ['checked locally', 'comes back once the cancel is seen', { supplierCheck: false }],
    ] as [string, string, Partial<OrderInput>][])('refunds a paid order whose key check is in flight, and gives the key back to stock: %s (the check %s)', async (_how, check, changes) => {
      const checking = new Gate();
      checking.armed = true;
      const gated = await startWorkerWith(t, (real) => ({
        async checkKey(args) {
          await checking.pass();
          return real.checkKey(args);
        },
      }));
      const sku = await product({}, keyCodes(1, 'INFLIGHT'));
      const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs(), 1, gated.taskQueue, changes);
      try {
        await handle.signal(paymentNotified, paymentNotice(input));
        await checking.reached; // the key is reserved and its check is out
        await handle.cancel();
        if (check !== 'stays out') {
          await queryUntil(handle, (v) => timelineTypes(v).includes('cancel_requested'), 'the cancel request seen');
          checking.open();
        }
        const view: OrderView = await handle.result();

        expect(view.status).toBe('REFUNDED');
        expect(view.keys).toEqual([]);
        expect(timelineTypes(view)).toEqual(expect.arrayContaining(['cancel_requested', 'keys_released', 'status:REFUNDED']));
        expect(await refundsOf(input.orderId)).toHaveLength(1);
        expect(await stockOf(t.store, sku)).toEqual({ available: 1, reserved: 0, delivered: 0, revoked: 0, invalid: 0 });
      } finally {
        checking.open();
        await handle.terminate().catch(() => undefined);
        await gated.stop();
      }
    });

    it('ends an unpaid order CANCELLED, with nothing to refund', async () => {
      const sku = await product({}, keyCodes(1, 'UNPAID'));
      const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs());
      await queryUntil(handle, (v) => v.status === 'AWAITING_PAYMENT', 'the order');
      await handle.cancel();
      const view: OrderView = await handle.result();

      expect(view.status).toBe('CANCELLED');
      expect(view.timeline.find((e) => e.type === 'status:CANCELLED')).toMatchObject({ actor: 'ops', detail: 'cancelled in Temporal' });
      expect(await refundsOf(input.orderId)).toHaveLength(0);
      expect(await stockOf(t.store, sku)).toMatchObject({ available: 1, reserved: 0 });
    });

    it('lets a delivered order run on: the buyer keeps the refund window, and what they ask is still carried out', async () => {
      const sku = await product({ refundWindow: '24h', complaintWindow: '1h' }, keyCodes(1, 'KEPT'));
      const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs());
      await handle.signal(paymentNotified, paymentNotice(input));
      await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
      await handle.cancel();
      await queryUntil(handle, (v) => timelineTypes(v).includes('cancel_requested'), 'the cancel request noted');
      // The handler's writes run after the cancel request, and are not cut short by it.
      expect(await handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'wrong region' }] })).toEqual({ status: 'REFUND_REQUESTED' });
      expect(await handle.executeUpdate(decideRefund, { args: [{ actor: 'agent-li', approve: true }] })).toEqual({ status: 'REFUNDING' });
      const view: OrderView = await handle.result();

      expect(view.status).toBe('REFUNDED');
      expect(view.refund).toMatchObject({ status: 'REFUNDED', decidedBy: 'agent-li' });
      expect(await refundsOf(input.orderId)).toHaveLength(1);
    });
  });
});

describe('a refund the provider refuses (time-skipping server, http provider)', () => {
  const provider = new FakeProvider();
  let t: TimeSkipping;

  beforeAll(async () => {
    await provider.start();
    t = await startTimeSkipping({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url });
  });

  afterAll(async () => {
    await t?.stop();
    await provider.stop();
  });

  it('waits on a person, asking again every hour, and is paid out once the provider takes it', async () => {
    provider.refuseRefunds = true;
    await seedProduct(t, 'refused-later-paid', {}, []);
    const { input, handle } = await startOrder(t, 'refused-later-paid', await t.env.currentTimeMs());
    await handle.signal(paymentNotified, paymentNotice(input));
    await queryUntil(handle, (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
    await handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'cannot wait' }] });
    const refused = await queryUntil(handle, (v) => v.attention !== undefined, 'the refused refund');
    expect(refused.status).toBe('REFUNDING');
    const row = await eventually(async () => {
      const r = await t.store.orderViews.findById(input.orderId).lean();
      return r?.needsAttention ? r : false;
    }, 'the read model showing the order needs a person');
    expect(row.needsAttention).toBe(refused.attention?.reason);

    await t.env.sleep(3 * 60 * 60 * 1000); // still refused: asked again each hour, nothing paid
    const asked = provider.refundCalls.filter((c) => c.body.orderId === input.orderId);
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(asked.every((c) => c.answer === 'refused')).toBe(true);

    provider.refuseRefunds = false; // a person settled the dispute at the provider
    const view: OrderView = await handle.result();
    expect(view.status).toBe('REFUNDED');
    expect(view.attention).toBeUndefined();
    expect(timelineTypes(view)).toEqual(expect.arrayContaining(['refund_refused', 'refund_accepted', 'status:REFUNDED']));
    expect(provider.payouts(input.orderId)).toHaveLength(1);
    expect((await t.store.orderViews.findById(input.orderId).lean())?.needsAttention).toBeNull();
  });
});
