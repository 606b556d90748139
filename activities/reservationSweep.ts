import { WorkflowNotFoundError } from '@temporalio/client';
import { releaseReserved } from '../db/inventory';
import { addOrderNote } from '../db/orderNotes';
import { isDuplicateKeyError, type Store } from '../db/store';
import type { ClaimDoc } from '../db/schemas';
import { orderWorkflowId } from '../domain/order';
import { heartbeat } from './http';
import type { WorkerActivityDeps } from './deps';

/** Claims read per page: a pass reads every old reservation, a page at a time. */
const PAGE = 500;

/** What Temporal says of an order's workflow, as far as its reserved keys go. */
type Fate = { running: true } | { running: false; workflow: string };

/**
 * The reservation sweep's step (workflows/reservationSweep.ts): keys reserved before `olderThanMs`
 * ago whose order's workflow no longer runs go back to stock. Only the order's workflow delivers or
 * releases its keys, so once it is terminated, reset away or gone (past the namespace's retention)
 * nobody ever will. A running workflow keeps every key it holds, however long (a supplier down for
 * hours): Temporal is asked about each order, and only a closed or unknown workflow is swept.
 */
export function reservationSweepActivities({ store, temporal }: Pick<WorkerActivityDeps, 'store' | 'temporal'>) {
  async function fateOf(orderId: string): Promise<Fate> {
    try {
      const { status } = await temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
      // The latest run of the id: a continued-as-new run has its successor running.
      if (status.name === 'RUNNING' || status.name === 'CONTINUED_AS_NEW') return { running: true };
      return { running: false, workflow: status.name };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { running: false, workflow: 'NOT_FOUND' };
      throw err;
    }
  }

  return {
    async sweepOrphanedReservations({ olderThanMs }: { olderThanMs: number }): Promise<{ released: number; kept: number }> {
      const cutoff = new Date(Date.now() - olderThanMs);
      const fates = new Map<string, Fate>();
      let released = 0;
      let kept = 0;
      // Paged by _id (its index serves every store): a claim released meanwhile is simply not met again.
      for (let after = ''; ; ) {
        const page = await store.claims.find({ _id: { $gt: after }, state: 'reserved', claimedAt: { $lt: cutoff } }).sort({ _id: 1 }).limit(PAGE).lean();
        for (const claim of page) {
          heartbeat();
          let fate = fates.get(claim.orderId);
          if (!fate) fates.set(claim.orderId, (fate = await fateOf(claim.orderId)));
          if (fate.running) {
            kept += 1;
            continue;
          }
          await sweep(store, claim, fate.workflow);
          released += 1;
        }
        if (page.length < PAGE) return { released, kept };
        after = page[page.length - 1]._id;
      }
    },
  };
}

/**
 * One orphaned reservation back to stock: recorded first (the count /metrics shows, and the order's
 * timeline when the order is known), then released, so a step cut short and run again does the same
 * once. The release is the one an order's own makes: only a claim still reserved by that order goes.
 */
async function sweep(store: Store, claim: ClaimDoc, workflow: string): Promise<void> {
  const sweptAt = new Date();
  const { _id: keyId, orderId, sku, slot, claimedAt } = claim;
  await onceOnly(() => store.sweptReservations.create({ _id: `${orderId}:${keyId}`, orderId, keyId, sku, slot, claimedAt, sweptAt, workflow }));
  if (await store.orderViews.exists({ _id: orderId })) {
    const why = workflow === 'NOT_FOUND' ? 'no longer known to Temporal' : workflow.toLowerCase().replace(/_/g, ' ');
    await addOrderNote(store, `${orderId}.reservation_released.${keyId}`, orderId, {
      at: sweptAt.toISOString(),
      type: 'reservation_released',
      actor: 'system',
      detail: `key ${keyId} (slot ${slot}), reserved since ${claimedAt.toISOString()}, returned to stock: the order's workflow is ${why}, so it would never be delivered or released`,
    });
  }
  await releaseReserved(store, orderId, sku, [keyId]);
}

async function onceOnly(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
}
