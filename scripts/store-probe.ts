/**
 * How long the store takes for the lookups the order pipeline makes, as the store grows; and how long
 * writes take when many land at once.
 *
 *   npx tsx scripts/store-probe.ts                      # the embedded FerretDB from .tools, 1k/10k/100k documents
 *   STORE_PROBE_SIZES=1000,10000 npx tsx scripts/store-probe.ts
 *   FERRETDB_BIN=/path/to/ferretdb npx tsx scripts/store-probe.ts   # another build (e.g. unpatched), for comparison
 *   MONGODB_URI=mongodb://127.0.0.1:27017/probe npx tsx scripts/store-probe.ts   # any MongoDB-compatible store
 *   npx tsx scripts/store-probe.ts --writers 32 --collections 8 --seconds 5   # concurrent writers (below)
 *
 * Starts its own FerretDB in a temp folder (unless MONGODB_URI is set), opens the store through the
 * product's models (so the product's indexes exist), and grows order_views, keys and key_claims to
 * each size. At each size it times, one request at a time: findById on order_views, findOne by the
 * unique fingerprint of keys, findOne of a slot's claim by {orderId, slot, attempt} (a compound
 * index), and a conditional findOneAndUpdate by {_id, status}. It prints a Markdown table of
 * median and p95 milliseconds; it asserts nothing and is never part of the test suite.
 *
 * With --writers N, it instead runs N writers at once for --seconds, spread over --collections
 * collections of one database (as an order's activities write order_views, key_claims, outbox… of
 * one database), each in a loop of insertOne, updateOne by _id and findOneAndUpdate by {_id, field}
 * on documents of its own, so no two writers ever want the same document. It prints each write's
 * latency as p50/p90/p99/max, a histogram in 5 ms buckets (50 ms past 200 ms), and the writes that failed: the shape
 * shows how the store queues writers (on stock FerretDB, SQLite's busy handler sleeps 1, 2, 5, 10,
 * 15, 20, 25, 25, 25, 50, 50, 100 ms between tries, so latencies pile up at those sums).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mongo } from 'mongoose';
import { openStore, type Store } from '../db/store';
import { freePort } from './stack';
import { optionsOrExit, toolPaths, wholeNumberOption } from './tools';

const SIZES = (process.env.STORE_PROBE_SIZES ?? '1000,10000,100000').split(',').map(Number);
/** Lookups per figure: at most this many, within the time budget, at least MIN_SAMPLES. */
const MAX_SAMPLES = 300;
const MIN_SAMPLES = 5;
const BUDGET_MS = 4_000;
const BATCH = 1_000;

interface Probe {
  name: string;
  run(store: Store, i: number): Promise<unknown>;
}

const probes: Probe[] = [
  { name: 'order_views findById', run: (store, i) => store.orderViews.findById(orderId(i)).lean() },
  { name: 'keys findOne({fingerprint})', run: (store, i) => store.keys.findOne({ fingerprint: fingerprint(i) }).lean() },
  {
    name: 'key_claims findOne({orderId, slot, attempt})',
    run: (store, i) => store.claims.findOne({ orderId: orderId(i), slot: 0, attempt: 1 }).lean(),
  },
  {
    name: 'order_views findOneAndUpdate({_id, status})',
    run: (store, i) =>
      store.orderViews.findOneAndUpdate({ _id: orderId(i), status: 'DELIVERED' }, { $set: { statusSince: new Date() } }).lean(),
  },
];

const orderId = (i: number) => `order-${String(i).padStart(7, '0')}`;
const keyId = (i: number) => `key-${String(i).padStart(7, '0')}`;
const fingerprint = (i: number) => `fp-${String(i * 7919).padStart(12, '0')}`;

