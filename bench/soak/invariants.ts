import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import type { HistoryAndWorkflowId } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { stockOf } from '../../db/inventory';
import type { OrderViewDoc } from '../../db/schemas';
import type { Store } from '../../db/store';
import type { Vault } from '../../db/vault';
import { orderWorkflowId, WORKING_ORDER_STATUSES } from '../../domain/order';
import type { Money } from '../../domain/money';

/*
 * What must hold once a soak's orders have settled, checked from the store, the payment provider's
 * own refund log and Temporal. Each check answers its violations (empty when it holds), so a run
 * can report all of them instead of stopping at the first.
 */

export interface Check {
  name: string;
  violations: string[];
}

/** One refund the provider paid out (one per refund id, however often it was retried). */
export interface Payout {
  refundId: string;
  orderId: string;
  paymentId: string;
  amount: Money;
}

/** A payment the provider took whose notice never came: only the provider (and the soak) know it. */
export interface PaymentWithoutNotice {
  orderId: string;
  paymentId: string;
  amount: Money;
}

/**
 * Keys are conserved per product (available + reserved + delivered + revoked + invalid = imported,
 * as the stock count says and as the documents say), and no code went to two orders.
 */
export async function keysConserved(store: Store, vault: Vault, skus: string[]): Promise<Check> {
  const violations: string[] = [];
  for (const sku of skus) {
    const [keys, claims, stock] = await Promise.all([store.keys.find({ sku }).lean(), store.claims.find({ sku }).lean(), stockOf(store, sku)]);
    const keyById = new Map(keys.map((k) => [k._id, k]));
    const strays = claims.filter((c) => !keyById.has(c._id));
    if (strays.length) violations.push(`${sku}: ${strays.length} claims of keys never imported for it`);
    const total = stock.available + stock.reserved + stock.delivered + stock.revoked + stock.invalid;
    if (total !== keys.length) violations.push(`${sku}: ${JSON.stringify(stock)} adds up to ${total}, ${keys.length} imported`);
    if (stock.available !== keys.length - claims.length) violations.push(`${sku}: ${stock.available} available, but ${keys.length - claims.length} keys have no claim`);
    const handedOut = claims.filter((c) => (c.state === 'delivered' || c.state === 'revoked') && keyById.has(c._id)).map((c) => vault.open(keyById.get(c._id)!.code));
    const twice = handedOut.length - new Set(handedOut).size;
    if (twice > 0) violations.push(`${sku}: ${twice} codes handed to more than one order`);
  }
  return { name: 'keys conserved, none delivered twice', violations };
}

/**
 * Nothing the clients were told was taken is missing: every order a storefront was answered for
 * (201, or 200 for a retried create) is in the read model, and every payment notice an API
 * acknowledged (200) is on record, so the money check below judges each of them.
 */
export async function nothingLost(store: Store, orderIds: string[], acknowledged: { eventId: string; orderId: string; paymentId: string }[]): Promise<Check> {
  const [views, events] = await Promise.all([
    store.orderViews.find({ _id: { $in: orderIds } }, { _id: 1 }).lean(),
    store.paymentEvents.find({ _id: { $in: acknowledged.map((a) => a.eventId) } }, { _id: 1, orderId: 1, paymentId: 1 }).lean(),
  ]);
  const seen = new Set(views.map((v) => v._id));
  const recorded = new Map(events.map((e) => [e._id, `${e.orderId}/${e.paymentId}`]));
  const violations = [
    ...[...new Set(orderIds)].filter((id) => !seen.has(id)).map((id) => `order ${id} was created for a client and is not in the read model`),
    ...acknowledged.filter((a) => recorded.get(a.eventId) !== `${a.orderId}/${a.paymentId}`).map((a) => `payment notice ${a.eventId} (${a.orderId}/${a.paymentId}) was acknowledged and is not on record`),
  ];
  if (orderIds.length === 0) violations.push('no order was created: there was nothing to lose');
  return { name: 'nothing lost: every order created and every payment notice acknowledged is on record', violations };
}

