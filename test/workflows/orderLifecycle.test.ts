import { WorkflowUpdateFailedError, WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';
import { inventoryActivities } from '../../activities/inventory';
import { offerStockToWaitingOrders } from '../../activities/restock';
import { createLogger } from '../../config/logger';
import { localActivityMarker } from '../../bench/whereTimeGoes';
import { ApplicationFailure } from '@temporalio/common';
import { stockOf } from '../../db/inventory';
import type { OrderView, PaymentNotice } from '../../domain/order';
import { refundIdFor } from '../../domain/orderLife';
import { NO_PASS } from '../../domain/restock';
import { CONFLICT, cancelOrder, decideRefund, offerRestock, orderView, paymentNotified, requestRefund } from '../../workflows/messages';
import { FakeServer } from '../support/fakeServer';
import { eventually } from '../support/http';
import {
  addKeys,
  countOf,
  keyCodes,
  paymentNotice,
  queryUntil,
  seedProduct,
  startOrder,
  timelineTypes,
  type ProductSpec,
} from '../support/orders';
import { FakeProvider } from '../support/provider';
import { Gate, startWorkerWith } from '../support/timeSkipping';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';

/*
 * Every branch of an order on the time-skipping server, with the real activities and the real store:
 * payment due times, restock waits and refund windows of minutes and hours pass in milliseconds.
 * Notices and human actions are sent straight to the workflow (the API's part is tested end to end).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let skus = 0;

/** The steps of these tests, bound to one time-skipping environment. */
function orders(t: () => TimeSkipping) {
  return {
    async product(spec: ProductSpec = {}, codes: string[] = []): Promise<string> {
      const sku = `sku-${++skus}`;
      await seedProduct(t(), sku, spec, codes);
      return sku;
    },
    async order(sku: string, quantity = 1, taskQueue?: string) {
      return startOrder(t(), sku, await t().env.currentTimeMs(), quantity, taskQueue);
    },
    refundsOf(orderId: string) {
      return t().store.refunds.find({ orderId }).lean();
    },
    claimsOf(orderId: string) {
      return t().store.claims.find({ orderId }).lean();
    },
  };
}

/** Send a notice and wait until the order's timeline shows it was handled (or `until` holds). */
async function notify(handle: WorkflowHandle, notice: PaymentNotice, until: (v: OrderView) => boolean, what: string): Promise<OrderView> {
  await handle.signal(paymentNotified, notice);
  return queryUntil(handle, until, what);
}

function conflictOf(err: unknown): string {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === CONFLICT) {
    return err.cause.message;
  }
  throw err;
}

