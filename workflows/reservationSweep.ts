import { continueAsNew, sleep, workflowInfo } from '@temporalio/workflow';
import { sweeps } from './activities';

/** Passes per run before it carries on in a new run (continue-as-new): a pass adds about a dozen events. */
export const SWEEP_PASSES_PER_RUN = 200;

/** How often the sweep looks: RESERVATION_SWEEP, passed by the schedule that starts it. */
export interface SweepWatch {
  sweepMs: number;
  /** Passes before a new run; SWEEP_PASSES_PER_RUN unless given (tests give a few). */
  passesPerRun?: number;
}

/**
 * Return orphaned reservations to stock: keys an order reserved whose workflow no longer runs
 * (terminated, reset away, gone), which nobody would ever deliver or release. One run keeps watch,
 * started and kept by a schedule (worker/schedules.ts) as the report fold is: every half
 * RESERVATION_SWEEP it sweeps the reservations older than half RESERVATION_SWEEP, so a key is back
 * within RESERVATION_SWEEP (and a pass's own seconds) of the moment its order could no longer use
 * it, whenever it was reserved: orphaned long after its reservation, by the next pass; orphaned
 * at once, by the pass after the one that first finds it too young.
 * A fresh reservation is not even looked at (most live a few milliseconds); an old one is swept only
 * when Temporal says its order's workflow is not running (activities/reservationSweep.ts).
 */
export async function reservationSweepWorkflow(watch: SweepWatch): Promise<void> {
  const halfMs = Math.max(1, Math.floor(watch.sweepMs / 2));
  const passes = watch.passesPerRun ?? SWEEP_PASSES_PER_RUN;
  for (let pass = 0; pass < passes && !workflowInfo().continueAsNewSuggested; pass++) {
    await sweeps.sweepOrphanedReservations({ olderThanMs: halfMs });
    await sleep(halfMs);
  }
  return continueAsNew<typeof reservationSweepWorkflow>(watch);
}
