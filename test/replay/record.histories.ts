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
import { buyerConfirm, complaintAction, decideRefund, fileComplaint, paymentNotified, requestRefund } from '../../workflows/messages';
import { keyCodes, paymentNotice, seedProduct, startOrder, queryUntil, type Backend } from '../support/orders';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';

let t: TimeSkipping;
let b: Backend;

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
  t = await startTimeSkipping({ PAYMENT_TIMEOUT: '15m', RESTOCK_WAIT: '30m' });
  b = { store: t.store, vault: t.vault, config: t.config, client: t.client };
  await seedProduct(b, 'replay-keys', { refundWindow: '24h', complaintWindow: '7d' }, keyCodes(6, 'REPLAY'));
  await seedProduct(b, 'replay-empty', {}, []);
});

afterAll(async () => {
  await t?.stop();
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
