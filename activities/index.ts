import { complaintActivities } from './complaints';
import type { ActivityDeps } from './deps';
import { inventoryActivities } from './inventory';
import { notificationActivities } from './notifications';
import { paymentActivities } from './payments';
import { readModelActivities } from './readmodel';
import { reportActivities } from './reports';
import { validationActivities } from './validation';

/** Every activity the worker registers, bound to its connections (as in Temporal's samples). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...inventoryActivities(deps),
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
