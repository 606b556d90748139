import { COMPLAINT_CATEGORIES, COMPLAINT_CHANNELS, type ComplaintCategory, type ComplaintChannel } from '../../domain/complaint';
import { percentile, RECHECK_OUTCOMES, TO_AGENTS, type RecheckOutcome } from '../../domain/autoRecheck';
import { DEFAULT_MERCHANT } from '../../domain/merchant';
import type { LedgerEntry } from './entries';

export interface Period {
  from: Date;
  to: Date;
}

export interface ComplaintReport {
  period: { from: string; to: string };
  totals: { orders: number; complaints: number; refunds: number };
  byCategory: { category: ComplaintCategory; complaints: number; share: number }[];
  byChannel: { channel: ComplaintChannel; complaints: number; share: number }[];
  autoRecheck: AutoRecheckReport;
  bySku: { sku: string; orders: number; complaints: number; complaintRate: number | null; refunds: number; refundRate: number | null }[];
  sla: {
    firstResponseOnTime: number | null;
    resolutionOnTime: number | null;
    medianFirstResponseMinutes: number | null;
    medianResolutionMinutes: number | null;
  };
  satisfaction: { responses: number; satisfiedShare: number | null; averageRating: number | null };
}

/**
 * How the automatic re-check of key_invalid complaints performed: how many it re-checked, how many it
 * resolved with a new key (no agent) and how fast from filing (median, 95th percentile), how many of
 * those the buyer reopened, and how many went to the agents and why.
 */
export interface AutoRecheckReport {
  rechecked: number;
  resolved: number;
  medianSeconds: number | null;
  p95Seconds: number | null;
  reopened: number;
  toAgents: Record<(typeof TO_AGENTS)[number], number>;
}

/** What the sales report counts of orders: all taken, those paid and refunded, and their money by currency (minor units). */
export interface SalesTally {
  orders: number;
  paid: number;
  refunds: number;
  revenue: Record<string, number>;
  refunded: Record<string, number>;
}

/**
 * The reports' raw figures for a set of orders and complaints. Tallies add up, so a day's tally
 * is kept in the ledger and a period's is the sum of its days. The minutes are kept whole, since
 * medians do not add up.
 */
export interface Tally {
  sales: SalesTally;
  skus: Record<string, { orders: number; refunds: number; complaints: number }>;
  categories: Record<string, number>;
  /** By channel; absent in tallies folded before channels (all of theirs were web). */
  channels?: Record<string, number>;
  /** Seconds from filing to the automatic re-check's resolution; absent in tallies folded before it. */
  autoResolvedSeconds?: number[];
  /** Re-checked complaints by where the re-check left them, and its replacements reopened; absent in tallies folded before it. */
  recheck?: { outcomes: Partial<Record<RecheckOutcome, number>>; reopened: number };
  firstOnTime: number;
  firstSettled: number;
  resolvedOnTime: number;
  resolutionSettled: number;
  responses: number;
  satisfied: number;
  rated: number;
  ratingSum: number;
  firstResponseMinutes: number[];
  resolutionMinutes: number[];
  /**
   * The tallies of the merchants other than `default`, each apart: the figures above are `default`'s
   * alone, as they were before merchants, and the platform's are all of them together.
   */
  merchants?: Record<string, Tally>;
}

export function emptySales(): SalesTally {
  return { orders: 0, paid: 0, refunds: 0, revenue: {}, refunded: {} };
}

export function emptyTally(): Tally {
  return {
    sales: emptySales(),
    skus: {},
    categories: {},
    channels: {},
    autoResolvedSeconds: [],
    recheck: { outcomes: {}, reopened: 0 },
    firstOnTime: 0,
    firstSettled: 0,
    resolvedOnTime: 0,
    resolutionSettled: 0,
    responses: 0,
    satisfied: 0,
    rated: 0,
    ratingSum: 0,
    firstResponseMinutes: [],
    resolutionMinutes: [],
  };
}

function skuOf(tally: Tally, sku: string) {
  return (tally.skus[sku] ??= { orders: 0, refunds: 0, complaints: 0 });
}

