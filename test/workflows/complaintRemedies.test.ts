import type { WorkflowHandle } from '@temporalio/client';
import { wholeComplaintView } from '../../db/complaintView';
import { stockOf } from '../../db/inventory';
import { complaintWorkflowId, type ComplaintFiled, type ComplaintView } from '../../domain/complaint';
import type { OrderView } from '../../domain/order';
import { buyerConfirm, complaintAction, complaintView, fileComplaint, orderView, paymentNotified } from '../../workflows/messages';
import { eventually } from '../support/http';
import { keyCodes, paymentNotice, queryUntil, seedProduct, startOrder } from '../support/orders';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';

/**
 * A complaint's remedies carried out by its order, on the time-skipping server with the real
 * activities and store: a new key for an invalid one, or the payment back; and the order stays
 * open for as long as its complaint does.
 */
const DAY = 24 * 3_600_000;

describe('complaint remedies on the order (time-skipping server)', () => {
  let t: TimeSkipping;
  beforeAll(async () => {
    t = await startTimeSkipping();
  });
  afterAll(async () => {
    await t?.stop();
  });

  let skus = 0;
  /** A delivered order of a fresh product with a few spare keys, and a complaint filed on it. */
  async function complainedAbout(category: 'key_invalid' | 'key_not_received'): Promise<{ sku: string; order: WorkflowHandle; complaint: WorkflowHandle; filed: ComplaintFiled; orderId: string }> {
    const sku = `remedy-${++skus}`;
    await seedProduct(t, sku, {}, keyCodes(3, 'RMD'));
    const { input, handle } = await startOrder(t, sku, await t.env.currentTimeMs());
    await handle.signal(paymentNotified, paymentNotice(input));
    await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
    const filed = await handle.executeUpdate(fileComplaint, {
      args: [{ category, description: 'It does not work.', evidence: [], policy: t.config.complaint }],
    });
    return { sku, order: handle, complaint: t.client.workflow.getHandle(complaintWorkflowId(filed.complaintId)), filed, orderId: input.orderId };
  }

  /** The agent's remedy, followed through when the order needs longer than the answer waits (pending). */
  async function resolve(complaint: WorkflowHandle, action: 'resolve_replace' | 'resolve_refund'): Promise<ComplaintView> {
    const answer = await complaint.executeUpdate(complaintAction, { args: [{ action, actor: 'agent-kim' }] });
    if (answer.status !== 'pending') return wholeComplaintView(t.store, answer as ComplaintView);
    return eventually(async () => {
      const view = await complaint.query(complaintView);
      return view.status === 'RESOLVED' ? view : false;
    }, `the ${action} carried out`);
  }

  it('replace: a new checked key for the order, the reported one marked invalid; closing the complaint lets the order finish', async () => {
    const { sku, order, complaint, filed, orderId } = await complainedAbout('key_invalid');
    const oldKey = (await order.query(orderView)).keys[0].keyId;

    const resolved = await resolve(complaint, 'resolve_replace');
    expect(resolved).toMatchObject({ complaintId: filed.complaintId, status: 'RESOLVED', resolution: 'replaced' });
    expect(resolved.messages[resolved.messages.length - 1].text).toMatch(/new key/);

    const after = await order.query(orderView);
    expect(after.status).toBe('DELIVERED');
    expect(after.keys).toHaveLength(1);
    expect(after.keys[0].keyId).not.toBe(oldKey);
    const claims = await t.store.claims.find({ orderId }).lean();
    expect(Object.fromEntries(claims.map((c) => [c._id, c.state]))).toEqual({ [oldKey]: 'invalid', [after.keys[0].keyId]: 'delivered' });
    expect(await stockOf(t.store, sku)).toMatchObject({ available: 1, delivered: 1, invalid: 1 });

    // The buyer is satisfied; the order then runs out its windows and completes.
    await complaint.executeUpdate(buyerConfirm, { args: [{ satisfied: true }] });
    expect(((await complaint.result()) as ComplaintView).status).toBe('CLOSED');
    await t.env.sleep(8 * DAY);
    expect(((await order.result()) as OrderView).status).toBe('COMPLETED');
  });

  it('refund: the payment goes back once, the keys are revoked, the order is REFUNDED and waits for its complaint to close', async () => {
    const { sku, order, complaint, orderId } = await complainedAbout('key_not_received');

    const resolved = await resolve(complaint, 'resolve_refund');
    expect(resolved).toMatchObject({ status: 'RESOLVED', resolution: 'refunded' });
    const refunded = await queryUntil(order, (v) => v.status === 'REFUNDED', 'the refund');
    expect(refunded.refund).toMatchObject({ status: 'REFUNDED' });
    expect(await t.store.refunds.countDocuments({ orderId })).toBe(1);
    expect(await stockOf(t.store, sku)).toMatchObject({ delivered: 0, revoked: 1 });

    const described = await order.describe();
    expect(described.status.name).toBe('RUNNING'); // held open by the complaint
    await t.env.sleep(3 * DAY + 60_000); // nobody answers: the complaint closes itself
    expect(((await complaint.result()) as ComplaintView).status).toBe('CLOSED');
    expect(((await order.result()) as OrderView).status).toBe('REFUNDED');
    expect(await t.store.refunds.countDocuments({ orderId })).toBe(1);
  });
});
