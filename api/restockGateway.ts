import type { Client } from '@temporalio/client';
import type { Logger } from '../config/logger';
import { waitingForStock } from '../db/merchants';
import type { Store } from '../db/store';
import { restockWorkflowId } from '../domain/restock';
import { stockArrived } from '../workflows/messages';

/** An import waits no longer than this for Temporal to take the offer: its keys are stored already. */
const HAND_OVER_WITHIN_MS = 3_000;

/** What an import's answer says about the orders waiting for the stock it brought. */
export interface RestockHandOver {
  /** Paid orders of the sku waiting for stock (OUT_OF_STOCK in the read model) as the import answered. */
  waitingOrders: number;
  /**
   * `handed_over`: the sku's restock owner (`restockWorkflowId`) has the offer and makes it, oldest
   * payment first, after this answer. `not_needed`: nothing was imported. `unconfirmed`: Temporal did
   * not confirm it in time (it may still have it); waiting orders look at the stock by themselves
   * within a minute either way.
   */
  restockOffer: 'handed_over' | 'not_needed' | 'unconfirmed';
  restockWorkflowId?: string;
}

/**
 * Hands new stock to the sku's restock owner (workflows/restock.ts), starting it if it is not
 * running: the request that imported the keys answers at once, and the offer to waiting orders
 * survives this process.
 */
export class RestockGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  async handOver(sku: string, imported: number): Promise<RestockHandOver> {
    const waitingOrders = await this.store.orderViews.countDocuments(waitingForStock(sku));
    if (imported === 0) return { waitingOrders, restockOffer: 'not_needed' };
    const workflowId = restockWorkflowId(sku);
    try {
      await this.client.withDeadline(Date.now() + HAND_OVER_WITHIN_MS, () =>
        this.client.workflow.signalWithStart('restock', { taskQueue: this.taskQueue, workflowId, args: [sku], signal: stockArrived, signalArgs: [] }),
      );
      return { waitingOrders, restockOffer: 'handed_over', restockWorkflowId: workflowId };
    } catch (err) {
      // The keys are stored: the import is done whatever Temporal says now.
      this.logger.warn({ sku, err }, 'restock hand-over not confirmed; waiting orders look at the stock by themselves');
      return { waitingOrders, restockOffer: 'unconfirmed' };
    }
  }
}
