import { COMPLAINT_CATEGORIES, type ComplaintCategory } from '../domain/complaint';
import type { OrderStatus } from '../domain/order';
import type { Store } from './store';

/** Orders nobody paid for cannot be complained about, so they do not count as sold. */
const UNSOLD: readonly OrderStatus[] = ['AWAITING_PAYMENT', 'CANCELLED'];

export interface Period {
  from: Date;
  to: Date;
}

export interface ComplaintReport {
  period: { from: string; to: string };
  totals: { orders: number; complaints: number; refunds: number };
  byCategory: { category: ComplaintCategory; complaints: number; share: number }[];
  bySku: { sku: string; orders: number; complaints: number; complaintRate: number | null; refunds: number; refundRate: number | null }[];
  sla: {
    firstResponseOnTime: number | null;
    resolutionOnTime: number | null;
    medianFirstResponseMinutes: number | null;
    medianResolutionMinutes: number | null;
  };
  satisfaction: { responses: number; satisfiedShare: number | null; averageRating: number | null };
}

type Count<K> = { _id: K; n: number };

/** What the report tells apart about a complaint; null where it is still open to either answer. */
interface ComplaintFacts {
  sku: string;
  category: ComplaintCategory;
  firstResponse: boolean | null;
  resolution: boolean | null;
  satisfied: boolean | null;
  rating: number | null;
}

/**
 * The complaint ranking (投诉排行榜) for orders and complaints created in [from, to): what buyers
 * complain about, which products draw complaints and refunds, whether the agents keep their
 * deadlines, and whether buyers were satisfied. Worst first.
 *
 * The store filters and counts (FerretDB's $group knows only $sum and $count, so no averages or
 * medians there); medians come from a projection of just the minutes. Same answer on both stores.
 */
export async function complaintReport(store: Store, { from, to }: Period): Promise<ComplaintReport> {
  const created = { createdAt: { $gte: from, $lt: to } };
  // Every query but one by _id scans its collection on FerretDB, so the complaints are read twice
  // only: counted by every figure the report needs at once, and their minutes for the medians.
  const [orders, complaints, minutes] = await Promise.all([
    store.orderViews.aggregate<Count<{ sku: string; status: OrderStatus }>>([
      { $match: created },
      { $group: { _id: { sku: '$sku', status: '$status' }, n: { $sum: 1 } } },
    ]),
    store.complaintViews.aggregate<Count<ComplaintFacts>>([
      { $match: created },
      {
        $group: {
          _id: {
            sku: '$sku',
            category: '$category',
            firstResponse: '$firstResponseOnTime',
            resolution: '$resolutionOnTime',
            satisfied: '$satisfied',
            rating: '$rating',
          },
          n: { $sum: 1 },
        },
      },
    ]),
    store.complaintViews
      .find(created, { _id: 0, firstResponseMinutes: 1, resolutionMinutes: 1 })
      .lean<{ firstResponseMinutes?: number | null; resolutionMinutes?: number | null }[]>(),
  ]);

  const skus = new Map<string, { orders: number; complaints: number; refunds: number }>();
  const sku = (name: string) => skus.get(name) ?? skus.set(name, { orders: 0, complaints: 0, refunds: 0 }).get(name)!;
  for (const { _id, n } of orders) {
    if (UNSOLD.includes(_id.status)) continue;
    sku(_id.sku).orders += n;
    if (_id.status === 'REFUNDED') sku(_id.sku).refunds += n;
  }
  const byCategory = new Map<ComplaintCategory, number>(COMPLAINT_CATEGORIES.map((c) => [c, 0]));
  const tally = { firstOnTime: 0, firstSettled: 0, resolvedOnTime: 0, resolutionSettled: 0, responses: 0, satisfied: 0, rated: 0, ratingSum: 0 };
  for (const { _id, n } of complaints) {
    sku(_id.sku).complaints += n;
    byCategory.set(_id.category, (byCategory.get(_id.category) ?? 0) + n);
    if (_id.firstResponse !== null && _id.firstResponse !== undefined) {
      tally.firstSettled += n;
      if (_id.firstResponse) tally.firstOnTime += n;
    }
    if (_id.resolution !== null && _id.resolution !== undefined) {
      tally.resolutionSettled += n;
      if (_id.resolution) tally.resolvedOnTime += n;
    }
    if (_id.satisfied !== null && _id.satisfied !== undefined) {
      tally.responses += n;
      if (_id.satisfied) tally.satisfied += n;
      if (typeof _id.rating === 'number') {
        tally.rated += n;
        tally.ratingSum += _id.rating * n;
      }
    }
  }
  const totals = { orders: 0, complaints: 0, refunds: 0 };
  for (const s of skus.values()) {
    totals.orders += s.orders;
    totals.complaints += s.complaints;
    totals.refunds += s.refunds;
  }

  return {
    period: { from: from.toISOString(), to: to.toISOString() },
    totals,
    byCategory: [...byCategory]
      .map(([category, n]) => ({ category, complaints: n, share: ratio(n, totals.complaints) ?? 0 }))
      .sort((a, b) => b.complaints - a.complaints),
    bySku: [...skus]
      .map(([name, s]) => ({
        sku: name,
        orders: s.orders,
        complaints: s.complaints,
        complaintRate: ratio(s.complaints, s.orders),
        refunds: s.refunds,
        refundRate: ratio(s.refunds, s.orders),
      }))
      .sort(worstFirst),
    sla: {
      firstResponseOnTime: ratio(tally.firstOnTime, tally.firstSettled),
      resolutionOnTime: ratio(tally.resolvedOnTime, tally.resolutionSettled),
      medianFirstResponseMinutes: median(minutes.map((m) => m.firstResponseMinutes)),
      medianResolutionMinutes: median(minutes.map((m) => m.resolutionMinutes)),
    },
    satisfaction: {
      responses: tally.responses,
      satisfiedShare: ratio(tally.satisfied, tally.responses),
      averageRating: tally.rated === 0 ? null : round(tally.ratingSum / tally.rated, 2),
    },
  };
}

/**
 * The ranking: the highest complaint rate first (a product with complaints but no sales in the
 * period goes after those with a rate), then more complaints, then the higher refund rate.
 */
function worstFirst(a: ComplaintReport['bySku'][number], b: ComplaintReport['bySku'][number]): number {
  return (
    (b.complaintRate ?? -1) - (a.complaintRate ?? -1) ||
    b.complaints - a.complaints ||
    (b.refundRate ?? -1) - (a.refundRate ?? -1) ||
    (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)
  );
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : round(part / whole, 4);
}

function median(values: (number | null | undefined)[]): number | null {
  const sorted = values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return round(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, 1);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
