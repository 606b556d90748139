import { inventoryActivities } from '../../activities/inventory';
import { createLogger } from '../../config/logger';
import { orderWorkflowId } from '../../domain/order';
import { keepReservationSweepSchedule, reservationSweepScheduleId } from '../../worker/schedules';
import { FakeServer } from '../support/fakeServer';
import { eventually } from '../support/http';
import { keyCodes, productWithShop } from '../support/orders';

/**
 * The reservation sweep against the real dev server, worker and store: keys reserved by an order
 * whose workflow was terminated (or by an order Temporal no longer knows) go back to stock within
 * RESERVATION_SWEEP, are noted on the order's timeline and counted in /metrics; a running order
 * keeps its reserved key however long it holds it.
 */
describe('the reservation sweep', () => {
  // A supplier that never answers: each paid order sits in DELIVERING holding its reserved key.
  const supplier = new FakeServer(() => ({ hang: true }));
  beforeAll(() => supplier.start());
  afterAll(() => supplier.stop());
  const ctx = productWithShop(() => ({ RESERVATION_SWEEP: '2s' }));

  it("returns an ended order's reserved keys to stock, never a running order's", async () => {
    const { product, shop } = ctx;
    const { client, config, store } = product;
    const sku = 'sweep-sku';
    await shop.product(sku, { validationUrl: `${supplier.url}/check` }, keyCodes(3, 'SWEEP'));
    const [ended, running] = [await shop.order(sku), await shop.order(sku)];
    for (const order of [ended, running]) await shop.pay(order);
    await eventually(async () => (await shop.stock(sku)).reserved === 2, 'both orders holding a key while the supplier is silent');
    const held = async (orderId: string) => (await store.claims.find({ orderId, state: 'reserved' }).lean()).map((c) => c._id);
    const [endedKey] = await held(ended.orderId);
    const [runningKey] = await held(running.orderId);
    // An order Temporal does not know (gone past retention): its key was taken as an order's step takes one.
    const inventory = inventoryActivities({ store, vault: product.vault, config, logger: createLogger('silent') });
    const goneKey = await inventory.reserveKey({ orderId: 'order-gone-long-ago', sku, slot: 0, attempt: 1 });
    expect(goneKey).not.toBeNull();
    await client.workflow.getHandle(orderWorkflowId(ended.orderId)).terminate('an operator ended it by hand');

    const schedule = client.schedule.getHandle(reservationSweepScheduleId(config));
    await keepReservationSweepSchedule(client, config, product.logger, { passesPerRun: 4 });
    try {
      // Within RESERVATION_SWEEP (2 s) of being orphaned, with time for the schedule's first start.
      await eventually(async () => (await shop.stock(sku)).available === 2, 'the orphaned keys back in stock', 8_000);
      expect(await shop.stock(sku)).toEqual({ available: 2, reserved: 1, delivered: 0, revoked: 0, invalid: 0 });
      expect(await held(ended.orderId)).toEqual([]);
      expect(await store.keys.exists({ _id: endedKey, freeOf: sku })).toBeTruthy();
      expect((await store.sweptReservations.find().sort({ keyId: 1 }).lean()).map(({ orderId, keyId, workflow }) => ({ orderId, keyId, workflow }))).toEqual(
        expect.arrayContaining([
          { orderId: ended.orderId, keyId: endedKey, workflow: 'TERMINATED' },
          { orderId: 'order-gone-long-ago', keyId: goneKey!.keyId, workflow: 'NOT_FOUND' },
        ]),
      );
      // The ended order's timeline says where its key went; an unknown order has no timeline.
      const notes = await store.orderNotes.find({ orderId: ended.orderId }).lean();
      expect(notes).toEqual([expect.objectContaining({ type: 'reservation_released', detail: expect.stringMatching(new RegExp(`key ${endedKey} .*returned to stock: the order's workflow is terminated`)) })]);
      expect(await store.orderNotes.countDocuments({ orderId: 'order-gone-long-ago' })).toBe(0);

      // Passes later (the sweep carries on as new every 4), the running order still holds its key.
      const sweepId = (await schedule.describe()).info.runningActions[0].workflow.workflowId;
      await eventually(async () => {
        let passes = 0;
        for await (const run of client.workflow.list({ query: `WorkflowId = '${sweepId}'` })) {
          const history = await client.workflow.getHandle(sweepId, run.runId).fetchHistory();
          passes += (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length;
        }
        return passes >= 4;
      }, 'four sweep passes', 15_000);
      expect(await held(running.orderId)).toEqual([runningKey]);
      expect((await client.workflow.getHandle(orderWorkflowId(running.orderId)).describe()).status.name).toBe('RUNNING');
      expect(await store.sweptReservations.countDocuments({ orderId: running.orderId })).toBe(0);
      expect(await shop.stock(sku)).toEqual({ available: 2, reserved: 1, delivered: 0, revoked: 0, invalid: 0 });

      const metrics = await (await fetch(`${product.api.url}/metrics`)).text();
      expect(metrics).toMatch(/^kamiflow_reservations_swept_total 2$/m);
    } finally {
      const runs = (await schedule.describe()).info.runningActions;
      await schedule.delete();
      for (const run of runs) await client.workflow.getHandle(run.workflow.workflowId).terminate('test over');
    }
  });
});