/** Count one order or complaint into the tally (a merchant's into its own, see Tally.merchants). */
export function count(tally: Tally, entry: LedgerEntry): void {
  if (entry.merchantId && entry.merchantId !== DEFAULT_MERCHANT) {
    const { merchantId, ...own } = entry;
    return count(((tally.merchants ??= {})[merchantId] ??= emptyTally()), own as LedgerEntry);
  }
  if (entry.kind === 'order') {
    const { sales } = tally;
    sales.orders += 1;
    if (!entry.sold) return;
    sales.paid += 1;
    if (entry.amount) addMoney(sales.revenue, entry.amount.currency, entry.amount.amount);
    skuOf(tally, entry.sku).orders += 1;
    if (entry.refunded) {
      sales.refunds += 1;
      if (entry.amount) addMoney(sales.refunded, entry.amount.currency, entry.amount.amount);
      skuOf(tally, entry.sku).refunds += 1;
    }
    return;
  }
  skuOf(tally, entry.sku).complaints += 1;
  tally.categories[entry.category] = (tally.categories[entry.category] ?? 0) + 1;
  const channels = (tally.channels ??= {});
  const channel = entry.channel ?? 'web';
  channels[channel] = (channels[channel] ?? 0) + 1;
  if (entry.autoResolvedSeconds !== undefined && entry.autoResolvedSeconds !== null) (tally.autoResolvedSeconds ??= []).push(entry.autoResolvedSeconds);
  if (entry.autoRecheck) {
    const recheck = (tally.recheck ??= { outcomes: {}, reopened: 0 });
    recheck.outcomes[entry.autoRecheck.outcome] = (recheck.outcomes[entry.autoRecheck.outcome] ?? 0) + 1;
    if (entry.autoRecheck.reopened) recheck.reopened += 1;
  }
  if (entry.firstResponseOnTime !== null) {
    tally.firstSettled += 1;
    if (entry.firstResponseOnTime) tally.firstOnTime += 1;
  }
  if (entry.resolutionOnTime !== null) {
    tally.resolutionSettled += 1;
    if (entry.resolutionOnTime) tally.resolvedOnTime += 1;
  }
  if (entry.satisfied !== null) {
    tally.responses += 1;
    if (entry.satisfied) tally.satisfied += 1;
    if (entry.rating !== null) {
      tally.rated += 1;
      tally.ratingSum += entry.rating;
    }
  }
  if (entry.firstResponseMinutes !== null) tally.firstResponseMinutes.push(entry.firstResponseMinutes);
  if (entry.resolutionMinutes !== null) tally.resolutionMinutes.push(entry.resolutionMinutes);
}

/** The tally of a set of entries. */
export function tallyOf(entries: Iterable<LedgerEntry>): Tally {
  const tally = emptyTally();
  for (const entry of entries) count(tally, entry);
  return tally;
}

function addMoney(into: Record<string, number>, currency: string, amount: number): void {
  into[currency] = (into[currency] ?? 0) + amount;
}

/** Add another sales tally into this one. */
export function combineSales(into: SalesTally, other: SalesTally): void {
  into.orders += other.orders;
  into.paid += other.paid;
  into.refunds += other.refunds;
  for (const [currency, amount] of Object.entries(other.revenue)) addMoney(into.revenue, currency, amount);
  for (const [currency, amount] of Object.entries(other.refunded)) addMoney(into.refunded, currency, amount);
}

