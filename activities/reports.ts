import { heartbeat } from '@temporalio/activity';
import { foldFacts, type FoldResult } from '../db/report/ledger';
import type { ActivityDeps } from './deps';

export function reportActivities({ store }: ActivityDeps) {
  return {
    /** Fold a batch of recorded facts into the report ledger's hours and days. */
    async foldReportFacts({ limit }: { limit: number }): Promise<FoldResult> {
      return foldFacts(store, { limit, progress: () => heartbeat() });
    },
  };
}
