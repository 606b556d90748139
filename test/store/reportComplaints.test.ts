import { complaintRow } from '../../activities/complaints';
import { complaintReport, type ComplaintReport } from '../../db/report/complaintReport';
import { backfillLedger } from '../../db/report/backfill';
import { complaintEntry, hourOf, monthsBetween, orderEntry, type LedgerEntry } from '../../db/report/entries';
import { foldFacts, monthDays, recordEntry } from '../../db/report/ledger';
import type { Tally } from '../../db/report/tally';
import { openStore, type Store } from '../../db/store';
import { COMPLAINT_CATEGORIES, type ComplaintCategory, type ComplaintView } from '../../domain/complaint';
import type { OrderStatus } from '../../domain/order';
import { testConfig } from '../support/harness';

/**
 * The complaint ranking against the real store (FerretDB here), on a seeded set of orders and
 * complaints whose counts, rates and medians this test works out on its own from the seed: with
 * every fact still waiting in the ledger's inbox, part folded, all folded, and with stale and
 * repeated facts recorded after the fold, for whole days and for a period cut mid-hour.
 */
const MINUTE = 60_000;
const FROM = new Date('2025-03-01T00:00:00.000Z');
const TO = new Date('2025-04-01T00:00:00.000Z');
/** A period whose ends cut through a day and an hour, so the ledger must count from its entries. */
const CUT = { from: new Date(FROM.getTime() + (5 * 60 + 37) * MINUTE), to: new Date(TO.getTime() - (2 * 60 + 13) * MINUTE) };

/** A small deterministic generator, so a failure can be replayed. */
function lcg(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((x / 2 ** 31) * n); // the high bits: an LCG's low bits repeat quickly
  };
}

interface SeedOrder {
  id: string;
  sku: string;
  status: OrderStatus;
  createdAt: Date;
}
interface SeedComplaint {
  id: string;
  sku: string;
  category: ComplaintCategory;
  createdAt: Date;
  respondedAfterMin?: number;
  firstResponseBreached: boolean;
  resolvedAfterMin?: number;
  resolutionBreached: boolean;
  satisfied?: boolean;
  rating?: number;
  /** A key_invalid complaint's automatic re-check: its verdict, and for a replacement how fast and whether the buyer reopened it. */
  recheck?: { verdict: 'invalid' | 'valid' | 'unknown'; replacedAfterSec?: number; reopened?: boolean };
}

const SKUS = ['steam-100', 'psn-50', 'xbox-25', 'netflix-1m'];
const STATUSES: OrderStatus[] = ['COMPLETED', 'DELIVERED', 'REFUNDED', 'CANCELLED', 'AWAITING_PAYMENT', 'REFUNDING'];

function seed(): { orders: SeedOrder[]; complaints: SeedComplaint[] } {
  const rnd = lcg(42);
  const span = TO.getTime() - FROM.getTime();
  // Some fall before, some after, some exactly at an end: `from` is in a period, `to` is not.
  const edges = [FROM, TO, CUT.from, CUT.to];
  const when = (i: number) => edges[i] ?? new Date(FROM.getTime() - span / 4 + rnd(Math.floor(span * 1.5) / MINUTE) * MINUTE);
  const orders = Array.from({ length: 400 }, (_, i) => ({
    id: `o${i}`,
    sku: SKUS[rnd(SKUS.length - (i % 3 === 0 ? 0 : 1))],
    status: STATUSES[rnd(STATUSES.length)],
    createdAt: when(i),
  }));
  const complaints = Array.from({ length: 150 }, (_, i) => {
    const responded = rnd(5) > 0;
    const resolved = responded && rnd(3) > 0;
    const confirmed = resolved && rnd(2) === 0;
    const c: SeedComplaint = {
      id: `c${i}`,
      sku: SKUS[rnd(SKUS.length)],
      category: COMPLAINT_CATEGORIES[rnd(COMPLAINT_CATEGORIES.length)],
      createdAt: when(i),
      firstResponseBreached: !responded ? rnd(2) === 0 : rnd(6) === 0,
      resolutionBreached: rnd(5) === 0,
    };
    if (responded) c.respondedAfterMin = 1 + rnd(180);
    if (resolved) c.resolvedAfterMin = (c.respondedAfterMin as number) + rnd(3000);
    if (confirmed) {
      c.satisfied = rnd(3) > 0;
      if (rnd(4) > 0) c.rating = 1 + rnd(5);
    }
    return c;
  });
  // The automatic re-check on key_invalid complaints, from a generator of its own so the rest of the seed stays as it was.
  const rechecks = lcg(7);
  for (const c of complaints) {
    if (c.category !== 'key_invalid') continue;
    const pick = rechecks(9);
    if (pick === 0) continue; // not re-checked (a provider's dispute, or the re-check off)
    if (pick === 1) c.recheck = { verdict: 'valid' };
    else if (pick === 2) c.recheck = { verdict: 'unknown' };
    else if (pick === 3) c.recheck = { verdict: 'invalid' };
    else {
      const seconds = 2 + rechecks(60);
      c.recheck = { verdict: 'invalid', replacedAfterSec: seconds, ...(rechecks(4) === 0 ? { reopened: true } : {}) };
      // Resolved by the re-check: answered and resolved at once, the buyer's confirmation aside.
      c.respondedAfterMin = seconds / 60;
      c.resolvedAfterMin = c.recheck.reopened ? undefined : seconds / 60;
      if (c.recheck.reopened) delete c.satisfied;
    }
  }
  // A product complained about in the period but not sold in it: no rate, ranked after the rest.
  complaints.push({ id: 'c-unsold', sku: 'retired-sku', category: 'service', createdAt: new Date(FROM.getTime() + 6 * 60 * MINUTE), firstResponseBreached: true, resolutionBreached: false });
  return { orders, complaints };
}