describe('order lifecycle (time-skipping server, sandbox provider)', () => {
  let t: TimeSkipping;
  let supplier: FakeServer;
  const o = orders(() => t);

  beforeAll(async () => {
    supplier = await new FakeServer(() => ({ status: 200, body: { valid: true } })).start();
    t = await startTimeSkipping();
  });

  afterAll(async () => {
    await t?.stop();
    await supplier?.stop();
  });

  /**
   * The supplier's verdict by the order in which it first heard of each code: `valid(i)` for the
   * i-th distinct code it is asked about. Returns what it was asked and what it refused.
   */
  function supplierJudging(valid: (i: number) => boolean): { asked: string[]; distinct: string[]; refused: string[] } {
    const seen = { asked: [] as string[], distinct: [] as string[], refused: [] as string[] };
    supplier.respondWith((req) => {
      const code = req.body.code as string;
      seen.asked.push(code);
      if (!seen.distinct.includes(code)) seen.distinct.push(code);
      if (valid(seen.distinct.indexOf(code))) return { status: 200, body: { valid: true } };
      seen.refused.push(code);
      return { status: 200, body: { valid: false } };
    });
    return seen;
  }

  async function keyIdOf(code: string): Promise<string> {
    const key = await t.store.keys.findOne({ fingerprint: t.vault.fingerprint(code) }).lean();
    if (!key) throw new Error('no such key');
    return key._id;
  }

  describe('payment', () => {
    it('cancels an order not paid by its due time, reserving nothing', async () => {
      const sku = await o.product({}, keyCodes(2));
      const { input, handle } = await o.order(sku);

      const view: OrderView = await handle.result();

      expect(view.status).toBe('CANCELLED');
      expect(view.paidAt).toBeUndefined();
      expect(view.keys).toEqual([]);
      const types = timelineTypes(view);
      expect(types.indexOf('payment_due')).toBeGreaterThan(-1);
      expect(types.indexOf('status:CANCELLED')).toBeGreaterThan(types.indexOf('payment_due'));
      const cancelledAt = view.timeline.find((e) => e.type === 'status:CANCELLED')!.at;
      expect(Date.parse(cancelledAt)).toBeGreaterThanOrEqual(Date.parse(input.paymentDueAt));
      expect(await o.claimsOf(input.orderId)).toEqual([]);
      expect(await stockOf(t.store, sku)).toEqual({ available: 2, reserved: 0, delivered: 0, revoked: 0, invalid: 0 });
      expect(await o.refundsOf(input.orderId)).toEqual([]);
    });

    it('asks the provider at the due time and takes a succeeded payment found there as paid', async () => {
      const sku = await o.product({}, keyCodes(2));
      const { input, handle } = await o.order(sku);
      // The provider's record of the order (the sandbox provider is our store of signed notices):
      // a failed attempt, then a success whose signal never reached the order.
      const receivedAt = new Date();
      await t.store.paymentEvents.create([
        { _id: 'evt-lost-1', orderId: input.orderId, paymentId: 'pay-a', status: 'failed', amount: input.amount, receivedAt },
        { _id: 'evt-lost-2', orderId: input.orderId, paymentId: 'pay-b', status: 'succeeded', amount: input.amount, receivedAt },
      ]);

      const view: OrderView = await handle.result();

      const types = timelineTypes(view);
      expect(types.indexOf('payment_received')).toBeGreaterThan(types.indexOf('payment_due'));
      expect(view.paymentId).toBe('pay-b');
      expect(types).toContain('status:DELIVERED');
      expect(view.status).toBe('COMPLETED');
      expect(view.keys).toHaveLength(1);
      expect(await stockOf(t.store, sku)).toEqual({ available: 1, reserved: 0, delivered: 1, revoked: 0, invalid: 0 });
      expect(await o.refundsOf(input.orderId)).toEqual([]);
    });

    it('records a failed notice and keeps waiting for a payment until it is due', async () => {
      const sku = await o.product({}, keyCodes(1));
      const { input, handle } = await o.order(sku);

      let view = await notify(handle, paymentNotice(input, { paymentId: 'pay-x', status: 'failed' }), (v) => timelineTypes(v).includes('payment_failed'), 'the failed notice');
      expect(view.status).toBe('AWAITING_PAYMENT');
      expect(view.timeline.find((e) => e.type === 'payment_failed')?.detail).toContain('pay-x');

      await t.env.sleep(input.policy.paymentTimeoutMs - MINUTE);
      view = await handle.query(orderView);
      expect(view.status).toBe('AWAITING_PAYMENT');

      view = await notify(handle, paymentNotice(input, { paymentId: 'pay-y' }), (v) => v.status === 'DELIVERED', 'delivery');
      expect(view.paymentId).toBe('pay-y');
      expect(countOf(timelineTypes(view), 'payment_failed')).toBe(1);
      expect(await o.refundsOf(input.orderId)).toEqual([]);
    });

    it('refunds a second success with another payment id once, and keeps the order as it was', async () => {
      const sku = await o.product({}, keyCodes(1));
      const { input, handle } = await o.order(sku);
      await notify(handle, paymentNotice(input, { paymentId: 'pay-1' }), (v) => v.status === 'DELIVERED', 'delivery');

      const second = paymentNotice(input, { paymentId: 'pay-2' });
      await handle.signal(paymentNotified, second);
      await handle.signal(paymentNotified, second); // the same event again
      const view = await notify(
        handle,
        { ...second, eventId: `${second.eventId}-resent` }, // the same payment, a new event
        (v) => timelineTypes(v).includes('payment_duplicate_notice'),
        'the resent notice',
      );

      expect(view.status).toBe('DELIVERED');
      expect(view.paymentId).toBe('pay-1');
      const types = timelineTypes(view);
      expect(countOf(types, 'payment_unexpected')).toBe(1);
      expect(countOf(types, 'payment_refunded')).toBe(1);
      const refunds = await o.refundsOf(input.orderId);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({ paymentId: 'pay-2', amount: input.amount });
      expect(await stockOf(t.store, sku)).toMatchObject({ delivered: 1, revoked: 0 });
    });

    it('does not take a payment of the wrong amount or currency: refunded, recorded, order unpaid', async () => {
      const sku = await o.product({}, keyCodes(1));
      const { input, handle } = await o.order(sku);

      await handle.signal(paymentNotified, paymentNotice(input, { paymentId: 'pay-short', amount: { ...input.amount, amount: input.amount.amount - 1 } }));
      let view = await notify(
        handle,
        paymentNotice(input, { paymentId: 'pay-usd', amount: { ...input.amount, currency: 'USD' } }),
        (v) => countOf(timelineTypes(v), 'payment_refunded') === 2,
        'both refunds',
      );
      expect(view.status).toBe('AWAITING_PAYMENT');
      expect(view.paidAt).toBeUndefined();
      expect(countOf(timelineTypes(view), 'payment_amount_mismatch')).toBe(2);
      const refunds = await o.refundsOf(input.orderId);
      expect(refunds.map((r) => r.paymentId).sort()).toEqual(['pay-short', 'pay-usd']);
      expect(refunds.find((r) => r.paymentId === 'pay-usd')!.amount).toEqual({ ...input.amount, currency: 'USD' });
      expect(await o.claimsOf(input.orderId)).toEqual([]);

      // Still payable with the right amount.
      view = await notify(handle, paymentNotice(input, { paymentId: 'pay-ok' }), (v) => v.status === 'DELIVERED', 'delivery');
      expect(view.paymentId).toBe('pay-ok');
      expect(await o.refundsOf(input.orderId)).toHaveLength(2);
    });

    it('changes nothing for a repeated event id, before or after delivery', async () => {
      const sku = await o.product({}, keyCodes(2));
      const { input, handle } = await o.order(sku);
      const paid = paymentNotice(input);
      const failed = paymentNotice(input, { paymentId: 'pay-0', status: 'failed' });

      for (const n of [failed, failed, paid, paid, paid]) await handle.signal(paymentNotified, n);
      const delivered = await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
      // A later, different notice marks the point where everything sent before it was handled.
      await handle.signal(paymentNotified, paid);
      await handle.signal(paymentNotified, failed);
      const view = await notify(handle, paymentNotice(input, { paymentId: 'pay-9', status: 'failed' }), (v) => countOf(timelineTypes(v), 'payment_failed') === 2, 'the marker');

      const types = timelineTypes(view);
      expect(countOf(types, 'payment_received')).toBe(1);
      expect(countOf(types, 'payment_duplicate_notice')).toBe(0);
      expect(view.timeline.slice(0, delivered.timeline.length)).toEqual(delivered.timeline);
      expect(view.status).toBe('DELIVERED');
      expect(view.keys).toEqual(delivered.keys);
      expect(await o.claimsOf(input.orderId)).toHaveLength(1);
      expect(await o.refundsOf(input.orderId)).toEqual([]);
    });

    it('cancels on request before payment, and refuses to cancel a paid order', async () => {
      const sku = await o.product({}, keyCodes(1));
      const unpaid = await o.order(sku);
      expect(await unpaid.handle.executeUpdate(cancelOrder, { args: [{ actor: 'buyer', reason: 'changed my mind' }] })).toEqual({ status: 'CANCELLED' });
      const view: OrderView = await unpaid.handle.result();
      expect(view.status).toBe('CANCELLED');
      expect(view.timeline.find((e) => e.type === 'status:CANCELLED')).toMatchObject({ actor: 'buyer', detail: 'cancelled: changed my mind' });

      const paid = await o.order(sku);
      await notify(paid.handle, paymentNotice(paid.input), (v) => v.status === 'DELIVERED', 'delivery');
      const refused = await paid.handle.executeUpdate(cancelOrder, { args: [{ actor: 'buyer' }] }).then(() => 'accepted', conflictOf);
      expect(refused).toMatch(/DELIVERED/);
      expect((await paid.handle.query(orderView)).status).toBe('DELIVERED');
    });
  });

  describe('a cancel that lands while the provider is asked at the due time', () => {
    it('closes the order once: one CANCELLED, one notification', async () => {
      const gate = new Gate();
      const gated = await startWorkerWith(t, (real) => ({
        async findProviderPayments(args) {
          await gate.pass();
          return real.findProviderPayments(args);
        },
      }));
      const sku = await o.product({}, keyCodes(1));
      const { handle } = await o.order(sku, 1, gated.taskQueue);
      try {
        gate.armed = true;
        const result = handle.result(); // lets the server skip to the due time
        await gate.reached; // due, and asking the provider
        expect(await handle.executeUpdate(cancelOrder, { args: [{ actor: 'buyer' }] })).toEqual({ status: 'CANCELLED' });
        gate.open();
        const view: OrderView = await result;
        expect(view.status).toBe('CANCELLED');
        expect(countOf(timelineTypes(view), 'status:CANCELLED')).toBe(1);
        expect(await t.store.outbox.countDocuments({ orderId: view.orderId, type: 'order.cancelled' })).toBe(1);
      } finally {
        gate.open();
        await handle.terminate().catch(() => undefined);
        await gated.stop();
      }
    });
  });

  describe('payments for closed orders (strayPayment)', () => {
    async function stray(notice: PaymentNotice, run: string): Promise<string> {
      return t.client.workflow.execute('strayPayment', {
        taskQueue: t.config.temporal.taskQueue,
        workflowId: `stray-${notice.orderId}-${notice.paymentId}-${run}`,
        args: [notice],
      });
    }

    it('refunds a success for a cancelled order once, however often it comes', async () => {
      const sku = await o.product({}, keyCodes(1));
      const { input, handle } = await o.order(sku);
      expect((await handle.result()).status).toBe('CANCELLED');

      const late = paymentNotice(input, { paymentId: 'pay-late' });
      expect(await stray(late, 'first')).toBe('refunded');
      expect(await stray({ ...late, eventId: 'evt-again' }, 'second')).toBe('refunded');

      const refunds = await o.refundsOf(input.orderId);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({ paymentId: 'pay-late', amount: input.amount });
      expect(await o.claimsOf(input.orderId)).toEqual([]);
    });

    it('leaves alone the very payment a closed order was paid with, and refunds another', async () => {
      const sku = await o.product({ refundWindow: '1h' }, keyCodes(1));
      const { input, handle } = await o.order(sku);
      await handle.signal(paymentNotified, paymentNotice(input, { paymentId: 'pay-1' }));
      expect((await handle.result()).status).toBe('COMPLETED');

      expect(await stray(paymentNotice(input, { paymentId: 'pay-1' }), 'same')).toBe('already_applied');
      expect(await o.refundsOf(input.orderId)).toEqual([]);
      expect(await stray(paymentNotice(input, { paymentId: 'pay-2' }), 'other')).toBe('refunded');
      expect((await o.refundsOf(input.orderId)).map((r) => r.paymentId)).toEqual(['pay-2']);
      expect(await stockOf(t.store, sku)).toMatchObject({ delivered: 1, revoked: 0 });
    });

    it('refunds a success for an order that never existed', async () => {
      const notice = paymentNotice({ orderId: 'no-such-order', amount: { amount: 500, currency: 'CNY' } });
      expect(await stray(notice, 'unknown')).toBe('refunded');
      expect(await o.refundsOf('no-such-order')).toHaveLength(1);
    });
  });

  describe('stock-outs', () => {
    it('notices keys that come back without an import (no offer) at its next look, well before RESTOCK_WAIT', async () => {
      const sku = await o.product({}, keyCodes(1));
      const { input, handle } = await o.order(sku, 2);
      await notify(handle, paymentNotice(input), (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
      // Keys appear with nobody offering them (as when another order gives its reservation up).
      await addKeys(t, sku, keyCodes(1));
      await t.env.sleep(t.config.restockWaitMs / 10 + MINUTE);
      const view = await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery from the periodic look');
      expect(view.keys).toHaveLength(2);
      const waitedMs = Date.parse(view.deliveredAt!) - Date.parse(view.timeline.find((e) => e.type === 'status:OUT_OF_STOCK')!.at);
      expect(waitedMs).toBeLessThan(t.config.restockWaitMs);
      expect(await o.refundsOf(input.orderId)).toEqual([]);
    });

    it('waits OUT_OF_STOCK holding nothing, then refunds the whole order when RESTOCK_WAIT passes', async () => {
      const sku = await o.product({}, keyCodes(1));
      const { input, handle } = await o.order(sku, 2);
      const waiting = await notify(handle, paymentNotice(input), (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
      expect(waiting.keys).toEqual([]);
      expect(await o.claimsOf(input.orderId)).toEqual([]); // the one key it could take was given back
      expect(await stockOf(t.store, sku)).toEqual({ available: 1, reserved: 0, delivered: 0, revoked: 0, invalid: 0 });

      const view: OrderView = await handle.result();

      expect(view.status).toBe('REFUNDED');
      const outAt = Date.parse(waiting.timeline.find((e) => e.type === 'status:OUT_OF_STOCK')!.at);
      const refundedAt = Date.parse(view.timeline.find((e) => e.type === 'status:REFUNDED')!.at);
      expect(refundedAt - outAt).toBeGreaterThanOrEqual(input.policy.restockWaitMs);
      expect(view.keys).toEqual([]);
      const refunds = await o.refundsOf(input.orderId);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({ paymentId: 'pay-1', amount: input.amount });
      expect(await stockOf(t.store, sku)).toEqual({ available: 1, reserved: 0, delivered: 0, revoked: 0, invalid: 0 });
    });

    it('takes its keys when a restock is offered while it waits', async () => {
      const sku = await o.product({}, keyCodes(1));
      const { input, handle } = await o.order(sku, 2);
      await notify(handle, paymentNotice(input), (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
      await t.env.sleep(input.policy.restockWaitMs / 2);

      await addKeys(t, sku, keyCodes(1));
      const answer = await handle.executeUpdate(offerRestock, { args: [] });

      expect(answer.status).not.toBe('OUT_OF_STOCK');
      const view = await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
      expect(view.keys).toHaveLength(2);
      expect(await stockOf(t.store, sku)).toEqual({ available: 0, reserved: 0, delivered: 2, revoked: 0, invalid: 0 });
      // Nothing to offer a delivered order.
      expect(await handle.executeUpdate(offerRestock, { args: [] }).then(() => 'accepted', conflictOf)).toMatch(/DELIVERED/);
    });
  });

  /*
   * A restock that lands while an order is between finding no stock and waiting for one must still
   * reach it: otherwise the order is refunded after RESTOCK_WAIT with the keys on the shelf.
   */
  describe('restocks racing a stock-out', () => {
    let gate: Gate;
    let gated: Awaited<ReturnType<typeof startWorkerWith>>;

    beforeEach(async () => {
      gate = new Gate();
      gated = await startWorkerWith(t, (real) => ({
        // Hold the order right after a try that found no stock.
        async releaseReservedKeys(args) {
          const released = await real.releaseReservedKeys(args);
          await gate.pass();
          return released;
        },
        async reserveKeys(args) {
          const keys = await real.reserveKeys(args);
          if (!keys) await gate.pass();
          return keys;
        },
      }));
    });

    afterEach(async () => {
      gate.open();
      // A workflow left waiting on this queue with no worker would stop the server skipping time.
      for (const handle of started.splice(0)) await handle.terminate().catch(() => undefined);
      await gated?.stop();
    });

    /** The workflow has stopped to wait on a timer: its last command started one, no activity since. */
    async function waitingOnTimer(handle: WorkflowHandle): Promise<void> {
      await eventually(async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const lastIndex = (has: (e: (typeof events)[number]) => unknown) => events.reduce((at, e, i) => (has(e) ? i : at), -1);
        return lastIndex((e) => e.timerStartedEventAttributes) > lastIndex((e) => e.activityTaskScheduledEventAttributes);
      }, 'the order to wait on its restock timer');
    }

    const started: WorkflowHandle[] = [];
    async function gatedOrder(sku: string) {
      const order = await o.order(sku, 1, gated.taskQueue);
      started.push(order.handle);
      return order;
    }

    it('takes keys imported before it showed OUT_OF_STOCK (no one could offer them to it)', async () => {
      const sku = await o.product();
      const { input, handle } = await gatedOrder(sku);
      gate.armed = true;
      await handle.signal(paymentNotified, paymentNotice(input));
      await gate.reached; // found no stock; the read model does not show it waiting yet

      await addKeys(t, sku, keyCodes(1));
      const restock = { store: t.store, client: () => t.client, countAvailableKeys: inventoryActivities({ store: t.store, vault: t.vault, config: t.config, logger: createLogger('silent') }).countAvailableKeys };
      expect(await offerStockToWaitingOrders(restock, sku)).toEqual({ ...NO_PASS, waiting: 0 });
      gate.open();

      const view: OrderView = await handle.result();
      expect(timelineTypes(view)).toContain('status:DELIVERED');
      expect(await o.refundsOf(input.orderId)).toEqual([]);
    });

    it('tries again for an offer that came while it was already trying', async () => {
      const sku = await o.product();
      const { input, handle } = await gatedOrder(sku);
      await notify(handle, paymentNotice(input), (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
      await waitingOnTimer(handle); // done with every look it takes on its own: now it waits

      gate.armed = true;
      const first = handle.executeUpdate(offerRestock, { args: [] }); // nothing imported: it tries, finds none
      await gate.reached;
      await addKeys(t, sku, keyCodes(1));
      const second = await handle.startUpdate(offerRestock, { args: [], waitForStage: WorkflowUpdateStage.ACCEPTED });
      gate.open();

      expect(await first).toEqual({ status: 'OUT_OF_STOCK' });
      expect((await second.result()).status).not.toBe('OUT_OF_STOCK');
      const view: OrderView = await handle.result();
      expect(timelineTypes(view)).toContain('status:DELIVERED');
      expect(await o.refundsOf(input.orderId)).toEqual([]);
    });
  });

  describe('invalid keys', () => {
    it('marks a key the supplier refuses invalid and delivers a checked one in its place', async () => {
      const codes = keyCodes(3);
      const sku = await o.product({ validationUrl: `${supplier.url}/check` }, codes);
      const supplierSaw = supplierJudging((i) => i >= 2);
      const { input, handle } = await o.order(sku);

      const view = await notify(handle, paymentNotice(input), (v) => v.status === 'DELIVERED', 'delivery');

      expect(supplierSaw.refused).toHaveLength(2);
      expect(supplierSaw.asked).toHaveLength(3);
      const good = codes.find((c) => !supplierSaw.refused.includes(c))!;
      expect(view.keys.map((k) => k.keyId)).toEqual([await keyIdOf(good)]);
      expect(countOf(timelineTypes(view), 'key_invalid')).toBe(2);
      for (const bad of supplierSaw.refused) {
        expect(await t.store.claims.findById(await keyIdOf(bad)).lean()).toMatchObject({ orderId: input.orderId, state: 'invalid' });
      }
      expect(await stockOf(t.store, sku)).toEqual({ available: 0, reserved: 0, delivered: 1, revoked: 0, invalid: 2 });
    });

    it('refunds the whole order when a slot has no valid key after MAX_KEY_ATTEMPTS', async () => {
      const sku = await o.product({ validationUrl: `${supplier.url}/check` }, keyCodes(6));
      // The first code asked about is valid (slot 1 takes it); every other is refused (slot 2 never fills).
      const supplierSaw = supplierJudging((i) => i === 0);
      const { input, handle } = await o.order(sku, 2);

      await handle.signal(paymentNotified, paymentNotice(input));
      const view: OrderView = await handle.result();

      expect(view.status).toBe('REFUNDED');
      expect(supplierSaw.refused).toHaveLength(t.config.maxKeyAttempts);
      expect(countOf(timelineTypes(view), 'key_invalid')).toBe(t.config.maxKeyAttempts);
      expect(view.keys).toEqual([]);
      // Delivered whole or refunded whole: slot 1's valid key went back to stock.
      expect(await t.store.claims.findById(await keyIdOf(supplierSaw.distinct[0])).lean()).toBeNull();
      expect(await stockOf(t.store, sku)).toEqual({ available: 3, reserved: 0, delivered: 0, revoked: 0, invalid: 3 });
      expect(await o.refundsOf(input.orderId)).toHaveLength(1);
    });
  });

  // A product without a supplier has its keys reserved and checked by one local step. A code that no
  // longer fits the product's pattern (changed after the import) is refused there: marked invalid,
  // its slot takes the next key, and the order notes each refusal as the step made it.
  describe('invalid keys, checked by our own store in one local step', () => {
    /** The local activities the order's history records, by type. */
    async function localSteps(handle: WorkflowHandle): Promise<string[]> {
      const { events } = await handle.fetchHistory();
      return (events ?? []).flatMap((e) => localActivityMarker(e)?.activity_type ?? []);
    }

    async function productRefusing(refused: string[], fitting: string[]): Promise<string> {
      const sku = await o.product({}, [...refused, ...fitting]);
      await t.store.products.updateOne({ _id: sku }, { $set: { keyPattern: '^FITS-' } });
      return sku;
    }

    it('marks a refused key invalid and delivers a checked one in its place', async () => {
      const refused = keyCodes(1, 'OLD');
      const fitting = keyCodes(1, 'FITS');
      const sku = await productRefusing(refused, []);
      // The fitting key arrives once the refused one is marked invalid: the slot's next key is it.
      const gated = await startWorkerWith(t, (real) => ({
        async markKeyInvalid(args) {
          await real.markKeyInvalid(args);
          await addKeys(t, sku, fitting);
        },
      }));
      const { input, handle } = await o.order(sku, 1, gated.taskQueue);
      try {
        const view = await notify(handle, paymentNotice(input), (v) => v.status === 'DELIVERED', 'delivery');

        expect(view.keys.map((k) => k.keyId)).toEqual([await keyIdOf(fitting[0])]);
        const [refusedId] = await Promise.all(refused.map(keyIdOf));
        expect(await t.store.claims.findById(refusedId).lean()).toMatchObject({ orderId: input.orderId, slot: 0, attempt: 1, state: 'invalid' });
        expect(await t.store.claims.findById(view.keys[0].keyId).lean()).toMatchObject({ orderId: input.orderId, slot: 0, attempt: 2, state: 'delivered' });
        expect(view.timeline.filter((e) => e.type === 'key_invalid').map((e) => e.detail)).toEqual([expect.stringMatching(/does not match the product key pattern/)]);
        expect(timelineTypes(view).indexOf('status:DELIVERING')).toBeLessThan(timelineTypes(view).indexOf('key_invalid'));
        expect(await stockOf(t.store, sku)).toEqual({ available: 0, reserved: 0, delivered: 1, revoked: 0, invalid: 1 });
        expect(await localSteps(handle)).toEqual(['recordOrderStep', 'reserveCheckedKeys', 'recordOrderStep']);
      } finally {
        await handle.terminate().catch(() => undefined);
        await gated.stop();
      }
    });

    it('refunds the whole order when a slot has no valid key after MAX_KEY_ATTEMPTS', async () => {
      const sku = await productRefusing(keyCodes(t.config.maxKeyAttempts + 1, 'OLD'), []);
      const { input, handle } = await o.order(sku);

      await handle.signal(paymentNotified, paymentNotice(input));
      const view: OrderView = await handle.result();

      expect(view.status).toBe('REFUNDED');
      expect(countOf(timelineTypes(view), 'key_invalid')).toBe(t.config.maxKeyAttempts);
      expect(view.keys).toEqual([]);
      expect(await stockOf(t.store, sku)).toEqual({ available: 1, reserved: 0, delivered: 0, revoked: 0, invalid: t.config.maxKeyAttempts });
      expect(await o.refundsOf(input.orderId)).toHaveLength(1);
      expect((await localSteps(handle)).filter((type) => type === 'reserveCheckedKeys')).toHaveLength(1);
    });
  });

  describe('refund window and refund decisions', () => {
    it('completes the order when the refund window ends with no request', async () => {
      const sku = await o.product({ refundWindow: '24h' }, keyCodes(1));
      const { input, handle } = await o.order(sku);
      const delivered = await notify(handle, paymentNotice(input), (v) => v.status === 'DELIVERED', 'delivery');
      expect(Date.parse(delivered.refundWindowEndsAt!) - Date.parse(delivered.deliveredAt!)).toBe(24 * HOUR);

      await t.env.sleep(24 * HOUR - MINUTE);
      expect((await handle.query(orderView)).status).toBe('DELIVERED');

      const view: OrderView = await handle.result();
      expect(view.status).toBe('COMPLETED');
      expect(Date.parse(view.timeline.find((e) => e.type === 'status:COMPLETED')!.at)).toBeGreaterThanOrEqual(Date.parse(delivered.refundWindowEndsAt!));
      expect(view.keys).toEqual(delivered.keys);
      expect(await stockOf(t.store, sku)).toMatchObject({ delivered: 1, revoked: 0 });
      expect(await o.refundsOf(input.orderId)).toEqual([]);
    });

    it('still decides a request pending when the window ends: approval refunds once and revokes the keys', async () => {
      const sku = await o.product({ refundWindow: '2h' }, keyCodes(1));
      const { input, handle } = await o.order(sku);
      await notify(handle, paymentNotice(input), (v) => v.status === 'DELIVERED', 'delivery');
      expect(await handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'does not work' }] })).toEqual({ status: 'REFUND_REQUESTED' });

      await t.env.sleep(3 * HOUR);
      expect((await handle.query(orderView)).status).toBe('REFUND_REQUESTED');
      await handle.executeUpdate(decideRefund, { args: [{ actor: 'agent-ann', approve: true, note: 'confirmed with the supplier' }] });
      const view: OrderView = await handle.result();

      expect(view.status).toBe('REFUNDED');
      expect(view.refund).toMatchObject({ status: 'REFUNDED', reason: 'does not work', decidedBy: 'agent-ann', note: 'confirmed with the supplier' });
      expect(view.timeline.find((e) => e.type === 'refund_approved')).toMatchObject({ actor: 'agent-ann' });
      expect(view.timeline.find((e) => e.type === 'status:REFUNDED')).toMatchObject({ actor: 'agent-ann' });
      expect(await o.refundsOf(input.orderId)).toHaveLength(1);
      expect(await stockOf(t.store, sku)).toEqual({ available: 0, reserved: 0, delivered: 0, revoked: 1, invalid: 0 });
    });

    it('rejection after the window ended keeps the keys and completes the order', async () => {
      const sku = await o.product({ refundWindow: '2h' }, keyCodes(1));
      const { input, handle } = await o.order(sku);
      await notify(handle, paymentNotice(input), (v) => v.status === 'DELIVERED', 'delivery');
      await handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'changed my mind' }] });
      await t.env.sleep(3 * HOUR);

      // Back to DELIVERED, and with the window over, straight on to COMPLETED: the answer is where it ends.
      expect(await handle.executeUpdate(decideRefund, { args: [{ actor: 'agent-bo', approve: false, note: 'key was redeemed' }] })).toEqual({ status: 'COMPLETED' });
      const view: OrderView = await handle.result();

      expect(view.status).toBe('COMPLETED');
      const types = timelineTypes(view);
      expect(types.slice(types.indexOf('refund_rejected')).filter((x) => x.startsWith('status:'))).toEqual(['status:DELIVERED', 'status:COMPLETED']);
      expect(view.refund).toMatchObject({ status: 'REJECTED', decidedBy: 'agent-bo', note: 'key was redeemed' });
      expect(view.timeline.find((e) => e.type === 'refund_rejected')).toMatchObject({ actor: 'agent-bo', detail: 'key was redeemed' });
      expect(await o.refundsOf(input.orderId)).toEqual([]);
      expect(await stockOf(t.store, sku)).toMatchObject({ delivered: 1, revoked: 0 });
    });
  });
});

