import { ParentClosePolicy, continueAsNew, sleep, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import { detectedIncident, incidentToOpen, incidentWorkflowId, newIncident } from '../domain/incident';
import { store } from './activities';
import { now } from './time';

/** Passes per run before it carries on in a new run (continue-as-new). */
export const WATCH_PASSES_PER_RUN = 500;

/** What the watcher is told by the schedule that starts it (worker/schedules.ts), from configuration. */
export interface IncidentWatch {
  everyMs: number;
  minOrders: number;
  sloMs: number;
  /** Passes before a new run; WATCH_PASSES_PER_RUN unless given. */
  passesPerRun?: number;
}

/**
 * The product's own look-out for an outage: every INCIDENT_CHECK_EVERY it counts the paid orders of
 * the last 5 minutes that missed INCIDENT_DELIVERY_SLO (paid from when the provider says the buyer
 * paid, so orders whose notices were lost count too), and opens an incident when there are
 * INCIDENT_MIN_ORDERS of them that no open incident explains (domain/incident.ts: incidentToOpen).
 * One run keeps watch (a schedule starts it again if it ever ends), so two incidents are never
 * opened for one outage: the incident is in the read model before the next look, and orders paid
 * before the last one was resolved were that one's.
 */
export async function incidentWatchWorkflow(watch: IncidentWatch): Promise<void> {
  const passes = watch.passesPerRun ?? WATCH_PASSES_PER_RUN;
  for (let pass = 0; pass < passes && !workflowInfo().continueAsNewSuggested; pass++) {
    const seen = await store.watchDeliveries();
    const cause = incidentToOpen(seen, watch.minOrders);
    if (cause) {
      const incidentId = uuid4().replace(/-/g, '');
      const input = detectedIncident(incidentId, seen, seen.from, now(), watch.sloMs, cause);
      await store.recordIncident({ seq: 0, view: newIncident(input) });
      await startChild('incident', { workflowId: incidentWorkflowId(incidentId), args: [input], parentClosePolicy: ParentClosePolicy.ABANDON });
    }
    await sleep(watch.everyMs);
  }
  return continueAsNew<typeof incidentWatchWorkflow>(watch);
}