/** A complaint view as its workflow would hold it, for the seed's facts. */
function viewOf(c: SeedComplaint): ComplaintView {
  const at = (min: number) => new Date(c.createdAt.getTime() + min * MINUTE).toISOString();
  const { recheck } = c;
  const auto = recheck ? { autoRecheck: { verdict: recheck.verdict, at: at(0.01) } } : {};
  if (recheck?.replacedAfterSec !== undefined) {
    const done = at(recheck.replacedAfterSec / 60);
    const resolved = { ...viewBy(c, at), ...auto, firstRespondedAt: done, resolvedAt: done, resolution: 'replaced' as const, resolvedBy: 'system' };
    // Reopened by the buyer: the workflow clears who resolved it and when.
    if (recheck.reopened) return { ...resolved, status: 'ACKNOWLEDGED', resolvedAt: undefined, resolvedBy: undefined, reopenCount: 1 };
    return resolved;
  }
  return { ...viewBy(c, at), ...auto };
}

/** The row of a complaint as its last projection writes it, after those of its earlier steps. */
function rowOf(c: SeedComplaint) {
  const breaches = { firstResponse: c.firstResponseBreached, resolution: c.resolutionBreached };
  // A reopened one's earlier step: resolved by the re-check, as the step before the reopen projected it.
  const earlier = c.recheck?.reopened ? complaintRow(1, viewOf({ ...c, recheck: { ...c.recheck, reopened: false } }), breaches).autoRecheck : undefined;
  return complaintRow(2, viewOf(c), breaches, earlier);
}

function viewBy(c: SeedComplaint, at: (min: number) => string): ComplaintView {
  return {
    complaintId: c.id,
    orderId: `order-of-${c.id}`,
    sku: c.sku,
    category: c.category,
    description: 'seeded',
    evidence: [],
    status: c.satisfied !== undefined ? 'CLOSED' : c.resolvedAfterMin !== undefined ? 'RESOLVED' : c.respondedAfterMin !== undefined ? 'ACKNOWLEDGED' : 'OPEN',
    createdAt: c.createdAt.toISOString(),
    firstResponseDueAt: at(60),
    resolutionDueAt: at(24 * 60),
    ...(c.respondedAfterMin !== undefined ? { firstRespondedAt: at(c.respondedAfterMin) } : {}),
    ...(c.resolvedAfterMin !== undefined ? { resolvedAt: at(c.resolvedAfterMin), resolution: 'rejected' as const } : {}),
    escalated: c.firstResponseBreached || c.resolutionBreached,
    reopenCount: 0,
    ...(c.satisfied !== undefined ? { satisfaction: { satisfied: c.satisfied, ...(c.rating ? { rating: c.rating } : {}) } } : {}),
    messages: [],
  };
}

