import { heartbeat } from '@temporalio/activity';
import { foldFacts, type FoldResult } from '../db/report/ledger';
import type { ActivityDeps } from './deps';

export function reportActivities({ store }: ActivityDeps) {
  return {
    /** Whether any recorded fact waits for the fold: one indexed read of at most one document. */
    async reportFactsWaiting(): Promise<boolean> {
      return (await store.reportInbox.findOne({}, { _id: 1 }).lean()) !== null;
    },
    /** Fold a batch of recorded facts into the report ledger's hours and days. */
    async foldReportFacts({ limit }: { limit: number }): Promise<FoldResult> {
      // Beat on a timer for the whole fold, not only between steps: a step held up by a slow store is
      // still a live fold, and must not pass the ledger's heartbeat timeout and start again.
      const beat = setInterval(() => heartbeat(), 10_000);
      try {
        return await foldFacts(store, { limit, progress: () => heartbeat() });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
