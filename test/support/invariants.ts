import type { Client } from '@temporalio/client';
import { stockOf, type Stock } from '../../db/inventory';
import type { Store } from '../../db/store';
import type { Vault } from '../../db/vault';
import { orderWorkflowId, type OrderStatus } from '../../domain/order';
import { capturedLogs } from './harness';
import { historyText } from './history';

/*
 * design.md's invariants 1, 2 and 3, checked from the database and the provider's ledger once every
 * order under test has settled (delivered or refunded, nothing in flight).
 */

/** Statuses in which the buyer holds the order's keys. */
const HOLDING_KEYS: readonly OrderStatus[] = ['DELIVERED', 'REFUND_REQUESTED', 'COMPLETED'];

/**
 * Keys are conserved: every claim is of a key imported for the sku, imported = available + reserved
 * + delivered + revoked + invalid as counted from the documents (and as the API reports it), what
 * each order's view holds is what its claims say, and no code went to two orders.
 */
export async function expectKeysConserved(store: Store, vault: Vault, sku: string): Promise<Stock> {
  const [keys, claims] = await Promise.all([store.keys.find({ sku }).lean(), store.claims.find({ sku }).lean()]);
  const keyById = new Map(keys.map((k) => [k._id, k]));
  expect(claims.filter((c) => !keyById.has(c._id)).map((c) => c._id)).toEqual([]);

  const claimed = new Set(claims.map((c) => c._id));
  const free = keys.filter((k) => !claimed.has(k._id));
  const counted: Stock = { available: free.length, reserved: 0, delivered: 0, revoked: 0, invalid: 0 };
  for (const c of claims) counted[c.state] += 1;
  expect(counted.available + counted.reserved + counted.delivered + counted.revoked + counted.invalid).toBe(keys.length);
  expect(await stockOf(store, sku)).toEqual(counted);

  const handedOut = claims.filter((c) => c.state === 'delivered' || c.state === 'revoked');
  const codes = handedOut.map((c) => vault.open(keyById.get(c._id)!.code));
  expect(new Set(codes).size).toBe(codes.length);
  // What the read model says each order holds is what the claims say.
  const views = await store.orderViews.find({ sku }).lean();
  for (const row of views) {
    if (!HOLDING_KEYS.includes(row.status)) continue;
    const held = handedOut.filter((c) => c.orderId === row._id && c.state === 'delivered').map((c) => c._id).sort();
    expect({ orderId: row._id, keys: row.view.keys.map((k) => k.keyId).sort() }).toEqual({ orderId: row._id, keys: held });
  }
  return counted;
}

export interface RefundRecord {
  orderId: string;
  paymentId: string;
}

/**
 * Money is conserved: every successful payment the provider notified ends in exactly one of its
 * order's keys delivered (all of them) or exactly one refund of that payment; no refund is of a
 * payment that never succeeded.
 */
export async function expectMoneyConserved(store: Store, refunds: readonly RefundRecord[]): Promise<void> {
  const [events, views, claims] = await Promise.all([
    store.paymentEvents.find({ status: 'succeeded' }).lean(),
    store.orderViews.find().lean(),
    store.claims.find({ state: 'delivered' }).lean(),
  ]);
  const viewOf = new Map(views.map((v) => [v._id, v]));
  const payments = [...new Map(events.map((e) => [`${e.orderId}/${e.paymentId}`, { orderId: e.orderId, paymentId: e.paymentId }])).values()];
  const outcomes = payments.map(({ orderId, paymentId }) => {
    const row = viewOf.get(orderId);
    // The claims are the truth of what the buyer holds (the read model's status may lag a step).
    const delivered =
      row !== undefined && row.view.paymentId === paymentId && claims.filter((c) => c.orderId === orderId).length === row.view.quantity;
    const refunded = refunds.filter((r) => r.orderId === orderId && r.paymentId === paymentId).length;
    return { orderId, paymentId, delivered, refunded };
  });
  expect(outcomes.filter((o) => (o.delivered ? 1 : 0) + o.refunded !== 1)).toEqual([]);
  const paid = new Set(payments.map((p) => `${p.orderId}/${p.paymentId}`));
  expect(refunds.filter((r) => !paid.has(`${r.orderId}/${r.paymentId}`))).toEqual([]);
}

/** The sandbox provider's ledger: the refunds it paid out. */
export async function sandboxRefunds(store: Store): Promise<RefundRecord[]> {
  return store.refunds.find().lean();
}

/** No secret leaks: no key code in these orders' Temporal histories (payloads decoded) or in any log line. */
export async function expectNoCodeLeaked(client: Client, orderIds: readonly string[], codes: readonly string[]): Promise<void> {
  const histories = await Promise.all(orderIds.map(async (id) => historyText(await client.workflow.getHandle(orderWorkflowId(id)).fetchHistory())));
  const logs = capturedLogs.join('');
  for (const code of codes) {
    expect({ code, histories: histories.filter((h) => h.includes(code)).length, inLogs: logs.includes(code) }).toEqual({ code, histories: 0, inLogs: false });
  }
}
