import { ledger } from './activities';

/** Facts folded per activity: small enough for one heartbeat interval, large enough to keep up. */
export const FOLD_BATCH = 2_000;
/** Batches per run; a backlog beyond that waits for the next scheduled run. */
const MAX_BATCHES = 50;

/**
 * Fold the facts the projections recorded into the report ledger. It runs on a schedule that
 * never overlaps its runs, which makes it the ledger's only writer.
 */
export async function reportFoldWorkflow(): Promise<{ facts: number }> {
  let facts = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const folded = await ledger.foldReportFacts({ limit: FOLD_BATCH });
    facts += folded.facts;
    if (folded.facts < FOLD_BATCH) break;
  }
  return { facts };
}
