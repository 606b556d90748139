import type { Client } from '@temporalio/client';
import type { Store } from '../../db/store';

/*
 * Everything a request could have changed: every document of every collection in the product's
 * database, and every workflow on its task queue with the length of its history. A refused request
 * must leave all of it exactly as it was.
 */

export interface ProductState {
  collections: Record<string, unknown[]>;
  workflows: Record<string, number>;
}

export async function productState(store: Store, client: Client, taskQueue: string): Promise<ProductState> {
  const db = store.connection.db!;
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.')).sort();
  const collections: Record<string, unknown[]> = {};
  for (const name of names) collections[name] = await db.collection(name).find().sort({ _id: 1 }).toArray();
  const workflows: Record<string, number> = {};
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    const described = await client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    workflows[`${wf.workflowId}/${wf.runId}`] = described.historyLength;
  }
  return { collections, workflows };
}

/** The state once nothing moves any more (projections and outbox writes of earlier steps done). */
export async function settledState(store: Store, client: Client, taskQueue: string, timeoutMs = 30_000): Promise<ProductState> {
  const deadline = Date.now() + timeoutMs;
  let last = await productState(store, client, taskQueue);
  for (;;) {
    await new Promise((r) => setTimeout(r, 700));
    const now = await productState(store, client, taskQueue);
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    if (Date.now() > deadline) throw new Error('the product kept changing its state with no request in flight');
    last = now;
  }
}

/** Collections whose documents differ between two states, and workflows that moved: what to show when a check fails. */
export function stateChanges(before: ProductState, after: ProductState): string[] {
  const changes: string[] = [];
  for (const name of new Set([...Object.keys(before.collections), ...Object.keys(after.collections)])) {
    const a = JSON.stringify(before.collections[name] ?? []);
    const b = JSON.stringify(after.collections[name] ?? []);
    if (a !== b) changes.push(`${name}: ${(before.collections[name] ?? []).length} → ${(after.collections[name] ?? []).length} documents, contents differ`);
  }
  for (const id of new Set([...Object.keys(before.workflows), ...Object.keys(after.workflows)])) {
    if (before.workflows[id] !== after.workflows[id]) changes.push(`workflow ${id}: history ${before.workflows[id] ?? 'absent'} → ${after.workflows[id] ?? 'absent'} events`);
  }
  return changes;
}
