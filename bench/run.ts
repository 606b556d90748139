import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import mongoose from 'mongoose';
import type { Role } from '../config';
import { NODE_HEAP_FLAGS, NODE_RUNTIME_ENV } from '../config/nodeRuntime';
import { openStore } from '../db/store';
import { Vault } from '../db/vault';
import type { Money } from '../domain/money';
import { processName } from '../scripts/deployment';
import { freePort, startStack, type Stack } from '../scripts/stack';
import { WORKFLOWS_PATH } from '../worker/worker';
import { buildProduct, bundleWorkflows } from './build';
import { BenchChild } from './children';
import { ceilingOrders, ceilingWorkflowId } from './ceiling/driver';
import { seedGrownShop } from './grownShop';
import { runLevel, type PlaceOrder } from './load';
import { ISSUE_LEVELS, judge, type BenchResults, type CriteriaLevels, type Level, type Phase } from './results';
import { CpuWatch } from './cpu';
import { RssWatch } from './rss';
import { StoreProfileWatch } from './storeProfile';
import { storefrontOrders } from './storefront';
import { whereTimeGoes } from './whereTimeGoes';

export interface BenchOptions {
  /** API processes of the product; storefront n speaks to API n mod apis. */
  apis: number;
  /** Worker processes of the product, on its one task queue. */
  workers: number;
  /** Concurrent virtual storefronts, one level after another. */
  levels: number[];
  /** How long each level places orders. */
  seconds: number;
  /** Finished orders (and so keys) the grown shop holds; 0 skips the grown-shop phase. */
  grownOrders: number;
  /** An order whose keys are not fetchable this long after its notice counts as a timeout. */
  orderTimeoutSeconds: number;
  /** How often the buyer asks for the keys. */
  pollMs: number;
  /** How long each ask may wait for them (`?wait=`); 0: the buyer polls every pollMs. */
  keysWaitSeconds: number;
  /** Products on sale; storefronts spread over them. */
  saleSkus: number;
  /** Products in the grown shop's history (the ones on sale among them). */
  catalogSkus: number;
  /** The product's LOG_LEVEL (its default is info). */
  logLevel: string;
  /** Histories read per product level to show where the time goes (0: none). */
  sampleHistories: number;
  /** Have the product time its store commands (the driver's command monitoring costs a little). */
  profileStore: boolean;
  /** In the polled phase each buyer reads its order's view this often, from the order's creation until its keys come. */
  viewPollMs: number;
  /** The levels the criteria are judged at; the polled phase runs at criteriaLevels.viewPolls (when it is among the levels). */
  criteriaLevels: CriteriaLevels;
  smoke: boolean;
}

export const FULL: BenchOptions = {
  apis: 1,
  workers: 1,
  levels: [1, 8, 32, 64],
  seconds: 20,
  grownOrders: 100_000,
  orderTimeoutSeconds: 30,
  pollMs: 50,
  keysWaitSeconds: 10,
  saleSkus: 4,
  catalogSkus: 20,
  logLevel: 'info',
  sampleHistories: 10,
  profileStore: false,
  viewPollMs: 25,
  criteriaLevels: ISSUE_LEVELS,
  smoke: false,
};

/** A few seconds in all: proves every part still runs, measures nothing worth quoting. */
export const SMOKE: BenchOptions = {
  ...FULL,
  levels: [1, 2],
  seconds: 3,
  grownOrders: 500,
  catalogSkus: 4,
  sampleHistories: 2,
  profileStore: true,
  // Every criterion judged, at the levels a smoke run has: its verdicts prove the judging runs, not the speed.
  criteriaLevels: { share: 2, latency: 1, clean: 2, viewPolls: 2 },
  smoke: true,
};

const PRICE: Money = { amount: 1999, currency: 'CNY' };
/**
 * More than any level sells: its ceiling's throughput over the level, times this. The product runs
 * faster than the ceiling at few storefronts (2.1× at one, on the grown shop); at 1.5× one storefront
 * sold the last key of its level and its next order waited for stock (a timeout the product did not cause).
 */
const STOCK_MARGIN = 3;
/** The longest wait for an earlier level's orders to be delivered before the next level starts. */
const SETTLE_SECONDS = 60;

/**
 * One benchmark run: at each level the ceiling, then the product on an empty store; then the product
 * again at each level once the store has grown. One Temporal server and store, one level at a time.
 */
