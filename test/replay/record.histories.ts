/**
 * Records the histories test/replay/replay.test.ts replays. Run it when a workflow gains a path
 * worth guarding (never to "fix" a replay failure: that needs patched()):
 *
 *   RECORDING=<tag> npx jest --testMatch '**\/record.histories.ts' test/replay
 *
 * Recordings are only ever added: each is written as <name>.<tag>.json beside the others, never over
 * one, and its sha256 appended to manifest.sha256 (which replay.test.ts holds every file to).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { complaintWorkflowId } from '../../domain/complaint';
import { disputeWorkflowId, type DisputeNotice, type DisputeStart } from '../../domain/dispute';
import { orderView, buyerConfirm, complaintAction, decideRefund, disputeNoticed, fileComplaint, paymentNotified, requestRefund } from '../../workflows/messages';
import { StripeStandIn } from '../support/rails/stripe';
import { keyCodes, paymentNotice, seedProduct, startOrder, queryUntil, type Backend } from '../support/orders';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';

let t: TimeSkipping;
let b: Backend;
/** Disputes ask Stripe for the disputed PaymentIntent's order: a stand-in answers. */
const stripe = new StripeStandIn();

async function save(name: string, handle: WorkflowHandle): Promise<void> {
  const tag = process.env.RECORDING;
  if (!tag || !/^[a-z0-9-]+$/.test(tag)) throw new Error('RECORDING=<tag> (lowercase letters, digits, dashes) names this set of recordings');
  const history = await handle.fetchHistory();
  const relative = `histories/${name}.${tag}.json`;
  const file = join(__dirname, relative);
  if (existsSync(file)) throw new Error(`${relative} exists; recordings are never overwritten: choose another RECORDING tag`);
  const text = JSON.stringify({ workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1);
  writeFileSync(file, text);
  appendFileSync(join(__dirname, 'manifest.sha256'), `${createHash('sha256').update(text).digest('hex')}  ${relative}\n`);
}

beforeAll(async () => {
  await stripe.start();
  t = await startTimeSkipping({ PAYMENT_TIMEOUT: '15m', RESTOCK_WAIT: '30m', ...stripe.env() });
  b = { store: t.store, vault: t.vault, config: t.config, client: t.client };
  await seedProduct(b, 'replay-keys', { refundWindow: '24h', complaintWindow: '7d' }, keyCodes(6, 'REPLAY'));
  await seedProduct(b, 'replay-empty', {}, []);
});

afterAll(async () => {
  await t?.stop();
  await stripe.stop();
});

it('records an order delivered and completed', async () => {
  const { input, handle } = await startOrder(b, 'replay-keys', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await handle.result();
  await save('order-completed', handle);
});

it('records an order cancelled for want of payment', async () => {
  const { handle } = await startOrder(b, 'replay-keys', await t.env.currentTimeMs());
  await handle.result();
  await save('order-cancelled-unpaid', handle);
});

it('records a paid order refunded after waiting for stock', async () => {
  const { input, handle } = await startOrder(b, 'replay-empty', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await handle.result();
  await save('order-refunded-out-of-stock', handle);
});

it('records a paid order cancelled in Temporal while waiting for stock, and refunded', async () => {
  const { input, handle } = await startOrder(b, 'replay-empty', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await queryUntil(handle, (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
  await handle.cancel();
  await handle.result();
  await save('order-cancelled-in-temporal-refunded', handle);
});

it('records a refund requested by the buyer and approved by an agent', async () => {
  const { input, handle } = await startOrder(b, 'replay-keys', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
  await handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'bought the wrong region' }] });
  await handle.executeUpdate(decideRefund, { args: [{ actor: 'agent-li', approve: true, note: 'region mismatch confirmed' }] });
  await handle.result();
  await save('order-refunded-on-request', handle);
});

it('records a key_invalid complaint resolved by a replacement key, and its order', async () => {
  const { input, handle } = await startOrder(b, 'replay-keys', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
  const filed = await handle.executeUpdate(fileComplaint, {
    args: [{ category: 'key_invalid', description: 'The key was already used.', evidence: [], policy: t.config.complaint }],
  });
  const complaint = t.client.workflow.getHandle(complaintWorkflowId(filed.complaintId));
  await complaint.executeUpdate(complaintAction, { args: [{ action: 'acknowledge', actor: 'agent-li' }] });
  await complaint.executeUpdate(complaintAction, { args: [{ action: 'resolve_replace', actor: 'agent-li' }] });
  await complaint.executeUpdate(buyerConfirm, { args: [{ satisfied: true, rating: 5 }] });
  await complaint.result();
  await handle.result();
  await save('complaint-replaced-closed', complaint);
  await save('order-key-replaced-completed', handle);
});

it('records a report fold run', async () => {
  const handle = await t.client.workflow.start('reportFoldWorkflow', { taskQueue: t.config.temporal.taskQueue, workflowId: `report-fold-recording-${Date.now()}` });
  await handle.result();
  await save('report-fold', handle);
});

it('records a Stripe dispute lost on a delivered order: the dispute, its complaint and the order refunded by the bank', async () => {
  const { input, handle } = await startOrder(b, 'replay-keys', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
  stripe.paidNotice(input.orderId, {}, input.amount); // the PaymentIntent naming the order
  const disputeId = `dp_replay${Date.now()}`;
  const notice = (status: string, eventId: string): DisputeNotice => ({
    eventId,
    source: 'stripe_dispute',
    externalId: disputeId,
    action: status === 'lost' ? 'charge.dispute.closed' : 'charge.dispute.created',
    stripe: { paymentIntentId: stripe.trade(input.orderId).paymentId, reason: 'fraudulent', status, amount: input.amount.amount, currency: input.amount.currency, dueBy: null },
  });
  const start: DisputeStart = { source: 'stripe_dispute', externalId: disputeId, policy: t.config.complaint };
  const dispute = await t.client.workflow.signalWithStart('disputeWorkflow', {
    taskQueue: t.config.temporal.taskQueue,
    workflowId: disputeWorkflowId('stripe_dispute', disputeId),
    args: [start],
    signal: disputeNoticed,
    signalArgs: [notice('needs_response', 'stripe:evt_replay_1')],
  });
  const disputed = await queryUntil(handle, (v) => v.timeline.some((e) => e.type === 'payment_disputed'), 'the order told of the dispute');
  await dispute.signal(disputeNoticed, notice('lost', 'stripe:evt_replay_2'));
  await dispute.result();
  const complaint = t.client.workflow.getHandle(complaintWorkflowId(disputed.complaints[0]));
  await complaint.result();
  await handle.result();
  expect((await handle.query(orderView)).status).toBe('REFUNDED');
  await save('dispute-lost', dispute);
  await save('complaint-dispute-lost', complaint);
  await save('order-dispute-lost', handle);
});