async function grow(store: Store, from: number, to: number): Promise<void> {
  const at = new Date();
  for (let start = from; start < to; start += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, to - start) }, (_, k) => start + k);
    const sku = (i: number) => `sku-${i % 40}`;
    await Promise.all([
      store.orderViews.collection.insertMany(
        ids.map((i) => ({
          _id: orderId(i) as never,
          seq: i,
          sku: sku(i),
          status: 'DELIVERED',
          statusSince: at,
          createdAt: at,
          paidAt: at,
          deliveredAt: at,
          paymentId: `pay-${i}`,
          view: { orderId: orderId(i), sku: sku(i), quantity: 1, status: 'DELIVERED', price: { amount: 1999, currency: 'EUR' }, timeline: [] },
        })),
        { ordered: false },
      ),
      store.keys.collection.insertMany(
        ids.map((i) => ({
          _id: keyId(i) as never,
          sku: sku(i),
          fingerprint: fingerprint(i),
          code: { iv: 'aaaaaaaaaaaaaaaa', tag: 'bbbbbbbbbbbbbbbbbbbbbb==', data: 'cccccccccccccccccccccccc' },
          masked: '****-ABCD',
          importedAt: at,
        })),
        { ordered: false },
      ),
      store.claims.collection.insertMany(
        ids.map((i) => ({
          _id: keyId(i) as never,
          sku: sku(i),
          orderId: orderId(i),
          slot: 0,
          attempt: 1,
          state: 'delivered',
          claimedAt: at,
          updatedAt: at,
        })),
        { ordered: false },
      ),
    ]);
  }
}

