import { syncQueueEntry } from '../db/complaintQueue';
import { wholeComplaintView } from '../db/complaintView';
import { NO_DEADLINE, type ComplaintViewDoc } from '../db/schemas';
import { projectNewer } from '../db/projection';
import { complaintEntry } from '../db/report/entries';
import { recordEntry } from '../db/report/ledger';
import { needsEarlierFigures, recheckFigures, type RecheckFigures } from '../domain/autoRecheck';
import type { ComplaintView, ComplaintViewDelta } from '../domain/complaint';
import type { ActivityDeps } from './deps';
import { merchantField, OrderMerchants } from '../db/merchants';

/** Which of a complaint's deadlines passed unmet, as only its workflow knows for sure. */
export interface Breaches {
  firstResponse: boolean;
  resolution: boolean;
}

export function complaintActivities({ store }: ActivityDeps) {
  const merchants = new OrderMerchants(store);
  return {
    /**
     * Project the complaint for the agents' queue and the complaint ranking. Complaints filed since
     * complaint-projects-new-messages send only the messages the read model does not hold yet.
     */
    async projectComplaint({ seq, view, breaches }: { seq: number; view: ComplaintView | ComplaintViewDelta; breaches: Breaches }): Promise<void> {
      const whole = await wholeComplaintView(store, view);
      // Only a re-check's replacement since reopened needs its earlier step's figures (rare: read only then).
      const earlier = needsEarlierFigures(whole) ? (await store.complaintViews.findById(whole.complaintId).select('autoRecheck').lean())?.autoRecheck : undefined;
      const row = { ...complaintRow(seq, whole, breaches, earlier), ...merchantField(await merchants.of(whole.orderId)) };
      await syncQueueEntry(store, await projectNewer(store.complaintViews, row));
      await recordEntry(store, complaintEntry(row));
    },
  };
}

/** The read-model row of a complaint: its view, and the figures the queue and the report need. */
export function complaintRow(seq: number, view: ComplaintView, breaches: Breaches, earlierRecheck?: RecheckFigures | null): ComplaintViewDoc {
  const recheck = recheckFigures(view, earlierRecheck);
  const settled = view.status === 'RESOLVED' || view.status === 'CLOSED';
  // On the buyer's turn nothing is due from the agents: the row sorts by when the buyer's time runs out.
  return {
    _id: view.complaintId,
    seq,
    orderId: view.orderId,
    sku: view.sku,
    category: view.category,
    // The legacy release's complaints have none: the buyer's own.
    channel: view.channel ?? 'web',
    status: view.status,
    createdAt: new Date(view.createdAt),
    dueAt: settled ? NO_DEADLINE : view.status === 'AWAITING_BUYER' && view.buyerReplyDueAt ? new Date(view.buyerReplyDueAt) : earliest(view.firstRespondedAt ? [view.resolutionDueAt] : [view.firstResponseDueAt, view.resolutionDueAt]),
    firstResponseOnTime: breaches.firstResponse ? false : view.firstRespondedAt ? view.firstRespondedAt <= view.firstResponseDueAt : null,
    // A reopened complaint was resolved once; it stays on time unless a deadline is breached.
    resolutionOnTime: breaches.resolution ? false : view.resolvedAt || view.reopenCount > 0 ? true : null,
    firstResponseMinutes: minutesBetween(view.createdAt, view.firstRespondedAt),
    resolutionMinutes: minutesBetween(view.createdAt, view.resolvedAt),
    satisfied: view.satisfaction?.satisfied ?? null,
    rating: view.satisfaction?.rating ?? null,
    autoResolvedSeconds: recheck?.outcome === 'replaced' ? recheck.seconds : null,
    autoRecheck: recheck,
    view: JSON.stringify(view),
  };
}

function earliest(isoTimes: string[]): Date {
  return new Date(Math.min(...isoTimes.map((t) => Date.parse(t))));
}

function minutesBetween(fromIso: string, toIso: string | undefined): number | null {
  return toIso === undefined ? null : (Date.parse(toIso) - Date.parse(fromIso)) / 60_000;
}