describe('the complaint ranking', () => {
  let store: Store;
  const { orders, complaints } = seed();
  const current: LedgerEntry[] = [
    ...orders.map((o) => orderEntry({ _id: o.id, seq: 2, sku: o.sku, status: o.status, createdAt: o.createdAt })),
    ...complaints.map((c) => complaintEntry(rowOf(c))),
  ];
  // Earlier steps of a third of them, which a report must never count once a later step is known.
  const stale: LedgerEntry[] = current
    .filter((_, i) => i % 3 === 0)
    .map((e) =>
      e.kind === 'order'
        ? { ...e, seq: 1, sold: !e.sold, refunded: false, sku: 'stale-sku' }
        : { ...e, seq: 1, category: 'other', sku: 'stale-sku', firstResponseOnTime: null, resolutionOnTime: null, firstResponseMinutes: 9999, resolutionMinutes: null, satisfied: null, rating: null },
    );

  beforeAll(async () => {
    store = await openStore(testConfig().mongodbUri);
    // Stale and current interleaved, the way retried activities may record them: half of the
    // earlier steps arrive before the later one, half after it.
    for (let i = 0; i < current.length; i++) {
      const earlier = i % 3 === 0 ? stale[i / 3] : undefined;
      if (earlier && i % 2 === 0) await recordEntry(store, earlier);
      await recordEntry(store, current[i]);
      if (earlier && i % 2 === 1) await recordEntry(store, earlier);
    }
  });
  afterAll(async () => {
    await store?.connection.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  const periods = [
    ['whole days', { from: FROM, to: TO }],
    ['a period cut mid-hour at both ends', CUT],
  ] as const;

  /** Every hour's tally the fold has kept, read back from the month collections the seed spans. */
  const foldedHours = async () => {
    const found = new Map<string, Tally>();
    for (const month of monthsBetween(FROM.getTime() - 31 * 86_400_000, TO.getTime() + 31 * 86_400_000)) {
      for (const [day, hours] of await monthDays(store, month)) for (const [h, tally] of Object.entries(hours)) found.set(`${day}T${h}`, tally);
    }
    return found;
  };

  const expectReports = async () => {
    for (const [, period] of periods) expectReport(await complaintReport(store, period), period, { orders, complaints });
  };

  it('counts every fact still waiting in the inbox, the newest step of each', async () => {
    expect(await store.reportInbox.countDocuments()).toBe(current.length + stale.length);
    expect(await foldedHours()).toEqual(new Map());
    await expectReports();
  });

  it('gives the same answer with part of the facts folded into hours and days', async () => {
    const folded = await foldFacts(store, { limit: 200 });
    expect(folded.facts).toBe(200);
    expect(await store.reportInbox.countDocuments()).toBe(current.length + stale.length - 200);
    await expectReports();
  });

  it('gives the same answer with everything folded, each hour tallied in its day', async () => {
    while ((await foldFacts(store, { limit: 250 })).facts > 0);
    expect(await store.reportInbox.countDocuments()).toBe(0);
    // Every hour that has an order or complaint is tallied, and its tally counts just those.
    const byHour = new Map<string, LedgerEntry[]>();
    for (const e of current) byHour.set(hourOf(e.at), [...(byHour.get(hourOf(e.at)) ?? []), e]);
    const tallied = await foldedHours();
    expect([...tallied.keys()].sort()).toEqual([...byHour.keys()].sort());
    for (const [hour, entries] of byHour) {
      const tally = tallied.get(hour)!;
      const skus = Object.values(tally.skus);
      expect(skus.reduce((n, s) => n + s.complaints, 0)).toBe(entries.filter((e) => e.kind === 'complaint').length);
      expect(skus.reduce((n, s) => n + s.orders, 0)).toBe(entries.filter((e) => e.kind === 'order' && e.sold).length);
    }
    await expectReports();
  });

  it('is not moved by facts recorded again or late, before or after they are folded', async () => {
    // A retried projection records its fact again, and a slow one an earlier step after a later.
    for (const entry of [...stale.slice(0, 40), ...current.slice(0, 40)]) await recordEntry(store, entry);
    await store.reportInbox.create({ _id: 'late-duplicate', entry: JSON.stringify(current[5]), recordedAt: new Date() });
    await expectReports();
    while ((await foldFacts(store, { limit: 250 })).facts > 0);
    await expectReports();
  });

  it('answers an empty period with zeros and no made-up shares', async () => {
    const report = await complaintReport(store, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-02-01T00:00:00Z') });
    expect(report.totals).toEqual({ orders: 0, complaints: 0, refunds: 0 });
    expect(report.bySku).toEqual([]);
    expect(report.byCategory.every((c) => c.complaints === 0 && c.share === 0)).toBe(true);
    expect(report.sla).toEqual({ firstResponseOnTime: null, resolutionOnTime: null, medianFirstResponseMinutes: null, medianResolutionMinutes: null });
    expect(report.satisfaction).toEqual({ responses: 0, satisfiedShare: null, averageRating: null });
    expect(report.autoRecheck).toEqual({ rechecked: 0, resolved: 0, medianSeconds: null, p95Seconds: null, reopened: 0, toAgents: { valid: 0, no_answer: 0, not_replaced: 0 } });
  });
});

describe('a ledger filled from the read models', () => {
  let store: Store;
  const { orders, complaints } = seed();

  beforeAll(async () => {
    store = await openStore(testConfig().mongodbUri);
    // Read-model rows as projections wrote them before the ledger existed.
    await store.orderViews.insertMany(
      orders.map((o, i) => ({ _id: o.id, seq: 2, sku: o.sku, status: o.status, statusSince: o.createdAt, createdAt: o.createdAt, view: { n: i } })),
    );
    await store.complaintViews.insertMany(
      complaints.map((c) => rowOf(c)),
    );
  });
  afterAll(async () => {
    await store?.connection.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  it('counts every order and complaint once, however often it runs', async () => {
    const o = orders[7];
    await recordEntry(store, orderEntry({ _id: o.id, seq: 2, sku: o.sku, status: o.status, createdAt: o.createdAt }));
    // The first run folds after each batch, as the scheduled fold would; the second does not.
    const foldAll = async () => {
      while ((await foldFacts(store, { limit: 500 })).facts > 0);
    };
    expect(await backfillLedger(store, foldAll)).toEqual({ orders: orders.length, complaints: complaints.length });
    expect(await store.reportInbox.countDocuments()).toBe(0);
    for (const period of [{ from: FROM, to: TO }, CUT]) expectReport(await complaintReport(store, period), period, { orders, complaints });
    await backfillLedger(store, async () => undefined);
    expect(await store.reportInbox.countDocuments()).toBe(orders.length + complaints.length);
    for (const period of [{ from: FROM, to: TO }, CUT]) expectReport(await complaintReport(store, period), period, { orders, complaints });
    while ((await foldFacts(store, { limit: 500 })).facts > 0);
    for (const period of [{ from: FROM, to: TO }, CUT]) expectReport(await complaintReport(store, period), period, { orders, complaints });
  });
});

/** The report's figures, worked out from the seed itself. */
function expectReport(
  report: ComplaintReport,
  { from, to }: { from: Date; to: Date },
  { orders, complaints }: { orders: SeedOrder[]; complaints: SeedComplaint[] },
): void {
  const inPeriod = <T extends { createdAt: Date }>(xs: T[]) => xs.filter((x) => x.createdAt >= from && x.createdAt < to);
  const sold = inPeriod(orders).filter((o) => o.status !== 'CANCELLED' && o.status !== 'AWAITING_PAYMENT');
  const filed = inPeriod(complaints);
  expect(filed.length).toBeGreaterThan(50);
  expect(filed.length).toBeLessThan(complaints.length);

  expect(report.period).toEqual({ from: from.toISOString(), to: to.toISOString() });
  expect(report.totals).toEqual({
    orders: sold.length,
    complaints: filed.length,
    refunds: sold.filter((o) => o.status === 'REFUNDED').length,
  });

  const expectedCategories = COMPLAINT_CATEGORIES.map((category) => {
    const n = filed.filter((c) => c.category === category).length;
    return { category, complaints: n, share: n / filed.length };
  });
  expect(report.byCategory.map((c) => c.category).sort()).toEqual([...COMPLAINT_CATEGORIES].sort());
  for (const want of expectedCategories) {
    const got = report.byCategory.find((c) => c.category === want.category)!;
    expect(got.complaints).toBe(want.complaints);
    expect(got.share).toBeCloseTo(want.share, 4);
  }
  expect(report.byCategory.map((c) => c.complaints)).toEqual(expectedCategories.map((c) => c.complaints).sort((a, b) => b - a));

  const skus = [...new Set([...sold.map((o) => o.sku), ...filed.map((c) => c.sku)])];
  expect(report.bySku.map((s) => s.sku).sort()).toEqual(skus.sort());
  for (const sku of skus) {
    const o = sold.filter((x) => x.sku === sku).length;
    const c = filed.filter((x) => x.sku === sku).length;
    const r = sold.filter((x) => x.sku === sku && x.status === 'REFUNDED').length;
    const got = report.bySku.find((s) => s.sku === sku)!;
    expect(got).toMatchObject({ orders: o, complaints: c, refunds: r });
    if (o === 0) {
      expect(got).toMatchObject({ complaintRate: null, refundRate: null });
      continue;
    }
    expect(got.complaintRate).toBeCloseTo(c / o, 4);
    expect(got.refundRate).toBeCloseTo(r / o, 4);
  }
  expect(report.bySku[report.bySku.length - 1]).toMatchObject({ sku: 'retired-sku', orders: 0, complaints: 1, complaintRate: null });
  const rates = report.bySku.slice(0, -1).map((s) => s.complaintRate as number);
  expect(rates).toEqual([...rates].sort((a, b) => b - a));

  const share = (yes: number, of: number) => yes / of;
  const firstSettled = filed.filter((c) => c.firstResponseBreached || c.respondedAfterMin !== undefined);
  const firstOnTime = firstSettled.filter((c) => !c.firstResponseBreached && (c.respondedAfterMin as number) <= 60);
  const resolutionSettled = filed.filter((c) => c.resolutionBreached || c.resolvedAfterMin !== undefined || c.recheck?.reopened);
  const resolvedOnTime = resolutionSettled.filter((c) => !c.resolutionBreached);
  expect(report.sla.firstResponseOnTime).toBeCloseTo(share(firstOnTime.length, firstSettled.length), 4);
  expect(report.sla.resolutionOnTime).toBeCloseTo(share(resolvedOnTime.length, resolutionSettled.length), 4);
  expect(report.sla.medianFirstResponseMinutes).toBeCloseTo(median(filed.map((c) => c.respondedAfterMin)), 1);
  expect(report.sla.medianResolutionMinutes).toBeCloseTo(median(filed.map((c) => c.resolvedAfterMin)), 1);

  // The automatic re-check: every verdict counted once, where it left the complaint, and how fast its replacements came.
  const rechecked = filed.filter((c) => c.recheck);
  const replaced = rechecked.filter((c) => c.recheck?.replacedAfterSec !== undefined);
  expect(replaced.filter((c) => c.recheck?.reopened).length).toBeGreaterThan(0);
  expect(report.autoRecheck).toEqual({
    rechecked: rechecked.length,
    resolved: replaced.length,
    medianSeconds: expect.any(Number),
    p95Seconds: expect.any(Number),
    reopened: replaced.filter((c) => c.recheck?.reopened).length,
    toAgents: {
      valid: rechecked.filter((c) => c.recheck?.verdict === 'valid').length,
      no_answer: rechecked.filter((c) => c.recheck?.verdict === 'unknown').length,
      not_replaced: rechecked.filter((c) => c.recheck?.verdict === 'invalid' && c.recheck.replacedAfterSec === undefined).length,
    },
  });
  const seconds = replaced.map((c) => c.recheck?.replacedAfterSec as number).sort((a, b) => a - b);
  expect(seconds.length).toBeGreaterThan(5);
  expect(report.autoRecheck.medianSeconds).toBeCloseTo(median(seconds), 1);
  expect(report.autoRecheck.p95Seconds).toBeCloseTo(seconds[Math.ceil(0.95 * seconds.length) - 1], 1);

  const answered = filed.filter((c) => c.satisfied !== undefined);
  const rated = answered.filter((c) => c.rating !== undefined);
  expect(rated.length).toBeGreaterThan(5);
  expect(report.satisfaction.responses).toBe(answered.length);
  expect(report.satisfaction.satisfiedShare).toBeCloseTo(share(answered.filter((c) => c.satisfied).length, answered.length), 4);
  expect(report.satisfaction.averageRating).toBeCloseTo(rated.reduce((sum, c) => sum + (c.rating as number), 0) / rated.length, 2);
}

function median(values: (number | undefined)[]): number {
  const xs = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
}
