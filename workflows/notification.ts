import { storefront } from './activities';

/**
 * Carries one outbox entry to the storefront's webhook, retrying until it answers 2xx. Its own
 * workflow so a storefront that is down never holds up an order.
 */
export async function storefrontNotificationWorkflow(eventId: string): Promise<void> {
  await storefront.sendStorefrontWebhook({ eventId });
}
