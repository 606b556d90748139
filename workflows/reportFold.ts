import { condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { ledger, localStore } from './activities';
import { foldReportNow } from './messages';

/** Facts folded per activity: small enough for one heartbeat interval, large enough to keep up. */
export const FOLD_BATCH = 2_000;
/** Batches per pass; a backlog beyond that is folded on the next pass. */
const MAX_BATCHES = 50;
/** Passes per run before it carries on in a new run (continue-as-new): an idle pass adds about six events. */
export const FOLD_PASSES_PER_RUN = 500;
/** Runs started before the interval was passed in (the schedule's default then). */
const DEFAULT_EVERY_MS = 30_000;

/** How often the fold looks for facts: REPORT_FOLD_EVERY, passed by the schedule that starts it. */
export interface FoldWatch {
  everyMs: number;
  /** Passes before a new run; FOLD_PASSES_PER_RUN unless given (tests give a few). */
  passesPerRun?: number;
}

/**
 * Fold the facts the projections recorded into the report ledger. One run keeps watch: every
 * `everyMs` it asks the store whether facts wait (a local activity, no task queue trip) and folds
 * them when they do, so an idle shop costs a timer and one small read per interval, and the
 * workflow list shows one fold instead of thousands a day. It carries on in a new run every
 * FOLD_PASSES_PER_RUN passes. The schedule that starts it never overlaps its runs, which makes it
 * the ledger's only writer, and starts it again if it ever ends.
 */
export async function reportFoldWorkflow(watch?: FoldWatch): Promise<{ facts: number }> {
  // Versioned: runs begun before folded once and ended, started anew by the schedule each time.
  if (!patched(FOLD_KEEPS_WATCH)) return { facts: (await foldBacklog()).facts };
  const everyMs = watch?.everyMs ?? DEFAULT_EVERY_MS;
  const passes = watch?.passesPerRun ?? FOLD_PASSES_PER_RUN;
  let facts = 0;
  let asked = false;
  setHandler(foldReportNow, () => void (asked = true));
  for (let pass = 0; pass < passes && !workflowInfo().continueAsNewSuggested; pass++) {
    if (await localStore.reportFactsWaiting()) {
      const folded = await foldBacklog();
      facts += folded.facts;
      if (folded.more) continue; // a backlog past one pass: on with it at once
    }
    await condition(() => asked, everyMs);
    asked = false;
  }
  return continueAsNew<typeof reportFoldWorkflow>({ ...watch, everyMs });
}

/** Fold what waits now, batch after batch, up to MAX_BATCHES. */
async function foldBacklog(): Promise<{ facts: number; more: boolean }> {
  let facts = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const folded = await ledger.foldReportFacts({ limit: FOLD_BATCH });
    facts += folded.facts;
    if (folded.facts < FOLD_BATCH) return { facts, more: false };
  }
  return { facts, more: true };
}

/** Patch ids of the fold, kept until no run without them is left. */
const FOLD_KEEPS_WATCH = 'fold-keeps-watch';
