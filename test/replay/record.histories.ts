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
import { restockWorkflowId } from '../../domain/restock';
import { orderView, buyerConfirm, complaintAction, decideRefund, disputeNoticed, fileComplaint, paymentNotified, requestRefund, stockArrived } from '../../workflows/messages';
import { StripeStandIn } from '../support/rails/stripe';
import { WechatPayStandIn } from '../support/rails/wechatpay';
import { addKeys, keyCodes, paymentNotice, seedProduct, startOrder, queryUntil, type Backend } from '../support/orders';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';

let t: TimeSkipping;
let b: Backend;
/** Disputes ask Stripe for the disputed PaymentIntent's order: a stand-in answers. */
const stripe = new StripeStandIn();
/** WeChat Pay complaints are read from, and answered to, its merchant API: a stand-in answers. */
const wechat = new WechatPayStandIn();

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
  await wechat.start();
  t = await startTimeSkipping({ PAYMENT_TIMEOUT: '15m', RESTOCK_WAIT: '30m', ...stripe.env(), ...wechat.env(), PUBLIC_BASE_URL: 'https://shop.example.test' });
  b = { store: t.store, vault: t.vault, config: t.config, client: t.client };
  await seedProduct(b, 'replay-keys', { refundWindow: '24h', complaintWindow: '7d' }, keyCodes(6, 'REPLAY'));
  await seedProduct(b, 'replay-empty', {}, []);
  await seedProduct(b, 'replay-short-windows', { refundWindow: '2m', complaintWindow: '3m' }, keyCodes(2, 'REPLAYS'));
});

afterAll(async () => {
  await t?.stop();
  await stripe.stop();
  await wechat.stop();
});

it('records an order delivered and completed', async () => {
  const { input, handle } = await startOrder(b, 'replay-keys', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await handle.result();
  await save('order-completed', handle);
});

it("records a product's restock owner offering an import to the order waiting for it, then ending idle", async () => {
  await seedProduct(b, 'replay-restock', {}, []);
  const { input, handle } = await startOrder(b, 'replay-restock', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await queryUntil(handle, (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
  await addKeys(b, 'replay-restock', keyCodes(1, 'RESTOCK'));
  const owner = await t.client.workflow.signalWithStart('restock', {
    taskQueue: t.config.temporal.taskQueue,
    workflowId: restockWorkflowId('replay-restock'),
    args: ['replay-restock'],
    signal: stockArrived,
    signalArgs: [],
  });
  await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
  await owner.result();
  await save('restock-offered', owner);
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

/** A provider dispute's first event, as the webhook hands it on: it starts the dispute's workflow. */
function firstEvent(notice: DisputeNotice) {
  const start: DisputeStart = { source: notice.source, externalId: notice.externalId, policy: t.config.complaint };
  return t.client.workflow.signalWithStart('dispute', {
    taskQueue: t.config.temporal.taskQueue,
    workflowId: disputeWorkflowId(notice.source, notice.externalId),
    args: [start],
    signal: disputeNoticed,
    signalArgs: [notice],
  });
}

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
  const dispute = await firstEvent(notice('needs_response', 'stripe:evt_replay_1'));
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

// Record it on its own (-t 'WeChat Pay complaint'): after other recordings in the same run, the
// time-skipping server has been seen not to skip the complaint's auto-close after the agents' updates.
it('records a WeChat Pay complaint answered and resolved by an agent, then completed at WeChat Pay', async () => {
  const { input, handle } = await startOrder(b, 'replay-short-windows', await t.env.currentTimeMs());
  await handle.signal(paymentNotified, paymentNotice(input));
  await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
  wechat.trade(input.orderId, input.amount); // the transaction the buyer complains about
  const complaintId = wechat.complain(input.orderId, { problemType: 'SERVICE_NOT_WORK' });
  const notice = (action: string, eventId: string): DisputeNotice => ({ eventId, source: 'wechatpay', externalId: complaintId, action });
  const dispute = await firstEvent(notice('CREATE_COMPLAINT', 'wechatpay:replay-1'));
  const told = await queryUntil(handle, (v) => v.timeline.some((e) => e.type === 'payment_disputed'), 'the order told of the complaint');
  const complaint = t.client.workflow.getHandle(complaintWorkflowId(told.complaints[0]));
  await complaint.executeUpdate(complaintAction, { args: [{ action: 'acknowledge', note: '您好，我们正在核实', actor: 'agent-li' }] });
  await complaint.executeUpdate(complaintAction, { args: [{ action: 'reject', note: '卡密经核实可用，请按说明兑换', actor: 'agent-li' }] });
  for (let i = 0; i < 100 && !wechat.complaintsCompleted.includes(complaintId); i++) await new Promise((r) => setTimeout(r, 100));
  expect(wechat.complaintResponses.map((r) => r.text)).toEqual(['您好，我们正在核实', '卡密经核实可用，请按说明兑换']);
  await dispute.signal(disputeNoticed, notice('MERCHANT_CONFIRM_COMPLETE', 'wechatpay:replay-2'));
  await dispute.result();
  await complaint.result();
  await handle.result();
  await save('dispute-wechatpay-completed', dispute);
  await save('complaint-wechatpay-answered', complaint);
  await save('order-wechatpay-complaint', handle);
});
