import { condition, defineSignal, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { CeilingActivities } from './activities';

/**
 * The least a durable order can do: start, wait for its payment signal, then three activities in
 * series (as reserve, check and deliver would be). The benchmark's ceilings: what the Temporal
 * server and a worker with the product's options carry on this machine when the steps do nothing,
 * with the steps as regular activities (each a trip through the task queue) or as local activities
 * (run inside the workflow task, as the product's store steps are).
 */
export const ceilingPaid = defineSignal<[{ paymentId: string }]>('ceilingPaid');

// The same timeout as the product's store activities (workflows/activities.ts).
const steps = proxyActivities<CeilingActivities>({ startToCloseTimeout: '30s' });
const localSteps = proxyLocalActivities<CeilingActivities>({ startToCloseTimeout: '30s' });

async function paidThen(orderId: string, run: CeilingActivities): Promise<string> {
  let paymentId: string | undefined;
  setHandler(ceilingPaid, (notice) => {
    paymentId ??= notice.paymentId;
  });
  await condition(() => paymentId !== undefined);
  await run.reserve(orderId);
  await run.check(orderId);
  await run.deliver(orderId);
  return `${orderId} paid by ${paymentId}`;
}

export async function ceilingOrder(orderId: string): Promise<string> {
  return paidThen(orderId, steps);
}

export async function ceilingOrderLocal(orderId: string): Promise<string> {
  return paidThen(orderId, localSteps);
}
