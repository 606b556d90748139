import { loadavg } from 'node:os';

/**
 * Closed-loop load: N virtual storefronts, each placing one order after another for a fixed time.
 * Orders still running when the time is up are finished (up to their own timeout) and counted in
 * latency, errors and timeouts, but throughput counts only orders completed inside the window.
 */

/** How one order went. `latencyMs` runs from sending the payment notice to the keys being fetchable. */
export type OrderOutcome = (
  | { kind: 'ok'; orderId: string; latencyMs: number; completedAt: number }
  | { kind: 'timeout'; what: string }
  | { kind: 'error'; what: string }
) & {
  /** Answers that asked the caller to come back later (503, 429) and were waited out, by what they said. */
  retried?: Record<string, number>;
  /** The buyer's reads of the order's view while it was on its way (when the level polls it). */
  viewPolls?: { answered: number; failed: number };
};

/** One virtual storefront's order, given its storefront number and the order's deadline (epoch ms). */
export type PlaceOrder = (storefront: number, timeoutMs: number) => Promise<OrderOutcome>;

export interface LevelFigures {
  concurrency: number;
  seconds: number;
  /** Orders completed inside the window. */
  completed: number;
  /** Orders completed, including those that finished after the window. */
  completedAll: number;
  ordersPerSecond: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  errors: number;
  timeouts: number;
  /** The first few distinct errors and timeouts, with how often each happened. */
  problems: { what: string; count: number }[];
  /** "Come back later" answers the storefronts waited out (they cost time, not the order). */
  retriedAnswers: { what: string; count: number }[];
  /** The machine's 1-minute load average when the level ended: others' work shows here. */
  loadAverage: number;
  /** The buyers' reads of their order's view (a level whose buyers poll it): answered 200, failed, answered a second. */
  viewPolls?: { answered: number; failed: number; perSecond: number };
}

/** After an error a storefront pauses a moment, so a failing product is not hammered in a tight loop. */
const PAUSE_AFTER_ERROR_MS = 200;

export async function runLevel(
  concurrency: number,
  seconds: number,
  orderTimeoutMs: number,
  place: PlaceOrder,
): Promise<{ figures: LevelFigures; completedIds: string[] }> {
  const started = Date.now();
  const end = started + seconds * 1000;
  const outcomes: OrderOutcome[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, storefront) => {
      while (Date.now() < end) {
        const outcome = await place(storefront, orderTimeoutMs).catch((err: unknown) => ({ kind: 'error' as const, what: describe(err) }));
        outcomes.push(outcome);
        if (outcome.kind !== 'ok') await new Promise((r) => setTimeout(r, PAUSE_AFTER_ERROR_MS));
      }
    }),
  );
  return {
    figures: figures(concurrency, seconds, end, outcomes),
    completedIds: outcomes.flatMap((o) => (o.kind === 'ok' ? [o.orderId] : [])),
  };
}

export function figures(concurrency: number, seconds: number, end: number, outcomes: OrderOutcome[]): LevelFigures {
  const ok = outcomes.filter((o): o is Extract<OrderOutcome, { kind: 'ok' }> => o.kind === 'ok');
  const latencies = ok.map((o) => o.latencyMs).sort((a, b) => a - b);
  const completed = ok.filter((o) => o.completedAt <= end).length;
  const problems = new Map<string, number>();
  const retried = new Map<string, number>();
  for (const o of outcomes) {
    if (o.kind !== 'ok') problems.set(`${o.kind}: ${o.what}`, (problems.get(`${o.kind}: ${o.what}`) ?? 0) + 1);
    for (const [what, n] of Object.entries(o.retried ?? {})) retried.set(what, (retried.get(what) ?? 0) + n);
  }
  const polls = outcomes.flatMap((o) => (o.viewPolls ? [o.viewPolls] : []));
  const answered = polls.reduce((n, p) => n + p.answered, 0);
  return {
    concurrency,
    seconds,
    completed,
    completedAll: ok.length,
    ordersPerSecond: round(completed / seconds, 2),
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.length ? Math.round(latencies[latencies.length - 1]) : null,
    },
    errors: outcomes.filter((o) => o.kind === 'error').length,
    timeouts: outcomes.filter((o) => o.kind === 'timeout').length,
    problems: tally(problems),
    retriedAnswers: tally(retried),
    loadAverage: round(loadavg()[0], 2),
    ...(polls.length ? { viewPolls: { answered, failed: polls.reduce((n, p) => n + p.failed, 0), perSecond: round(answered / seconds, 1) } } : {}),
  };
}

function tally(counts: Map<string, number>): { what: string; count: number }[] {
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([what, count]) => ({ what: what.slice(0, 300), count }));
}

/** Nearest-rank percentile of sorted values, in whole ms; null when there are none. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return Math.round(sorted[rank - 1]);
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
