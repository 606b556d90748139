import { complaintWorkflowId } from '../../domain/complaint';
import { orderView, fileComplaint, paymentNotified, requestRefund } from '../../workflows/messages';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';
import { keyCodes, paymentNotice, queryUntil, seedProduct, startOrder } from '../support/orders';
import { startWorkerWith } from '../support/timeSkipping';

/*
 * An order's read model only moves forward: its workflow writes one step at a time (handlers and
 * the main flow alike), every event keeps the id it was raised with, and the row that stands is the
 * newest step. The store is slowed (each write waits a moment) so steps would overlap if they could.
 */
let t: TimeSkipping;

beforeAll(async () => {
  t = await startTimeSkipping();
});
afterAll(async () => {
  await t?.stop();
});

it('writes one projection of an order at a time, the newest last, while handlers and the main flow all move it', async () => {
  const inFlight = new Map<string, number>();
  let most = 0;
  const worker = await startWorkerWith(t, (real) => {
    const slowly =
      <A extends { view: { orderId: string } }, R>(write: (arg: A) => Promise<R>) =>
      async (arg: A): Promise<R> => {
        const id = arg.view.orderId;
        inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
        most = Math.max(most, inFlight.get(id) as number);
        try {
          await new Promise((resolve) => setTimeout(resolve, 300));
          return await write(arg);
        } finally {
          inFlight.set(id, (inFlight.get(id) as number) - 1);
        }
      };
    return { projectOrder: slowly(real.projectOrder), recordOrderStep: slowly(real.recordOrderStep) };
  });
  try {
    await seedProduct(t, 'proj-1', { refundWindow: '24h', complaintWindow: '7d' }, keyCodes(2, 'PROJ'));
    const { input, handle } = await startOrder(t, 'proj-1', await t.env.currentTimeMs(), 1, worker.taskQueue);
    await handle.signal(paymentNotified, paymentNotice(input));
    await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');

    // Two buyer actions at once: each moves the order and projects it from its own handler.
    const [refund, complaint] = await Promise.all([
      handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'changed my mind' }] }),
      handle.executeUpdate(fileComplaint, {
        args: [{ category: 'key_invalid', description: 'The key was refused.', evidence: [], policy: t.config.complaint }],
      }),
    ]);
    expect(refund.status).toBe('REFUND_REQUESTED');
    const final = await handle.query(orderView);
    expect(most).toBe(1);

    // Every event kept its own id, in the order the steps happened.
    // The order's own events (its complaint raises its own, under the complaint's id).
    const events = (await t.store.outbox.find({ orderId: input.orderId }).lean()).filter((e) => e._id.startsWith(`${input.orderId}.`));
    const types = events.sort((a, b) => stepOf(a._id) - stepOf(b._id)).map((e) => e.type);
    expect(types.slice(0, 1)).toEqual(['order.created']);
    expect(types).toEqual(expect.arrayContaining(['order.paid', 'order.delivering', 'order.delivered', 'order.refund_requested', 'complaint.filed']));
    expect(new Set(events.map((e) => stepOf(e._id))).size).toBe(events.length);

    // The row that stands is the newest step, with both actions in it.
    const row = await t.store.orderViews.findById(input.orderId).lean();
    expect(row?.seq).toBe(Math.max(...events.map((e) => stepOf(e._id))));
    expect(row?.status).toBe('REFUND_REQUESTED');
    expect(row?.view.complaints).toEqual([complaint.complaintId]);
    expect(final.complaints).toEqual([complaint.complaintId]);
    await t.client.workflow.getHandle(complaintWorkflowId(complaint.complaintId)).terminate('test over');
    await handle.terminate('test over');
  } finally {
    await worker.stop();
  }
});

/** The step number in an event id, `<orderId>.<seq>.<type>`. */
function stepOf(eventId: string): number {
  return Number(eventId.split('.')[1]);
}