export async function runBench(opts: BenchOptions, say: (line: string) => void): Promise<BenchResults> {
  const startedAt = new Date();
  const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-bench-'));
  const logsDir = join(dir, 'logs');
  const children: BenchChild[] = [];
  let stack: Stack | undefined;
  let keep = process.env.BENCH_KEEP_LOGS === '1';
  let connection: Connection | undefined;
  try {
    stack = await startStack({ temporalPort: await freePort(), mongoPort: await freePort(), uiPort: 0, dataDir: dir, log: (m) => say(`stack: ${m}`) });
    const { run, keys, webhookSecret, encryptionKey, mongodbUri, env } = shippedProductEnv(stack, 'bench', dir, opts.logLevel, ['admin', 'storefront']);

    say('bundling the workflows');
    const productBundle = await bundleWorkflows(WORKFLOWS_PATH, join(dir, 'workflows.js'));
    const ceilingBundle = await bundleWorkflows(require.resolve('./ceiling/workflow'), join(dir, 'ceiling-workflows.js'));
    say('compiling the product');
    const build = buildProduct(join(dir, 'build'));

    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: stack.namespace });
    const stackPids = stack.pids;
    const phases: Record<Phase, Level[]> = { ceiling: [], localCeiling: [], empty: [], polled: [], grown: [] };
    const timeoutMs = opts.orderTimeoutSeconds * 1000;

    const measure = async (
      phase: Phase,
      concurrency: number,
      place: PlaceOrder,
      product: { apis?: BenchChild[]; workers: BenchChild[] },
      histories?: (ids: string[]) => ReturnType<typeof whereTimeGoes>,
    ) => {
      // Memory per process: the first worker and the first API (each of several takes about as much).
      const [api, worker] = [product.apis?.[0], product.workers[0]];
      const watch = new RssWatch(() => ({
        workerAndApi: [worker.pid, ...(api ? [api.pid] : [])],
        api: api ? [api.pid] : [undefined],
        worker: [worker.pid],
        store: [stackPids.ferretdb],
        temporal: [stackPids.temporal],
      })).start();
      // CPU of every process of a kind: what an order costs in all.
      const cpu = new CpuWatch({
        api: (product.apis ?? [undefined]).map((a) => a?.pid),
        worker: product.workers.map((w) => w.pid),
        store: [stackPids.ferretdb],
        temporal: [stackPids.temporal],
        bench: [process.pid],
      });
      const commands = new StoreProfileWatch(phase === 'ceiling' || phase === 'localCeiling' ? [] : storeProfiles);
      const { figures, completedIds } = await runLevel(concurrency, opts.seconds, timeoutMs, place);
      const rss = watch.stop();
      const cpuMs = cpu.stop();
      const delivered = Math.max(1, figures.completed);
      const isCeiling = phase === 'ceiling' || phase === 'localCeiling';
      const ratioTo = (of: Phase) => {
        const ceiling = phases[of].find((l) => l.concurrency === concurrency);
        return isCeiling || !ceiling?.ordersPerSecond ? null : Math.round((figures.ordersPerSecond / ceiling.ordersPerSecond) * 100) / 100;
      };
      const level: Level = {
        ...figures,
        ratioToCeiling: ratioTo('ceiling'),
        ratioToLocalCeiling: ratioTo('localCeiling'),
        rssMb: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, v === undefined ? null : Math.round(v / 1048576)])) as Level['rssMb'],
      };
      level.cpuMsPerOrder = Object.fromEntries(Object.entries(cpuMs).filter(([k]) => k !== 'api' || product.apis).map(([k, v]) => [k, v === null ? null : Math.round(v / delivered)]));
      if (!isCeiling && opts.profileStore) {
        await new Promise((r) => setTimeout(r, 2_500)); // the profiles are written every 2 s
        level.storeCommands = commands.stop(delivered);
      }
      if (histories && opts.sampleHistories > 0) level.timeSpent = await histories(spread(completedIds, opts.sampleHistories));
      phases[phase].push(level);
      const l = level.latencyMs;
      say(
        `${phase} ×${concurrency}: ${level.ordersPerSecond} orders/s${level.ratioToCeiling === null ? '' : ` (${Math.round(level.ratioToCeiling * 100)}% of the ceiling)`}` +
          `${level.ratioToLocalCeiling == null ? '' : ` (${Math.round(level.ratioToLocalCeiling * 100)}% of the local-activity ceiling)`}` +
          `${level.viewPolls ? `, ${level.viewPolls.perSecond} view reads/s (${level.viewPolls.failed} failed)` : ''}, ` +
          `p50/p95/p99 ${l.p50}/${l.p95}/${l.p99} ms, ${level.errors} errors, ${level.timeouts} timeouts, RSS worker+API ${level.rssMb.workerAndApi} MB, store ${level.rssMb.store} MB` +
          `, load ${level.loadAverage}` +
          [...level.problems, ...level.retriedAnswers.map((r) => ({ ...r, what: `waited out: ${r.what}` }))].map((p) => `\n    ${p.count}× ${p.what}`).join(''),
      );
    };

    // ── The processes: the ceiling's worker, the product's workers and APIs, all idle until asked ──
    const ceilingQueue = `kamiflow-bench-ceiling-${run}`;
    const ceilingWorker = new BenchChild('ceiling-worker', join(build, 'bench/ceiling/main.js'), { ...env, TASK_QUEUE: ceilingQueue, CEILING_WORKFLOW_BUNDLE: ceilingBundle }, logsDir);
    const apiPorts = await Promise.all(Array.from({ length: opts.apis }, freePort));
    const apiUrls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    // Each process times its own store commands in a file of its own.
    const storeProfiles: string[] = [];
    const profiled = (name: string): Record<string, string> => {
      if (!opts.profileStore) return {};
      storeProfiles.push(join(dir, `store-${name}.json`));
      return { STORE_PROFILE_FILE: storeProfiles[storeProfiles.length - 1] };
    };
    const workers = Array.from({ length: opts.workers }, (_, i) => {
      const name = processName('worker', i);
      return new BenchChild(name, join(build, 'worker/main.js'), { ...env, WORKFLOW_BUNDLE_PATH: productBundle, ...profiled(name) }, logsDir);
    });
    const apis = apiPorts.map((port, i) => {
      const name = processName('api', i);
      return new BenchChild(name, join(build, 'api/main.js'), { ...env, PORT: String(port), ...profiled(name) }, logsDir);
    });
    children.push(ceilingWorker, ...workers, ...apis);
    say(`starting the ceiling worker and the product (${opts.workers} worker${opts.workers > 1 ? 's' : ''}, ${opts.apis} API${opts.apis > 1 ? 's' : ''})`);
    const pollers = async (taskQueue: string) =>
      ((await client.workflowService.describeTaskQueue({ namespace: stack!.namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 })).pollers ?? []).length;
    await ceilingWorker.start(async () => (await pollers(ceilingQueue)) > 0);
    // Each worker in turn, ready once one more poller shows on the product's queue.
    for (let i = 0; i < workers.length; i++) await workers[i].start(async () => (await pollers(env.TASK_QUEUE)) > i);
    await Promise.all(apis.map((api, i) => api.start(async () => (await fetch(`${apiUrls[i]}/readyz`)).status === 200)));

    const admin = adminOf(apiUrls[0], keys.admin);
    const catalog = Array.from({ length: Math.max(opts.catalogSkus, opts.saleSkus) }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
    const onSale = catalog.slice(0, opts.saleSkus);
    for (const sku of catalog) await admin('PUT', `/v1/products/${sku}`, { name: `Bench card ${sku}`, price: PRICE });
    const access = { apiUrls, storefrontKey: keys.storefront, webhookSecret, skus: onSale, pollMs: opts.pollMs, keysWaitSeconds: opts.keysWaitSeconds };
    const shop = storefrontOrders(access);
    const polledShop = storefrontOrders({ ...access, viewPollMs: opts.viewPollMs });
    const histories = (ids: string[]) => whereTimeGoes(client, ids);

    // Orders an earlier level left paid but undelivered (its errors and timeouts) still take the
    // worker's time: wait for them a while first, so each level measures its own orders.
    const inFlight = `TaskQueue = '${env.TASK_QUEUE}' AND ExecutionStatus = 'Running' AND OrderStatus IN ('PAID', 'DELIVERING')`;
    const settle = async () => {
      const deadline = Date.now() + SETTLE_SECONDS * 1000;
      for (;;) {
        const { count } = await client.workflow.count(inFlight);
        if (count === 0) return;
        if (Date.now() > deadline) return say(`  ${count} earlier orders still paid and undelivered after ${SETTLE_SECONDS} s; measuring anyway`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    };

    const productLevel = async (phase: Phase, c: number) => {
      await settle();
      const ceilingRate = phases.ceiling.find((l) => l.concurrency === c)?.ordersPerSecond ?? 20;
      // Storefront n sells onSale[n % onSale.length]: with fewer storefronts than products on sale,
      // each busy product sells a 1/c share, not 1/onSale.length (one storefront drains one product).
      const perSku = Math.ceil((Math.max(ceilingRate, 1) * opts.seconds * STOCK_MARGIN + 2 * c) / Math.min(c, onSale.length)) + 10;
      for (const sku of onSale) await importStock(admin, sku, perSku, `${phase}-${c}`);
      await measure(phase, c, phase === 'polled' ? polledShop : shop, { apis, workers }, histories);
    };

    // ── The ceilings and the product on an empty store, level by level ───────────────────────
    // Each product level right after its ceilings, and the buyers' polls right after the same
    // level without them, so what is compared sees the same machine (others' load comes and goes
    // on a shared one).
    const ceilingTimes = (ids: string[]) => whereTimeGoes(client, ids, ceilingWorkflowId);
    for (const c of opts.levels) {
      await measure('ceiling', c, ceilingOrders(client, ceilingQueue), { workers: [ceilingWorker] }, ceilingTimes);
      await measure('localCeiling', c, ceilingOrders(client, ceilingQueue, true), { workers: [ceilingWorker] }, ceilingTimes);
      await productLevel('empty', c);
      if (c === opts.criteriaLevels.viewPolls) await productLevel('polled', c);
    }

    // ── The grown shop ───────────────────────────────────────────────────────────────────────
    let grownShop: BenchResults['grownShop'] = null;
    if (opts.grownOrders > 0) {
      await settle();
      say(`seeding the grown shop: ${opts.grownOrders} finished orders, each with its key`);
      const store = await openStore(mongodbUri);
      const seeding = Date.now();
      try {
        let next = 0;
        await seedGrownShop(store, new Vault(Buffer.from(encryptionKey, 'hex')), { orders: opts.grownOrders, skus: catalog, price: PRICE }, (done) => {
          if (done >= next) {
            say(`  ${done} orders (${Math.round((Date.now() - seeding) / 1000)} s)`);
            next += 20_000;
          }
        });
      } finally {
        await store.close();
      }
      grownShop = { orders: opts.grownOrders, keys: opts.grownOrders, seedSeconds: Math.round((Date.now() - seeding) / 1000) };
      for (const c of opts.levels) await productLevel('grown', c);
    }

    for (const child of children.reverse()) await child.stop();
    // Leave nothing behind on a store named by MONGODB_URI.
    const db = await mongoose.createConnection(mongodbUri).asPromise();
    await db.dropDatabase().finally(() => db.close());
    return {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? '?', node: process.version, loadAverageAtStart: loadAtStart },
      options: {
        ...opts,
        productProcesses: `${opts.apis} API and ${opts.workers} worker child processes of the compiled JavaScript (node ${NODE_HEAP_FLAGS.join(' ')} api/main.js, … worker/main.js), NODE_ENV=production, MALLOC_ARENA_MAX=${NODE_RUNTIME_ENV.MALLOC_ARENA_MAX}; RSS is of the first API and the first worker, CPU of all of them`,
      },
      grownShop,
      phases,
      criteria: judge(phases, opts.criteriaLevels),
    };
  } catch (err) {
    keep = true;
    say(`failed; logs kept in ${logsDir}`);
    throw err;
  } finally {
    for (const child of children) await child.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await stack?.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else say(`logs kept in ${logsDir}`);
  }
}

