/**
 * How long the store takes for the lookups the order pipeline makes, as the store grows.
 *
 *   npx tsx scripts/store-probe.ts                      # the embedded FerretDB from .tools, 1k/10k/100k documents
 *   STORE_PROBE_SIZES=1000,10000 npx tsx scripts/store-probe.ts
 *   FERRETDB_BIN=/path/to/ferretdb npx tsx scripts/store-probe.ts   # another build (e.g. unpatched), for comparison
 *   MONGODB_URI=mongodb://127.0.0.1:27017/probe npx tsx scripts/store-probe.ts   # any MongoDB-compatible store
 *
 * Starts its own FerretDB in a temp folder (unless MONGODB_URI is set), opens the store through the
 * product's models (so the product's indexes exist), and grows order_views, keys and key_claims to
 * each size. At each size it times, one request at a time: findById on order_views, findOne by the
 * unique fingerprint of keys, findOne of a slot's claim by {orderId, slot, attempt} (a compound
 * index), and a conditional findOneAndUpdate by {_id, status}. It prints a Markdown table of
 * median and p95 milliseconds; it asserts nothing and is never part of the test suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../db/store';
import { freePort } from './stack';
import { toolPaths } from './tools';

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

async function main(): Promise<void> {
  const own = process.env.MONGODB_URI ? undefined : await startFerretDb();
  // A database of the probe's own, dropped at the end, whatever store it is pointed at.
  const uri = new URL(process.env.MONGODB_URI ?? own!.uri);
  uri.pathname = `/store_probe_${randomBytes(4).toString('hex')}`;
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
