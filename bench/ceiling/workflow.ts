import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CeilingActivities } from './activities';

/**
 * The least a durable order can do: start, wait for its payment signal, then three activities in
 * series (as reserve, check and deliver would be). The benchmark's ceiling: what the Temporal
 * server and a worker with the product's options carry on this machine when the steps do nothing.
 */
export const ceilingPaid = defineSignal<[{ paymentId: string }]>('ceilingPaid');

// The same timeout as the product's store activities (workflows/activities.ts).
const steps = proxyActivities<CeilingActivities>({ startToCloseTimeout: '30s' });

export async function ceilingOrder(orderId: string): Promise<string> {
  let paymentId: string | undefined;
  setHandler(ceilingPaid, (notice) => {
    paymentId ??= notice.paymentId;
  });
  await condition(() => paymentId !== undefined);
  await steps.reserve(orderId);
  await steps.check(orderId);
  await steps.deliver(orderId);
  return `${orderId} paid by ${paymentId}`;
}