/** Add another tally (another hour's) into this one. */
export function combine(into: Tally, other: Tally): void {
  // Hours folded before the sales report existed carry no sales figures.
  if (other.sales) combineSales(into.sales, other.sales);
  for (const [sku, s] of Object.entries(other.skus)) {
    const mine = skuOf(into, sku);
    mine.orders += s.orders;
    mine.refunds += s.refunds;
    mine.complaints += s.complaints;
  }
  for (const [category, n] of Object.entries(other.categories)) into.categories[category] = (into.categories[category] ?? 0) + n;
  const channels = (into.channels ??= {});
  // A tally folded before channels counted only the buyer's own complaints.
  const otherChannels = other.channels ?? { web: Object.values(other.categories).reduce((a, b) => a + b, 0) };
  for (const [channel, n] of Object.entries(otherChannels)) if (n > 0) channels[channel] = (channels[channel] ?? 0) + n;
  (into.autoResolvedSeconds ??= []).push(...(other.autoResolvedSeconds ?? []));
  const recheck = (into.recheck ??= { outcomes: {}, reopened: 0 });
  // A tally folded before outcomes were kept counted only the re-check's replacements.
  const otherRecheck = other.recheck ?? { outcomes: { replaced: other.autoResolvedSeconds?.length ?? 0 }, reopened: 0 };
  for (const [outcome, n] of Object.entries(otherRecheck.outcomes) as [RecheckOutcome, number][]) recheck.outcomes[outcome] = (recheck.outcomes[outcome] ?? 0) + n;
  recheck.reopened += otherRecheck.reopened;
  for (const field of ['firstOnTime', 'firstSettled', 'resolvedOnTime', 'resolutionSettled', 'responses', 'satisfied', 'rated', 'ratingSum'] as const) {
    into[field] += other[field];
  }
  into.firstResponseMinutes.push(...other.firstResponseMinutes);
  into.resolutionMinutes.push(...other.resolutionMinutes);
  for (const [merchantId, theirs] of Object.entries(other.merchants ?? {})) combine(((into.merchants ??= {})[merchantId] ??= emptyTally()), theirs);
}

/** Every merchant's figures, or the platform's (all merchants') when `merchantId` is PLATFORM. */
export function tallyFor(tally: Tally, merchantId: string): Tally {
  if (merchantId === PLATFORM) {
    const all = emptyTally();
    combine(all, { ...tally, merchants: undefined });
    for (const theirs of Object.values(tally.merchants ?? {})) combine(all, theirs);
    return all;
  }
  if (merchantId === DEFAULT_MERCHANT) return { ...tally, merchants: undefined };
  return tally.merchants?.[merchantId] ?? emptyTally();
}

/** Not a merchant: the whole platform (merchant ids take no "*"). */
export const PLATFORM = '*';

/** The complaint ranking (投诉排行榜) of a tally: shares, rates and medians, worst first. */
export function reportOf(tally: Tally, { from, to }: Period): ComplaintReport {
  const totals = { orders: 0, complaints: 0, refunds: 0 };
  for (const s of Object.values(tally.skus)) {
    totals.orders += s.orders;
    totals.complaints += s.complaints;
    totals.refunds += s.refunds;
  }
  return {
    period: { from: from.toISOString(), to: to.toISOString() },
    totals,
    byCategory: COMPLAINT_CATEGORIES.map((category) => {
      const n = tally.categories[category] ?? 0;
      return { category, complaints: n, share: ratio(n, totals.complaints) ?? 0 };
    }).sort((a, b) => b.complaints - a.complaints),
    byChannel: COMPLAINT_CHANNELS.map((channel) => {
      const n = tally.channels?.[channel] ?? 0;
      return { channel, complaints: n, share: ratio(n, totals.complaints) ?? 0 };
    }).sort((a, b) => b.complaints - a.complaints),
    autoRecheck: autoRecheckOf(tally),
    bySku: Object.entries(tally.skus)
      .map(([sku, s]) => ({
        sku,
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
      medianFirstResponseMinutes: median(tally.firstResponseMinutes),
      medianResolutionMinutes: median(tally.resolutionMinutes),
    },
    satisfaction: {
      responses: tally.responses,
      satisfiedShare: ratio(tally.satisfied, tally.responses),
      averageRating: tally.rated === 0 ? null : round(tally.ratingSum / tally.rated, 2),
    },
  };
}

function autoRecheckOf(tally: Tally): AutoRecheckReport {
  const seconds = tally.autoResolvedSeconds ?? [];
  const outcomes = tally.recheck?.outcomes ?? {};
  const p95 = percentile(seconds, 0.95);
  return {
    rechecked: RECHECK_OUTCOMES.reduce((n, outcome) => n + (outcomes[outcome] ?? 0), 0),
    resolved: seconds.length,
    medianSeconds: median(seconds),
    p95Seconds: p95 === null ? null : round(p95, 1),
    reopened: tally.recheck?.reopened ?? 0,
    toAgents: { valid: outcomes.valid ?? 0, no_answer: outcomes.no_answer ?? 0, not_replaced: outcomes.not_replaced ?? 0 },
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

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return round(sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, 1);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
