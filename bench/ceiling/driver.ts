import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { describe, type PlaceOrder } from '../load';
import { ceilingOrder, ceilingOrderLocal, ceilingPaid } from './workflow';

export const ceilingWorkflowId = (orderId: string) => `ceiling-${orderId}`;

/**
 * One ceiling order as the API would drive it: start the workflow, signal the payment, wait for it
 * to finish. The latency measured is signal sent → workflow completed. `local`: its steps are local
 * activities.
 */
export function ceilingOrders(client: Client, taskQueue: string, local = false): PlaceOrder {
  const workflow = local ? ceilingOrderLocal : ceilingOrder;
  return async (_storefront, timeoutMs) => {
    const orderId = randomBytes(9).toString('base64url');
    let step = 'start';
    try {
      const handle = await client.workflow.start(workflow, { taskQueue, workflowId: ceilingWorkflowId(orderId), args: [orderId] });
      step = 'signal';
      const signalled = performance.now();
      await handle.signal(ceilingPaid, { paymentId: `pay-${orderId}` });
      step = 'result';
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        handle.result().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (!finished) return { kind: 'timeout', what: `not completed within ${timeoutMs / 1000} s of the signal` };
      return { kind: 'ok', orderId, latencyMs: performance.now() - signalled, completedAt: Date.now() };
    } catch (err) {
      return { kind: 'error', what: `${step}: ${describe(err)}` };
    }
  };
}