/**
 * Money is conserved: every payment the provider took (reported as succeeded, or taken with its
 * notice lost) ends with its order's keys delivered (all of them) or with exactly one refund of it
 * paid out, never both and never neither; a refund pays back what was paid (a coupon's discount is
 * not refunded); no refund is of a payment that never succeeded.
 */
export async function moneyConserved(store: Store, payouts: Payout[], withoutNotice: PaymentWithoutNotice[] = []): Promise<Check> {
  const [events, views, delivered] = await Promise.all([
    store.paymentEvents.find({ status: 'succeeded' }).lean(),
    store.orderViews.find({}, { 'view.paymentId': 1, 'view.quantity': 1, status: 1 }).lean<Pick<OrderViewDoc, '_id' | 'status' | 'view'>[]>(),
    store.claims.find({ state: 'delivered' }, { orderId: 1 }).lean(),
  ]);
  const viewOf = new Map(views.map((v) => [v._id, v]));
  const deliveredTo = new Map<string, number>();
  for (const c of delivered) deliveredTo.set(c.orderId as string, (deliveredTo.get(c.orderId as string) ?? 0) + 1);
  const refundsOf = new Map<string, Payout[]>();
  for (const p of payouts) refundsOf.set(`${p.orderId}/${p.paymentId}`, [...(refundsOf.get(`${p.orderId}/${p.paymentId}`) ?? []), p]);
  const payments = new Map<string, { orderId: string; paymentId: string; amount: Money }>([...events, ...withoutNotice].map((e) => [`${e.orderId}/${e.paymentId}`, e]));
  const violations: string[] = [];
  for (const [id, e] of payments) {
    const row = viewOf.get(e.orderId);
    const kept = row !== undefined && row.view.paymentId === e.paymentId && deliveredTo.get(e.orderId) === row.view.quantity;
    const refunds = refundsOf.get(id) ?? [];
    if ((kept ? 1 : 0) + refunds.length !== 1) violations.push(`payment ${id} (order ${row?.status ?? 'unknown'}): ${kept ? 'keys delivered' : 'no keys kept'} and ${refunds.length} refunds`);
    for (const r of refunds) if (r.amount.amount !== e.amount.amount || r.amount.currency !== e.amount.currency) violations.push(`refund ${r.refundId} of payment ${id} paid back ${r.amount.amount} ${r.amount.currency}, not the ${e.amount.amount} ${e.amount.currency} paid`);
  }
  for (const id of refundsOf.keys()) if (!payments.has(id)) violations.push(`refund of ${id}, a payment that never succeeded`);
  return { name: 'money conserved: each paid order delivered or refunded, exactly once', violations };
}

/**
 * No order sits in a working status (paid and not delivered, refunding, out of stock...), in the read
 * model or in Temporal, and no refund is still on its way: a refund is a workflow of its own that
 * outlives the order (a payment of the wrong amount is refunded while the order goes on to deliver),
 * so an order at rest does not mean its money is. `explain`: each such order (the first EXPLAINED)
 * says why it does not move.
 */
export async function nothingStuck(store: Store, client: Client, taskQueue: string, explain = false): Promise<Check> {
  const working = await store.orderViews.find({ status: { $in: [...WORKING_ORDER_STATUSES] } }, { status: 1 }).lean();
  const violations = await Promise.all(
    working.map(async (row, i) => `order ${row._id} is ${row.status}${explain && i < EXPLAINED ? `: ${await whyStuck(client, orderWorkflowId(row._id))}` : ''}`),
  );
  const statuses = WORKING_ORDER_STATUSES.map((s) => `'${s}'`).join(', ');
  const { count } = await client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND OrderStatus IN (${statuses})`);
  if (count > 0) violations.push(`${count} running order workflows in a working status`);
  const refunds = await client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND WorkflowType IN ('refund', 'strayPayment')`);
  if (refunds.count > 0) violations.push(`${refunds.count} refund or stray-payment workflows still running`);
  return { name: 'no order stuck in a working status', violations };
}

