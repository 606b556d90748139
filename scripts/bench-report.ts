/**
 * How fast the complaint ranking and the agents' queue answer on a large store.
 *
 *   npx tsx scripts/bench-report.ts            # 100,000 complaints, 300,000 orders
 *   BENCH_COMPLAINTS=20000 BENCH_ORDERS=50000 npx tsx scripts/bench-report.ts
 *   BENCH_LIVE=all npx tsx scripts/bench-report.ts   # complaints of every age still open (a worst case for the queue)
 *
 * Starts its own Temporal dev server and FerretDB in a temp folder (or uses TEMPORAL_ADDRESS /
 * MONGODB_URI), seeds a fresh database through the product's own models and read-model rows, starts
 * the real API, and times GET /v1/reports/complaints and GET /v1/complaints over HTTP. It prints
 * figures; it asserts nothing, and it is never part of the test suite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { complaintRow } from '../activities/complaints';
import { queueEntryOf } from '../db/complaintQueue';
import { complaintEntry, orderEntry, type LedgerEntry } from '../db/report/entries';
import { factOf, foldFacts } from '../db/report/ledger';
import { startApi } from '../api/server';
import { loadConfig } from '../config';
import { createLogger } from '../config/logger';
import { openStore, type Store } from '../db/store';
import { COMPLAINT_CATEGORIES, COMPLAINT_STATUSES, type ComplaintView } from '../domain/complaint';
import { ORDER_STATUSES, type OrderView } from '../domain/order';
import { freePort, startStack } from './stack';

const COMPLAINTS = Number(process.env.BENCH_COMPLAINTS ?? 100_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 300_000);
const SKUS = Array.from({ length: 40 }, (_, i) => `sku-${i}`);
const DAYS = 90;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCH = 2_000;
const FOLD_BATCH = 5_000;
const LIVE_RECENT_ONLY = process.env.BENCH_LIVE !== 'all';
/** Facts recorded but not yet folded when a report is asked for (a fold every 30 s keeps it far lower). */
const WAITING = Number(process.env.BENCH_WAITING ?? 2_000);
const MINUTE = 60_000;
const END = Date.parse('2025-06-01T00:00:00Z');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-bench-'));
  const say = (msg: string) => process.stdout.write(`${msg}\n`);
  const stack = await startStack({ temporalPort: await freePort(), mongoPort: await freePort(), uiPort: 0, dataDir: dir });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: `${stack.mongoUri.replace(/\/[^/]*$/, '')}/bench_${randomBytes(4).toString('hex')}`,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DATA_DIR: dir,
  });
  const store = await openStore(config.mongodbUri);
  try {
    say(`seeding ${ORDERS} orders and ${COMPLAINTS} complaints over ${DAYS} days, ${SKUS.length} skus (${stack.mongoUri.split('/')[2]})`);
    const seeded = Date.now();
    const entries = await seed(store);
    say(`seeded the read models in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
    // As they would arrive: in time order, a fold's worth at a time.
    entries.sort((a, b) => a.at - b.at);
    const folding = Date.now();
    for (let i = 0; i < entries.length; i += FOLD_BATCH) {
      await store.reportInbox.insertMany(entries.slice(i, i + FOLD_BATCH).map(factOf));
      await foldFacts(store, { limit: FOLD_BATCH });
    }
    const foldSeconds = (Date.now() - folding) / 1000;
    say(`recorded and folded ${entries.length} facts in ${foldSeconds.toFixed(1)} s (${(entries.length / foldSeconds).toFixed(0)} facts/s)`);

    const api = await startApi(config, createLogger('warn'));
    try {
      const auth = { authorization: 'Bearer dev-ops-key' };
      const month = `from=${new Date(END - 30 * 86_400_000).toISOString()}&to=${new Date(END).toISOString()}`;
      const all = `from=${new Date(END - DAYS * 86_400_000).toISOString()}&to=${new Date(END).toISOString()}`;
      const cases: [name: string, path: string, before?: () => Promise<void>][] = [
        ['report, last 30 days', `/v1/reports/complaints?${month}`],
        [`report, all ${DAYS} days`, `/v1/reports/complaints?${all}`],
        [`report, 30 days, ${WAITING} waiting`, `/v1/reports/complaints?${month}`, () => recordWaiting(store)],
        ['queue, first page of 50', '/v1/complaints?limit=50'],
        ['queue, OPEN for one sku', `/v1/complaints?status=OPEN&sku=${SKUS[3]}&limit=50`],
      ];
      for (const [name, path, before] of cases) {
        await before?.();
        const times: number[] = [];
        let summary = '';
        for (let run = 0; run <= RUNS; run++) {
          const started = performance.now();
          const res = await fetch(`${api.url}${path}`, { headers: auth });
          const body = (await res.json()) as { totals?: object; items?: unknown[] };
          if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
          if (run > 0) times.push(performance.now() - started); // the first run warms up
          summary = body.totals ? JSON.stringify(body.totals) : `${body.items?.length} items`;
        }
        times.sort((a, b) => a - b);
        say(`${name.padEnd(28)} median ${ms(times[times.length >> 1])}  min ${ms(times[0])}  max ${ms(times[times.length - 1])}  (${summary})`);
      }
    } finally {
      await api.stop();
    }
  } finally {
    await store.connection.dropDatabase().catch(() => undefined);
    await store.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Orders and complaints spread over the period, written as their projections would write them. */
async function seed(store: Store): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  // mulberry32: consecutive draws of a plain LCG are correlated, which left some (status, sku)
  // pairs of recent complaints empty.
  let x = 7;
  const rnd = (n: number) => {
    x = (x + 0x6d2b79f5) | 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
  const at = () => new Date(END - rnd(DAYS * 24 * 60) * MINUTE);
  for (let i = 0; i < ORDERS; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, ORDERS - i) }, (_, j) => {
      const createdAt = at();
      const status = ORDER_STATUSES[rnd(ORDER_STATUSES.length)];
      const view: OrderView = {
        orderId: `o${i + j}`,
        sku: SKUS[rnd(SKUS.length)],
        quantity: 1,
        amount: { amount: 9900, currency: 'CNY' },
        status,
        buyer: { email: 'a***@example.com' },
        createdAt: createdAt.toISOString(),
        paymentDueAt: new Date(createdAt.getTime() + 15 * MINUTE).toISOString(),
        keys: [{ keyId: `k${i + j}`, masked: '****0001' }],
        refund: null,
        complaints: [],
        timeline: [{ at: createdAt.toISOString(), type: 'status:AWAITING_PAYMENT' }, { at: createdAt.toISOString(), type: `status:${status}` }],
      };
      return { _id: view.orderId, seq: 3, sku: view.sku, status, statusSince: createdAt, createdAt, view };
    });
    await store.orderViews.insertMany(rows, { ordered: false });
    entries.push(...rows.map(orderEntry));
  }
  for (let i = 0; i < COMPLAINTS; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, COMPLAINTS - i) }, (_, j) => {
      const createdAt = at();
      const iso = (min: number) => new Date(createdAt.getTime() + min * MINUTE).toISOString();
      // As in a shop: a complaint older than its deadlines and auto-close has closed, but for a few
      // escalated ones; BENCH_LIVE=all keeps every status equally likely at any age instead.
      const settled = LIVE_RECENT_ONLY && createdAt.getTime() < END - 4 * 86_400_000;
      const status = settled ? (rnd(100) === 0 ? 'ESCALATED' : 'CLOSED') : COMPLAINT_STATUSES[rnd(COMPLAINT_STATUSES.length)];
      const responded = status !== 'OPEN';
      const resolved = status === 'RESOLVED' || status === 'CLOSED';
      const view: ComplaintView = {
        complaintId: `c${i + j}`,
        orderId: `o${rnd(ORDERS)}`,
        sku: SKUS[rnd(SKUS.length)],
        category: COMPLAINT_CATEGORIES[rnd(COMPLAINT_CATEGORIES.length)],
        description: 'The key says it was already redeemed when I enter it in the store.',
        evidence: [],
        status,
        createdAt: createdAt.toISOString(),
        firstResponseDueAt: iso(60),
        resolutionDueAt: iso(24 * 60),
        ...(responded ? { firstRespondedAt: iso(1 + rnd(120)) } : {}),
        ...(resolved ? { resolvedAt: iso(60 + rnd(2000)), resolution: 'replaced' as const } : {}),
        ...(status === 'CLOSED' ? { closedAt: iso(3000), satisfaction: { satisfied: rnd(3) > 0, rating: 1 + rnd(5) } } : {}),
        escalated: status === 'ESCALATED',
        reopenCount: 0,
        messages: [
          { at: createdAt.toISOString(), from: 'buyer', text: 'The key says it was already redeemed.' },
          ...(responded ? [{ at: iso(30), from: 'agent' as const, actor: 'agent-1', text: 'We are looking into it.' }] : []),
        ],
      };
      return complaintRow(2, view, { firstResponse: status === 'ESCALATED', resolution: rnd(10) === 0 });
    });
    await store.complaintViews.insertMany(rows, { ordered: false });
    await store.complaintQueue.insertMany(rows.filter((row) => row.status !== 'CLOSED').map(queueEntryOf), { ordered: false });
    entries.push(...rows.map(complaintEntry));
  }
  return entries;
}

/** Complaints filed in the last days whose facts the fold has not reached yet. */
async function recordWaiting(store: Store): Promise<void> {
  const facts = Array.from({ length: WAITING }, (_, i) =>
    factOf({
      kind: 'complaint',
      id: `waiting-${i}`,
      seq: 1,
      at: END - 1 - i * 60_000,
      sku: SKUS[i % SKUS.length],
      category: COMPLAINT_CATEGORIES[i % COMPLAINT_CATEGORIES.length],
      firstResponseOnTime: null,
      resolutionOnTime: null,
      firstResponseMinutes: null,
      resolutionMinutes: null,
      satisfied: null,
      rating: null,
    }),
  );
  await store.reportInbox.insertMany(facts, { ordered: false });
}

function ms(value: number): string {
  return `${value.toFixed(0).padStart(6)} ms`;
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
