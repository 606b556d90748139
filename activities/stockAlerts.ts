import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { alertEventId, markAlertDispatched, raiseStockAlerts } from '../db/stockAlerts';
import { readSettings } from '../db/merchantSettings';
import { isDuplicateKeyError } from '../db/store';
import { DEFAULT_MERCHANT, ofStockId } from '../domain/merchant';
import type { ActivityDeps } from './deps';

/**
 * Watches a product's stock after an order took from it (or an admin removed an unsold key), and
 * tells the storefront `stock.low` / `stock.out` once per crossing: kept in the outbox, carried by
 * the same notification workflow as every other event (retried until the storefront answers 2xx).
 * `temporal` starts that workflow: the activity's own client in the worker, the API's in the API.
 */
export function stockWatch({ store, vault, config, logger }: ActivityDeps, temporal: () => Client = () => Context.current().client) {
  async function dispatch(alert: Awaited<ReturnType<typeof raiseStockAlerts>>[number]): Promise<void> {
    const eventId = alertEventId(alert);
    // The first shop's alerts go to the configured webhook; another merchant's to its own, if it set one.
    const { merchantId } = ofStockId(alert.sku);
    const webhook = merchantId === DEFAULT_MERCHANT ? config.storefrontWebhook !== undefined : (await readSettings(store, vault, merchantId)).webhook !== undefined;
    try {
      await store.outbox.create({
        _id: eventId,
        type: `stock.${alert.kind}`,
        sku: alert.sku,
        available: alert.available,
        status: alert.kind,
        at: alert.at,
        delivery: webhook ? 'pending' : 'not_configured',
        attempts: 0,
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    if (webhook) {
      try {
        await temporal().workflow.start('storefrontNotificationWorkflow', {
          args: [eventId],
          workflowId: `notify-${eventId}`,
          taskQueue: config.temporal.taskQueue,
        });
      } catch (err) {
        // Handed over already (two orders saw it at once); the workflow sends it once.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    await markAlertDispatched(store, alert._id);
  }

  /** Products being looked at, and whether stock was taken from one since its look began. */
  const looking = new Map<string, { takenSince: boolean }>();

  async function look(sku: string): Promise<void> {
    try {
      for (const alert of await raiseStockAlerts(store, sku, config.lowStockThreshold)) await dispatch(alert);
    } catch (err) {
      logger.warn({ err, sku }, 'stock alert not handed over yet; the next reservation retries');
    }
  }

  return {
    /**
     * Never fails the order that took the stock: an alert that could not be handed over stays
     * undispatched and the next order's look hands it over. One look per product at a time: stock
     * taken while one runs gets one more look after it, however many orders took it, so a sale's
     * orders on one product do not each count its stock.
     */
    async afterTaking(sku: string): Promise<void> {
      const running = looking.get(sku);
      if (running) {
        running.takenSince = true;
        return;
      }
      const state = { takenSince: false };
      looking.set(sku, state);
      try {
        do {
          state.takenSince = false;
          await look(sku);
        } while (state.takenSince);
      } finally {
        looking.delete(sku);
      }
    },
  };
}
