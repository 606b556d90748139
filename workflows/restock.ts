import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { NO_PASS, addPasses, type RestockPass } from '../domain/restock';
import { restocking } from './activities';
import { stockArrived } from './messages';

/**
 * Imports come in bursts (a sale restocked batch after batch): the owner waits this long after its
 * last pass for the next import, then ends; the next import starts it again.
 */
export const RESTOCK_IDLE_MS = 10 * 60_000;
/** Passes per run before it carries on in a new one: a pass adds about a dozen events. */
export const RESTOCK_PASSES_PER_RUN = 200;

/**
 * A product's restock owner (`restock-<sku>`, see domain/restock.ts): every key import of the sku
 * signals it (signal-with-start), and it offers the new stock to the paid orders waiting for it,
 * one at a time, oldest payment first. Imports that arrive during a pass are covered by one more
 * pass, so a burst of imports costs a pass or two, not one each; the offer survives the API that
 * took the import and the worker that ran it (a pass is retried from the read model).
 *
 * `pending`: a run carried on from one that had an import still to offer when it ended.
 */
export async function restock(sku: string, pending = false): Promise<RestockPass> {
  let arrived = pending ? 1 : 0;
  let offered = 0;
  setHandler(stockArrived, () => void (arrived += 1));
  let totals = NO_PASS;
  for (let pass = 0; pass < RESTOCK_PASSES_PER_RUN && !workflowInfo().continueAsNewSuggested; pass++) {
    if (!(await condition(() => arrived > offered, RESTOCK_IDLE_MS))) break;
    offered = arrived; // this pass covers every import up to now
    totals = addPasses(totals, await restocking.offerStockToWaitingOrders({ sku }));
  }
  // An import that came as the run ends is offered by the next run, not dropped with this one.
  if (arrived > offered) return continueAsNew<typeof restock>(sku, true);
  return totals;
}