/** The environment of a run of the shipped product on the stack: its own secrets, keys of these roles, database and task queue. */
export function shippedProductEnv<R extends Role>(stack: Stack, kind: string, dir: string, logLevel: string, roles: R[]) {
  const run = randomBytes(4).toString('hex');
  const secret = () => randomBytes(18).toString('base64url');
  const keys = Object.fromEntries(roles.map((role) => [role, secret()])) as Record<R, string>;
  const webhookSecret = secret();
  const encryptionKey = randomBytes(32).toString('hex');
  const mongodbUri = `${stack.mongoUri.replace(/\/[^/?]*(\?.*)?$/, '')}/kamiflow_${kind}_${run}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: logLevel,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    MONGODB_URI: mongodbUri,
    TASK_QUEUE: `kamiflow-${kind}-${run}`,
    API_KEYS: roles.map((role) => `${role}:${kind}-${role === 'storefront' ? 'shop' : role}:${keys[role]}`).join(','),
    PAYMENT_WEBHOOK_SECRET: webhookSecret,
    KEY_ENCRYPTION_KEY: encryptionKey,
    // Only the pipeline is under test: every client speaks from 127.0.0.1.
    RATE_LIMIT_PER_MINUTE: '100000000',
    DATA_DIR: dir,
  };
  return { run, keys, webhookSecret, encryptionKey, mongodbUri, env };
}

export type Admin = (method: string, path: string, body: unknown) => Promise<any>;

export function adminOf(apiUrl: string, key: string): Admin {
  return async (method, path, body) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    const answer = await res.json().catch(() => undefined);
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer;
  };
}

/** Import `n` new keys for a sku through the admin API, as a shop restocks before a sale. */
export async function importStock(admin: Admin, sku: string, n: number, batch: string): Promise<void> {
  const run = randomBytes(4).toString('hex').toUpperCase();
  for (let from = 0; from < n; from += 10_000) {
    const codes = Array.from({ length: Math.min(10_000, n - from) }, (_, i) => `${sku.toUpperCase()}-${batch.toUpperCase()}-${run}-${from + i}`);
    const result = await admin('POST', `/v1/products/${sku}/keys`, { keys: codes });
    if (result.imported !== codes.length) throw new Error(`importing keys for ${sku}: ${JSON.stringify(result)}`);
  }
}

/** Up to n items spread evenly over the list (early, middle and late orders of a level). */
function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);
}