async function time(store: Store, probe: Probe, size: number): Promise<{ p50: number; p95: number; n: number }> {
  const samples: number[] = [];
  const started = Date.now();
  while (samples.length < MAX_SAMPLES && (samples.length < MIN_SAMPLES || Date.now() - started < BUDGET_MS)) {
    const i = Math.floor(Math.random() * size);
    const t0 = process.hrtime.bigint();
    const found = await probe.run(store, i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (!found) throw new Error(`${probe.name}: document ${i} not found`);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50: at(0.5), p95: at(0.95), n: samples.length };
}

async function startFerretDb(): Promise<{ uri: string; stop(): Promise<void> }> {
  const bin = process.env.FERRETDB_BIN ?? toolPaths.ferretdb;
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-store-probe-'));
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['-listen', `127.0.0.1:${port}`, '-data', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}: ${out}`)));
  });
  console.error(`store: ${bin} on 127.0.0.1:${port}`);
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface WritersOptions {
  writers: number;
  collections: number;
  seconds: number;
}

const USAGE = `usage: npx tsx scripts/store-probe.ts                 (lookups as the store grows; STORE_PROBE_SIZES=…)
       npx tsx scripts/store-probe.ts --writers N [--collections N] [--seconds N]   (concurrent writers)`;

function parseOptions(): WritersOptions | undefined {
  const { values } = parseArgs({
    options: { writers: { type: 'string' }, collections: { type: 'string' }, seconds: { type: 'string' } },
  });
  if (values.writers === undefined) {
    if (values.collections !== undefined || values.seconds !== undefined) throw new Error('--collections and --seconds go with --writers');
    return undefined;
  }
  return {
    writers: wholeNumberOption('writers', values.writers, 32, 1),
    collections: wholeNumberOption('collections', values.collections, 8, 1),
    seconds: wholeNumberOption('seconds', values.seconds, 5, 1),
  };
}

/** The latency of every write of `options.writers` concurrent writers, and the writes that failed, by message. */
async function concurrentWrites(uri: string, options: WritersOptions): Promise<{ ms: number[]; failed: Map<string, number> }> {
  // The raw driver with a pool as large as the writers, so the store, not the client, is what they queue on.
  const client = await new mongo.MongoClient(uri, { maxPoolSize: options.writers }).connect();
  try {
    const db = client.db();
    const collections = Array.from({ length: options.collections }, (_, c) => db.collection<{ _id: string; n: number; state: string }>(`writers_${c}`));
    for (const collection of collections) await collection.insertOne({ _id: 'warm-up', n: 0, state: 'a' });
    const ms: number[] = [];
    const failed = new Map<string, number>();
    const until = Date.now() + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: options.writers }, async (_, w) => {
        const collection = collections[w % collections.length];
        for (let i = 0; Date.now() < until; i++) {
          const _id = `w${w}-${i >> 2}`;
          const t0 = process.hrtime.bigint();
          try {
            // Per document: insert it, then update it, then flip its state conditionally, twice.
            switch (i & 3) {
              case 0: await collection.insertOne({ _id, n: 0, state: 'a' }); break;
              case 1: await collection.updateOne({ _id }, { $inc: { n: 1 } }); break;
              case 2: await collection.findOneAndUpdate({ _id, state: 'a' }, { $set: { state: 'b' } }); break;
              default: await collection.findOneAndUpdate({ _id, state: 'b' }, { $set: { state: 'a' } }); break;
            }
            ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            failed.set(message, (failed.get(message) ?? 0) + 1);
          }
        }
      }),
    );
    return { ms, failed };
  } finally {
    await client.close();
  }
}

/** Histogram buckets: 5 ms wide up to FINE_MS, 50 ms beyond (where only a tail is left). */
const FINE_MS = 200;
const bucketOf = (ms: number): [number, number] =>
  ms < FINE_MS ? [Math.floor(ms / 5) * 5, Math.floor(ms / 5) * 5 + 5] : [Math.floor(ms / 50) * 50, Math.floor(ms / 50) * 50 + 50];

/** p50/p90/p99/max and a histogram of `ms` (empty buckets left out), as text. */
function latencyReport(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const lines = [
    `${sorted.length} writes: p50 ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`,
    '',
    '| ms | writes | share |',
    '|---:|---:|---|',
  ];
  const buckets = new Map<string, number>();
  for (const x of sorted) {
    const [from, to] = bucketOf(x);
    buckets.set(`${from}–${to}`, (buckets.get(`${from}–${to}`) ?? 0) + 1);
  }
  const most = Math.max(...buckets.values());
  for (const [bucket, n] of buckets) {
    lines.push(`| ${bucket} | ${n} | ${`${((100 * n) / sorted.length).toFixed(1)}%`.padStart(6)} ${'#'.repeat(Math.ceil((40 * n) / most))} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const writers = optionsOrExit(parseOptions, USAGE);
  const own = process.env.MONGODB_URI ? undefined : await startFerretDb();
  // A database of the probe's own, dropped at the end, whatever store it is pointed at.
  const uri = new URL(process.env.MONGODB_URI ?? own!.uri);
  uri.pathname = `/store_probe_${randomBytes(4).toString('hex')}`;
  if (writers) {
    try {
      const { ms, failed } = await concurrentWrites(uri.toString(), writers);
      console.log(`${writers.writers} writers on ${writers.collections} collections of one database, ${writers.seconds} s`);
      console.log(latencyReport(ms));
      console.log(failed.size === 0 ? '\nno write failed' : `\nfailed writes:\n${[...failed].map(([m, n]) => `  ${n} × ${m}`).join('\n')}`);
    } finally {
      const client = await new mongo.MongoClient(uri.toString()).connect();
      await client.db().dropDatabase().catch(() => undefined);
      await client.close();
      await own?.stop();
    }
    return;
  }
  const rows: string[] = [];
  try {
    const store = await openStore(uri.toString());
    try {
      let size = 0;
      for (const target of SIZES) {
        const t0 = Date.now();
        await grow(store, size, target);
        size = target;
        console.error(`grown to ${size} documents per collection in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        for (const probe of probes) {
          const { p50, p95, n } = await time(store, probe, size);
          rows.push(`| ${probe.name} | ${size.toLocaleString('en')} | ${p50.toFixed(2)} | ${p95.toFixed(2)} | ${n} |`);
          console.error(rows[rows.length - 1]);
        }
      }
    } finally {
      await store.connection.dropDatabase().catch(() => undefined);
      await store.close();
    }
  } finally {
    await own?.stop();
  }
  console.log('| lookup | documents | p50 ms | p95 ms | samples |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
