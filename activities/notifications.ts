import { ApplicationFailure } from '@temporalio/activity';
import { isDuplicateKeyError, onlyDuplicateKeyErrors } from '../db/store';
import { reachedAddressRefusal } from '../security/outboundAddress';
import { sign } from '../security/signature';
import { standardWebhookHeaders } from '../security/standardWebhooks';
import type { OutboxDoc } from '../db/schemas';
import type { Notification } from '../domain/notification';
import type { ActivityDeps } from './deps';
import { DEFAULT_MERCHANT, ofStockId } from '../domain/merchant';
import { OrderMerchants } from '../db/merchants';
import { readSettings } from '../db/merchantSettings';
import { callJson, isRefusal, isSuccess, safeUrl } from './http';


/** What the storefront receives: an order's or complaint's event, or a product's stock event. */
function webhookBody(entry: OutboxDoc): Record<string, unknown> {
  const at = entry.at.toISOString();
  if (entry.sku !== undefined && entry.orderId === undefined) {
    return { eventId: entry._id, type: entry.type, sku: ofStockId(entry.sku).sku, available: entry.available, at };
  }
  return {
    eventId: entry._id,
    type: entry.type,
    orderId: entry.orderId,
    ...(entry.complaintId ? { complaintId: entry.complaintId } : {}),
    status: entry.status,
    at,
  };
}

export function notificationActivities({ store, vault, config }: ActivityDeps) {
  const merchants = new OrderMerchants(store);
  /**
   * Where an event goes. Another merchant's order or product: that merchant's own webhook (its
   * settings), or nowhere. The first shop's order: the webhook of the storefront that created it
   * (STOREFRONT_WEBHOOKS), so no storefront hears of another's orders; else the shop's own.
   */
  async function targetOf(event: { orderId?: string; sku?: string }): Promise<{ url: string; secret: string; merchants?: true } | undefined> {
    const { orderId } = event;
    const merchantId = orderId !== undefined ? await merchants.of(orderId) : event.sku !== undefined ? ofStockId(event.sku).merchantId : DEFAULT_MERCHANT;
    if (merchantId !== DEFAULT_MERCHANT) {
      const own = (await readSettings(store, vault, merchantId)).webhook;
      return own ? { ...own, merchants: true } : undefined;
    }
    const configured = config.storefrontWebhook !== undefined || Object.keys(config.storefrontWebhooks).length > 0;
    if (!configured) return undefined;
    if (orderId === undefined || Object.keys(config.storefrontWebhooks).length === 0) return config.storefrontWebhook;
    const access = await store.orderAccess.findById(orderId, { storefront: 1 }).lean();
    const own = access ? config.storefrontWebhooks[access.storefront] : undefined;
    return own ?? config.storefrontWebhook;
  }

  async function recordNotifications(events: Notification[]): Promise<{ webhook: boolean }> {
    const webhook = (await targetOf(events[0] ?? {})) !== undefined;
    if (events.length === 0) return { webhook };
    const entries = events.map((n) => ({ _id: n.eventId, ...n, at: new Date(n.at), delivery: webhook ? 'pending' : 'not_configured', attempts: 0 }));
    try {
      await store.outbox.insertMany(entries, { ordered: false });
    } catch (err) {
      // A retry finds its own entries there.
      if (!onlyDuplicateKeyErrors(err) && !isDuplicateKeyError(err)) throw err;
    }
    return { webhook };
  }

  return {
    /** Keep the notification in the outbox (once per event id); says whether a webhook should carry it. */
    recordNotification: (n: Notification) => recordNotifications([n]),

    /** Several events of one step at once, each kept once per event id; says whether a webhook should carry them. */
    recordNotifications,

    /** POST one outbox entry to the storefront, signed both ways (X-Signature, Standard Webhooks); anything but a 2xx is retried with backoff. */
    async sendStorefrontWebhook({ eventId }: { eventId: string }): Promise<void> {
      const entry = await store.outbox.findById(eventId).lean();
      if (!entry) throw ApplicationFailure.nonRetryable(`outbox entry ${eventId} does not exist`, 'UnknownNotification');
      const target = await targetOf(entry);
      if (!target || entry.delivery === 'sent') return;
      // A merchant's own URL, on a platform that keeps them off its network: checked again before each call (its name may resolve elsewhere now).
      const refused = target.merchants && config.merchantWebhookAddresses === 'public' ? await reachedAddressRefusal(target.url) : undefined;
      if (refused) {
        await store.outbox.updateOne({ _id: eventId }, { $set: { delivery: 'refused', refusedReason: refused } });
        return;
      }
      const body = JSON.stringify(webhookBody(entry));
      await store.outbox.updateOne({ _id: eventId }, { $set: { attempts: entry.attempts + 1 } });
      // Signed at each attempt: a Standard Webhooks receiver refuses a timestamp over 5 minutes old.
      const answer = await callJson('POST', target.url, config.outboundHttpTimeoutMs, body, {
        ...standardWebhookHeaders(eventId, body, target.secret),
        'X-Signature': sign(body, target.secret),
      });
      if (isRefusal(answer.status)) {
        // The storefront says the event itself is wrong: asking again changes nothing.
        await store.outbox.updateOne({ _id: eventId }, { $set: { delivery: 'refused', refusedStatus: answer.status } });
        return;
      }
      if (!isSuccess(answer.status)) {
        throw ApplicationFailure.retryable(`storefront webhook at ${safeUrl(target.url)} answered ${answer.status}`, 'WebhookRejected');
      }
      await store.outbox.updateOne({ _id: eventId }, { $set: { delivery: 'sent', sentAt: new Date() } });
    },

    /** The storefront did not take the event in `after`: it is kept as `expired`, no longer asked (unless it went through meanwhile). */
    async expireStorefrontWebhook({ eventId, after }: { eventId: string; after: string }): Promise<void> {
      await store.outbox.updateOne({ _id: eventId, delivery: 'pending' }, { $set: { delivery: 'expired', expiredAfter: after } });
    },
  };
}
