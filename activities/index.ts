import { complaintActivities } from './complaints';
import type { ActivityDeps } from './deps';
import { inventoryActivities } from './inventory';
import { notificationActivities } from './notifications';
import { paymentActivities } from './payments';
import { readModelActivities } from './readmodel';
import { reportActivities } from './reports';
import { stockWatch } from './stockAlerts';
import { validationActivities } from './validation';

/** Every activity the worker registers, bound to its connections (as in Temporal's samples). */
export function createActivities(deps: ActivityDeps) {
  const inventory = inventoryActivities(deps);
  const stock = stockWatch(deps);
  return {
    ...inventory,
    /**
     * Taking keys may cross a stock alert's line: the alert is raised here, once per crossing, beside
     * the order rather than in its way (afterTaking never fails; an alert it could not hand over, the
     * next order's look hands over).
     */
    async reserveKeys(args: Parameters<typeof inventory.reserveKeys>[0]): ReturnType<typeof inventory.reserveKeys> {
      const held = await inventory.reserveKeys(args);
      void stock.afterTaking(args.sku);
      return held;
    },
    async reserveKey(claim: Parameters<typeof inventory.reserveKey>[0]): ReturnType<typeof inventory.reserveKey> {
      const key = await inventory.reserveKey(claim);
      void stock.afterTaking(claim.sku);
      return key;
    },
    ...validationActivities(deps),
    ...paymentActivities(deps),
    ...notificationActivities(deps),
    ...readModelActivities(deps),
    ...complaintActivities(deps),
    ...reportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
