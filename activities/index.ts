import { complaintActivities } from './complaints';
import { couponActivities } from './coupons';
import type { ActivityDeps, WorkerActivityDeps } from './deps';
import { emailActivities } from './email';
import { fulfilmentActivities } from './fulfilment';
import { incidentActivities } from './incidents';
import { inventoryActivities } from './inventory';
import { notificationActivities } from './notifications';
import { paymentActivities } from './payments';
import { readModelActivities, type OrderStep } from './readmodel';
import { refundActivities } from './refunds';
import { reportActivities } from './reports';
import { reservationSweepActivities } from './reservationSweep';
import { restockActivities } from './restock';
import { stockWatch } from './stockAlerts';
import { validationActivities } from './validation';

/** Every activity the worker registers, bound to its connections (as in Temporal's samples). */
export function createActivities(deps: WorkerActivityDeps) {
  const stock = stockWatch(deps);
  const plain = inventoryActivities(deps);
  const inventory = {
    ...plain,
    /**
     * Taking keys may cross a stock alert's line: the alert is raised here, once per crossing, beside
     * the order rather than in its way (afterTaking never fails; an alert it could not hand over, the
     * next order's look hands over).
     */
    async reserveKeys(args: Parameters<typeof plain.reserveKeys>[0]): ReturnType<typeof plain.reserveKeys> {
      const held = await plain.reserveKeys(args);
      void stock.afterTaking(args.sku);
      return held;
    },
    async reserveKey(claim: Parameters<typeof plain.reserveKey>[0]): ReturnType<typeof plain.reserveKey> {
      const key = await plain.reserveKey(claim);
      void stock.afterTaking(claim.sku);
      return key;
    },
  };
  const validation = validationActivities(deps);
  const readModel = readModelActivities(deps);
  const activities = {
    ...inventory,
    ...validation,
    ...paymentActivities(deps),
    ...refundActivities(deps),
    ...notificationActivities(deps),
    ...readModel,
    /** A step that hands the buyer keys marks their claims delivered before its row shows them. */
    async recordOrderStep(step: OrderStep): ReturnType<typeof readModel.recordOrderStep> {
      if (step.deliver?.length) await inventory.markKeysDelivered({ orderId: step.view.orderId, keyIds: step.deliver });
      return readModel.recordOrderStep(step);
    },
    ...complaintActivities(deps),
    ...reportActivities(deps),
    ...reservationSweepActivities(deps),
    ...emailActivities(deps),
    ...restockActivities(deps, inventory.countAvailableKeys),
    ...incidentActivities(deps),
    ...couponActivities(deps),
  };
  // Made of the steps registered beside it, looked up as it runs: a worker that registers its own
  // version of a step (a test holding it at a gate) has it used inside too.
  return Object.assign(activities, fulfilmentActivities(activities));
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps, WorkerActivityDeps };