/**
 * Every workflow's history replays against the code as shipped, as a new worker replays it when the
 * one that had it cached dies: one that fails (a nondeterminism error) stops at its next task, on
 * whichever worker, and waits for a person to reset it, whether or not the run happened to replay it.
 */
export async function everyHistoryReplays(workflowBundlePath: string, histories: HistoryAndWorkflowId[], keepFailedIn?: string): Promise<Check> {
  const violations: string[] = [];
  const byId = new Map(histories.map((h) => [h.workflowId, h.history]));
  for await (const { workflowId, error } of Worker.runReplayHistories({ workflowBundle: { codePath: workflowBundlePath } }, histories)) {
    if (!error) continue;
    // The SDK wraps core's failure in its own words: the failure's message is what says why.
    let violation = `${workflowId} fails on replay: ${(/message: "((?:[^"\\]|\\.)*)"/.exec(error.message)?.[1] ?? error.message).slice(0, 240)}`;
    // The history is what tells why, and the server that had it may not outlive the run.
    if (keepFailedIn) violation += ` (its history: ${keepHistory(keepFailedIn, workflowId, byId.get(workflowId))})`;
    violations.push(violation);
  }
  return { name: 'every workflow replays on a new worker', violations };
}

function keepHistory(dir: string, workflowId: string, history: HistoryAndWorkflowId['history'] | undefined): string {
  const file = join(dir, `${workflowId.replace(/[^\w.-]/g, '_')}.json`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ workflowId, history: history ? JSON.parse(historyToJSON(history as temporal.api.history.v1.IHistory)) : null }, null, 1)}\n`);
  return file;
}

/** How many stuck orders the soak explains (each costs a history fetch). */
const EXPLAINED = 20;

/** Why an order's workflow does not move on, from Temporal: its task failing, an activity it waits on, or neither. */
export async function whyStuck(client: Client, workflowId: string): Promise<string> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const [described, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    if (described.status.name !== 'RUNNING') return `its workflow is ${described.status.name}`;
    return stuckReason(history.events ?? [], described.raw.pendingActivities ?? []);
  } catch (err) {
    return `its workflow cannot be read: ${err instanceof Error ? err.message : String(err)}`;
  }
}

type Event = temporal.api.history.v1.IHistoryEvent;
type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

/** The reason, from a running workflow's history and its pending activities. */
export function stuckReason(events: Event[], pending: PendingActivity[]): string {
  const last = (has: (e: Event) => boolean) => events.reduce((at, e, i) => (has(e) ? i : at), -1);
  const failed = last((e) => !!e.workflowTaskFailedEventAttributes);
  if (failed > last((e) => !!e.workflowTaskCompletedEventAttributes)) {
    const message = events[failed].workflowTaskFailedEventAttributes?.failure?.message ?? 'no message';
    return `its workflow task fails (${message.slice(0, 200)})`;
  }
  if (pending.length > 0) {
    return `it waits on ${pending.map((a) => `${a.activityType?.name ?? 'an activity'} (attempt ${a.attempt ?? 1}${a.lastFailure?.message ? `, last: ${a.lastFailure.message.slice(0, 120)}` : ''})`).join(', ')}`;
  }
  return 'no task failing and no activity pending: it waits for a timer, a signal or an update';
}

/** No key code in any text the product let out: its logs, the webhooks it sent, the workflows' histories. */
export function noCodeLeaked(codePattern: RegExp, texts: { where: string; text: string }[]): Check {
  const violations: string[] = [];
  for (const { where, text } of texts) {
    const found = text.match(codePattern);
    if (found) violations.push(`${found.length} key codes in ${where} (first: …${found[0].slice(-4)})`);
  }
  return { name: 'no key code in logs, webhooks or histories', violations };
}