describe('reconciliation with an http payment provider (time-skipping server)', () => {
  let t: TimeSkipping;
  let provider: FakeProvider;
  const o = orders(() => t);

  beforeAll(async () => {
    provider = await new FakeProvider().start();
    t = await startTimeSkipping({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url });
  });

  afterAll(async () => {
    await t?.stop();
    await provider?.stop();
  });

  it('takes a succeeded payment the provider reports at the due time', async () => {
    const sku = await o.product({}, keyCodes(1));
    const { input, handle } = await o.order(sku);
    provider.payments.set(input.orderId, [
      { paymentId: 'pay-f', status: 'failed', amount: input.amount },
      { paymentId: 'pay-s', status: 'succeeded', amount: input.amount },
    ]);

    const view: OrderView = await handle.result();

    expect(provider.lookups).toContain(input.orderId);
    expect(view.paymentId).toBe('pay-s');
    expect(timelineTypes(view)).toEqual(expect.arrayContaining(['payment_due', 'payment_failed', 'payment_received', 'status:DELIVERED']));
    expect(view.status).toBe('COMPLETED');
    expect(provider.payouts(input.orderId)).toEqual([]);
  });

  it('asks again while the provider fails to answer, then cancels when it knows of no payment', async () => {
    const sku = await o.product({}, keyCodes(1));
    const { input, handle } = await o.order(sku);
    provider.lookupFailures = 2;

    const view: OrderView = await handle.result();

    expect(provider.lookups.filter((id) => id === input.orderId)).toHaveLength(3);
    expect(view.status).toBe('CANCELLED');
    expect(await o.claimsOf(input.orderId)).toEqual([]);
  });

  it('refunds a reported payment of the wrong amount through the provider, and cancels', async () => {
    const sku = await o.product({}, keyCodes(1));
    const { input, handle } = await o.order(sku);
    provider.payments.set(input.orderId, [{ paymentId: 'pay-w', status: 'succeeded', amount: { ...input.amount, amount: 1 } }]);
    provider.failFirst = 1;

    const view: OrderView = await handle.result();
    // The refund is a workflow of its own: the order does not wait for it, and it notes the order once paid.
    expect(await t.client.workflow.getHandle(refundIdFor(input.orderId, 'pay-w')).result()).toBe('paid');

    expect(view.status).toBe('CANCELLED');
    expect(timelineTypes(view)).toEqual(expect.arrayContaining(['payment_amount_mismatch', 'payment_refund_started']));
    expect(await t.store.orderNotes.find({ orderId: input.orderId }).lean()).toEqual([expect.objectContaining({ type: 'payment_refunded', detail: expect.stringContaining('pay-w') })]);
    expect(provider.payouts(input.orderId)).toEqual([
      { refundId: expect.stringContaining('pay-w'), orderId: input.orderId, paymentId: 'pay-w', amount: { ...input.amount, amount: 1 } },
    ]);
    expect(provider.honouredTwice()).toEqual([]);
  });
});
