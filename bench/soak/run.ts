import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { HistoryAndWorkflowId } from '@temporalio/common';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import mongoose from 'mongoose';
import { openStore } from '../../db/store';
import { Vault } from '../../db/vault';
import { processName } from '../../scripts/deployment';
import { freePort, startStack, type Stack } from '../../scripts/stack';
import { FakeServer, type Reply } from '../../test/support/fakeServer';
import { historyText } from '../../test/support/history';
import { FakeProvider } from '../../test/support/provider';
import { WORKFLOWS_PATH } from '../../worker/worker';
import { buildProduct, bundleWorkflows } from '../build';
import { BenchChild } from '../children';
import { adminOf, importStock, shippedProductEnv } from '../run';
import { rssOf } from '../rss';
import { everyHistoryReplays, keysConserved, moneyConserved, noCodeLeaked, nothingLost, nothingStuck, type Check, type PaymentWithoutNotice } from './invariants';
import { Traffic, type Scenario } from './traffic';

/*
 * The soak: the product as it ships (its APIs and workers as separate processes of the compiled
 * JavaScript, on one Temporal and one store) under a steady mixed load for a while, with faults injected on a timetable, then the
 * invariants checked once everything has settled. Outside the product, as real HTTP servers: the
 * supplier that checks keys, the payment provider that pays refunds and answers lookups, the
 * storefront's webhook receiver.
 */

export interface SoakOptions {
  seconds: number;
  /** API processes; the clients spread their requests over them. */
  apis: number;
  /** Worker processes; one of them is killed each killEverySeconds, in turn. */
  workers: number;
  /** Virtual clients, each running one scenario after another. */
  clients: number;
  /** A worker is killed (SIGKILL) and started again this often. */
  killEverySeconds: number;
  /** How long the orders get to settle after the load stops. */
  settleSeconds: number;
  logLevel: string;
}

export const SOAK_DEFAULTS: SoakOptions = { seconds: 600, apis: 1, workers: 1, clients: 8, killEverySeconds: 20, settleSeconds: 180, logLevel: 'info' };
/** A CI-sized run: every fault once or twice, every scenario at once (a client each), in about a minute. */
export const SOAK_SHORT: SoakOptions = { seconds: 25, apis: 1, workers: 1, clients: 8, killEverySeconds: 9, settleSeconds: 90, logLevel: 'info' };

export interface SoakReport {
  startedAt: string;
  finishedAt: string;
  options: SoakOptions;
  orders: { total: number; byStatus: Record<string, number>; byScenario: Record<string, number>; unfinished: { what: string; count: number }[] };
  faults: Record<string, number>;
  /** supervisorRestarts: product processes that exited while starting (a server they need was down) and were started again, as their supervisor does. */
  retries: { clientRequests: Record<string, number>; activityAttempts: number; supervisorRestarts?: number };
  /** Requests each API process answered. */
  requestsByApi: Record<string, number>;
  invariants: Check[];
  /** Resident memory in MB: over the longest life of each process (past its first 20 s when it lived over 40 s), first and last reading; the highest of any life. */
  memoryMb: Record<string, { lives: number; longestLifeSeconds: number; first: number; last: number; max: number }>;
  loadAverage: number;
  ok: boolean;
}

const PRICE = { amount: 1999, currency: 'CNY' };
/** The codes importStock makes for the soak's products (SOAK-MAIN-MAIN-1A2B3C4D-17). */
const CODE_PATTERN = /SOAK-(?:MAIN|SCARCE)-[A-Z0-9]+-[0-9A-F]{8}-\d+/g;
/** How often memory is read. */
const RSS_EVERY_MS = 2_000;
/** Memory growth is read after a process's start-up: loading code and connecting is not a leak. */
const WARM_UP_MS = 20_000;
/** Clients that pay while the provider's notices have stopped (it shows their payments when asked). */
const STOPPED_NOTICES = 4;
/** Clients that pay while the provider lags, their notices lost. */
const LOST_NOTICES = 3;
/** One in this many key checks finds the key invalid (the order takes another). */
const INVALID_KEY_ONE_IN = 30;

export async function runSoak(opts: SoakOptions, say: (line: string) => void): Promise<SoakReport> {
  const startedAt = new Date();
  // The replay check's worker would log every replay that fails; the check reports them itself.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } } });
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-soak-'));
  const logsDir = join(dir, 'logs');
  const children: BenchChild[] = [];
  const fakes: { stop(): Promise<void> }[] = [];
  let stack: Stack | undefined;
  let connection: Connection | undefined;
  // BENCH_KEEP_LOGS=1 keeps the run's folder however it went (a failed run's is kept anyway): the
  // processes' logs, and the Temporal server's and the store's data to look at stuck orders again.
  let keep = process.env.BENCH_KEEP_LOGS === '1';
  let database = '';
  try {
    // ── Outside the product: supplier, payment provider, the storefront's webhook receiver ────
    const supplierMode = { now: 'ok' as 'ok' | 'failing' | 'hanging' };
    const supplier = await new FakeServer(async (): Promise<Reply> => {
      if (supplierMode.now === 'failing') return { status: 500, body: { error: 'supplier down' } };
      if (supplierMode.now === 'hanging') return { hang: true };
      return { status: 200, body: { valid: Math.floor(Math.random() * INVALID_KEY_ONE_IN) !== 0 } };
    }).start();
    const provider = await new FakeProvider().start();
    const hooks = await new FakeServer(() => ({ status: 204 })).start();
    fakes.push(supplier, provider, hooks);

    stack = await startStack({ temporalPort: await freePort(), mongoPort: await freePort(), uiPort: 0, dataDir: dir, log: (m) => say(`stack: ${m}`) });
    const product = shippedProductEnv(stack, 'soak', dir, opts.logLevel, ['admin', 'storefront', 'agent', 'ops']);
    const { keys, webhookSecret, encryptionKey, mongodbUri } = product;
    database = new URL(mongodbUri).pathname.slice(1);
    const taskQueue = product.env.TASK_QUEUE;
    const env: Record<string, string> = {
      ...product.env,
      PAYMENT_PROVIDER: 'http',
      PAYMENT_PROVIDER_URL: provider.url,
      STOREFRONT_WEBHOOK_URL: `${hooks.url}/hooks`,
      STOREFRONT_WEBHOOK_SECRET: randomBytes(18).toString('base64url'),
      // Unpaid orders end within the run; a hanging supplier or provider is given up on quickly.
      PAYMENT_TIMEOUT: '20s',
      // The delivery promise well inside that due time: a payment whose notice was lost, found by
      // asking the provider at its due time, misses it, and the product opens an incident itself.
      INCIDENT_DELIVERY_SLO: '10s',
      INCIDENT_MIN_ORDERS: String(STOPPED_NOTICES),
      INCIDENT_CHECK_EVERY: '3s',
      OUTBOUND_HTTP_TIMEOUT: '2s',
      ORDER_TOKEN_FAILURES_PER_HOUR: '100000000',
    };

    say('bundling the workflows and compiling the product');
    const bundle = await bundleWorkflows(WORKFLOWS_PATH, join(dir, 'workflows.js'));
    const build = buildProduct(join(dir, 'build'));
    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: stack.namespace });

    // ── The product: its workers (one more at times) and APIs, each its own process ──────────
    const apiPorts = await Promise.all(Array.from({ length: opts.apis }, freePort));
    const apiUrls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    const workerEnv = { ...env, WORKFLOW_BUNDLE_PATH: bundle };
    const workers = Array.from({ length: opts.workers }, (_, i) => new BenchChild(processName('worker', i), join(build, 'worker/main.js'), workerEnv, logsDir));
    const extraWorker = new BenchChild('worker-extra', join(build, 'worker/main.js'), workerEnv, logsDir);
    const apis = apiPorts.map((port, i) => new BenchChild(processName('api', i), join(build, 'api/main.js'), { ...env, PORT: String(port) }, logsDir));
    children.push(...workers, extraWorker, ...apis);
    // Started as their supervisor starts them (again, when one exits while the Temporal server or
    // the store it connects to is down: the soak restarts those too), counted.
    let supervisorRestarts = 0;
    // A log file is appended to across restarts: ready once it says so once more than before.
    const runningAgain = async (child: BenchChild) => {
      supervisorRestarts += await child.startSupervised(() => {
        const before = count(child.log(), 'worker running');
        return (log) => count(log, 'worker running') > before;
      });
    };
    const apiUp = async (i: number) => {
      supervisorRestarts += await apis[i].startSupervised(() => async () => (await fetch(`${apiUrls[i]}/readyz`)).status === 200);
    };
    say(`starting ${opts.workers} worker${opts.workers > 1 ? 's' : ''} and ${opts.apis} API${opts.apis > 1 ? 's' : ''}`);
    await Promise.all(workers.map(runningAgain));
    await Promise.all(apis.map((_, i) => apiUp(i)));

    const admin = adminOf(apiUrls[0], keys.admin);
    const mainSku = 'soak-main';
    const scarceSku = 'soak-scarce';
    await admin('PUT', `/v1/products/${mainSku}`, { name: 'Soak card', price: PRICE, validationUrl: `${supplier.url}/check` });
    await admin('PUT', `/v1/products/${scarceSku}`, { name: 'Soak scarce card', price: PRICE });
    // More than the run can sell: each client places about an order a second at most.
    await importStock(admin, mainSku, opts.clients * opts.seconds * 2 + 100, 'main');
    let scarceBatch = 0;
    // An import retried while an API restarts, on the next API (a batch name of its own each time: no key is imported twice).
    const restock = async (n: number): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await importStock(adminOf(apiUrls[attempt % apiUrls.length], keys.admin), scarceSku, n, `scarce${++scarceBatch}`);
        } catch (err) {
          if (attempt >= 20) throw err;
          await sleep(1_000);
        }
      }
    };
    await restock(3);

    const coupon = 'SOAK10';
    await admin('POST', '/v1/coupons', { code: coupon, percentOff: 10 });
    // Payments taken with their notice lost: the provider shows them when asked, except while it
    // lags (a stretch of the timetable), when they stay hidden until their orders were cancelled.
    const withoutNotice: PaymentWithoutNotice[] = [];
    const hidden: PaymentWithoutNotice[] = [];
    let providerLags = false;
    let noticesStopped = false;
    /** Payments made while the notices had stopped and the provider still answered lookups. */
    let shownWhileStopped = 0;
    // The provider says when the buyer paid, as every real one does: the order is paid from then.
    const paidAt = new Map<string, string>();
    const showAtProvider = (p: PaymentWithoutNotice) => provider.payments.set(p.orderId, [{ paymentId: p.paymentId, status: 'succeeded', amount: p.amount, paidAt: paidAt.get(p.paymentId) }]);
    const paidWithoutNotice = (p: PaymentWithoutNotice) => {
      paidAt.set(p.paymentId, new Date().toISOString());
      withoutNotice.push(p);
      if (providerLags) hidden.push(p);
      else showAtProvider(p);
      if (noticesStopped && !providerLags) shownWhileStopped += 1;
    };

    // ── Load and faults, on a timetable over the run ─────────────────────────────────────────
    const traffic = new Traffic({ apiUrls, keys, webhookSecret, mainSku, scarceSku, coupon, paidWithoutNotice, noticesStopped: () => noticesStopped }, 120_000);
    const faults: Record<string, number> = {
      'worker killed (SIGKILL) and restarted': 0,
      'extra worker started and stopped': 0,
      'API restarted under load': 0,
      ...(opts.apis > 1 ? { 'API killed (SIGKILL) and restarted': 0 } : {}),
      'supplier failing (500) stretches': 0,
      'supplier hanging stretches': 0,
      'payment provider down (503) stretches': 0,
      'payment notices stopped (the provider answers when asked)': 0,
      'payment notices lost while the provider lags (made good by an incident)': 0,
      'scarce product restocked': 0,
    };
    // Memory of each process, by incarnation (a killed worker's successor starts afresh).
    const memory = new Map<string, Map<number, number[]>>();
    const watchMemory = setInterval(() => {
      for (const child of children) {
        const rss = rssOf(child.pid);
        if (rss === undefined || child.pid === undefined) continue;
        const lives = memory.get(child.name) ?? new Map<number, number[]>();
        lives.set(child.pid, [...(lives.get(child.pid) ?? []), rss]);
        memory.set(child.name, lives);
      }
    }, RSS_EVERY_MS);

    const started = Date.now();
    const end = started + opts.seconds * 1000;
    const at = (share: number) => started + share * opts.seconds * 1000;
    const until = async (t: number) => {
      while (Date.now() < t) await sleep(Math.min(250, t - Date.now()));
    };
    say(`load: ${opts.clients} clients for ${opts.seconds} s over ${opts.apis} API${opts.apis > 1 ? 's' : ''}, a worker killed every ${opts.killEverySeconds} s`);
    const load = Promise.all(
      Array.from({ length: opts.clients }, async () => {
        while (Date.now() < end) await traffic.runOne();
      }),
    );
    const killer = (async () => {
      let next = 0;
      for (let t = started + opts.killEverySeconds * 1000; t < end; t += opts.killEverySeconds * 1000) {
        await until(t);
        const worker = workers[next++ % workers.length];
        await worker.kill();
        faults['worker killed (SIGKILL) and restarted'] += 1;
        await runningAgain(worker);
      }
    })();
    // Each API goes down once while the others serve: stopped gently (a deploy) or, every other
    // one of several, killed (a crash: requests it held are cut, and the clients retry elsewhere).
    const apiRestarts = (async () => {
      for (let i = 0; i < apis.length; i++) {
        await until(at(0.4 + (0.3 * i) / apis.length));
        const crash = i % 2 === 1;
        await (crash ? apis[i].kill() : apis[i].stop());
        await apiUp(i);
        faults[crash ? 'API killed (SIGKILL) and restarted' : 'API restarted under load'] += 1;
      }
    })();
    let lostNotices: Promise<unknown> = Promise.resolve();
    const timetable = (async () => {
      const stretch = async (from: number, to: number, on: () => void, off: () => void, name: string) => {
        await until(at(from));
        on();
        faults[name] += 1;
        await until(at(to));
        off();
      };
      await stretch(0.1, 0.2, () => (supplierMode.now = 'failing'), () => (supplierMode.now = 'ok'), 'supplier failing (500) stretches');
      await until(at(0.25));
      await runningAgain(extraWorker);
      faults['extra worker started and stopped'] += 1;
      await stretch(0.3, 0.4, () => (provider.down = true), () => (provider.down = false), 'payment provider down (503) stretches');
      await until(at(0.45));
      // The provider's notices stop: buyers who pay now get their keys only when their orders ask
      // the provider at their due time, past the delivery promise, and the product opens an incident.
      // Four more clients pay then, so there are enough of them however short the run.
      noticesStopped = true;
      faults['payment notices stopped (the provider answers when asked)'] += 1;
      const stopped = Promise.all(Array.from({ length: STOPPED_NOTICES }, () => traffic.runOne('noticeLost')));
      // Then its lookups lag too: orders paid now are cancelled at their due time. Three more clients
      // pay then; the lag lasts until they have (an API restart may hold them up). It begins once
      // the four have paid, however slowly their orders were taken (in a short run the stretch's
      // first half is a second or two).
      await until(at(0.5));
      while (shownWhileStopped < STOPPED_NOTICES && Date.now() < end + 60_000) await sleep(250);
      providerLags = true;
      lostNotices = Promise.all([stopped, ...Array.from({ length: LOST_NOTICES }, () => traffic.runOne('noticeLost'))]);
      await stretch(0.5, 0.55, () => (supplierMode.now = 'hanging'), () => (supplierMode.now = 'ok'), 'supplier hanging stretches');
      while (hidden.length < LOST_NOTICES && Date.now() < end + 60_000) await sleep(250);
      providerLags = false;
      noticesStopped = false;
      await until(at(0.6));
      await extraWorker.stop();
      // The store and the Temporal server go down and come back once each, when the soak started them.
      if (stack!.restartable.includes('ferretdb')) {
        await until(at(0.65));
        await stack!.restart('ferretdb');
        faults['store (FerretDB) stopped and restarted'] = (faults['store (FerretDB) stopped and restarted'] ?? 0) + 1;
      }
      await stretch(0.7, 0.8, () => (provider.down = true), () => (provider.down = false), 'payment provider down (503) stretches');
      if (stack!.restartable.includes('temporal')) {
        await until(at(0.85));
        await stack!.restart('temporal');
        faults['Temporal server stopped and restarted'] = (faults['Temporal server stopped and restarted'] ?? 0) + 1;
      }
    })();
    const restocker = (async () => {
      for (let t = at(0.15); t < end; t += Math.max(5_000, opts.seconds * 100)) {
        await until(t);
        await restock(3).catch((err: unknown) => say(`  restock failed: ${String(err)}`));
        faults['scarce product restocked'] += 1;
      }
    })();
    await Promise.all([load, killer, apiRestarts, timetable, restocker]);
    await lostNotices;

    // ── The product's incident for the lost notices: found by its watcher, reconciled by ops ──────
    for (const p of hidden) showAtProvider(p);
    faults['payment notices lost while the provider lags (made good by an incident)'] = hidden.length;
    const incidentCheck = await productIncidentMadeGood(adminOf(apiUrls[0], keys.ops), hidden, opts.settleSeconds * 1000, say);

    // ── Settle: everything healthy, stock for whoever waits, then no order left working ──────
    supplierMode.now = 'ok';
    provider.down = false;
    const waiting = await client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND OrderStatus = 'OUT_OF_STOCK'`);
    await restock(waiting.count * 2 + 5);
    say(`load done: ${traffic.placed.length} orders; settling (up to ${opts.settleSeconds} s)`);
    const store = await openStore(mongodbUri);
    const vault = new Vault(Buffer.from(encryptionKey, 'hex'));
    let stuck = await nothingStuck(store, client, taskQueue);
    for (const deadline = Date.now() + opts.settleSeconds * 1000; stuck.violations.length > 0 && Date.now() < deadline; ) {
      await sleep(2_000);
      stuck = await nothingStuck(store, client, taskQueue);
    }
    if (stuck.violations.length > 0) stuck = await nothingStuck(store, client, taskQueue, true);
    clearInterval(watchMemory);

    // ── The invariants ────────────────────────────────────────────────────────────────────────
    say('checking the invariants');
    const payouts = provider.refundCalls.filter((c) => c.answer === 'paid').map((c) => ({ ...c.body, refundId: c.idempotencyKey }));
    let activityAttempts = 0;
    const texts: { where: string; text: string }[] = [];
    const histories: HistoryAndWorkflowId[] = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      histories.push({ workflowId: wf.workflowId, history });
      activityAttempts += (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 0) > 1).length;
      texts.push({ where: `the history of ${wf.workflowId}`, text: historyText(history) });
    }
    for (const child of children) texts.push({ where: `the ${child.name} log`, text: child.log() });
    texts.push({ where: 'the webhooks sent', text: hooks.requests.map((r) => r.raw).join('\n') });
    const invariants = [
      await keysConserved(store, vault, [mainSku, scarceSku]),
      await moneyConserved(store, payouts, withoutNotice),
      stuck,
      noCodeLeaked(CODE_PATTERN, [...texts, { where: 'the store (a code, decrypted, to show the search finds one)', text: vault.open((await store.keys.findOne().lean())!.code) }]),
      await everyHistoryReplays(bundle, histories, join(dir, 'unreplayable')),
      await nothingLost(store, traffic.placed.map((p) => p.orderId), traffic.acknowledged),
      incidentCheck,
    ];
    // The last text is a real code: the search must have found it there, or it finds nothing anywhere.
    const leaks = invariants[3].violations;
    if (!leaks.some((v) => v.includes('the store (a code'))) leaks.push('the search for key codes does not find a real one: it proves nothing');
    invariants[3].violations = leaks.filter((v) => !v.includes('the store (a code'));
    const views = await store.orderViews.find({}, { status: 1 }).lean();
    await store.close();

    for (const child of [...children].reverse()) await child.stop();
    if (invariants.some((c) => c.violations.length > 0)) keep = true;
    if (!keep) {
      const db = await mongoose.createConnection(mongodbUri).asPromise();
      await db.dropDatabase().finally(() => db.close());
    }

    const tally = (items: string[]) => Object.fromEntries([...items.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1]));
    const unfinished = traffic.placed.filter((p) => !p.finished).map((p) => `${p.scenario}: ${p.problem}`);
    const mb = (bytes: number) => Math.round(bytes / 1048576);
    const report: SoakReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      options: opts,
      orders: {
        total: views.length,
        byStatus: tally(views.map((v) => v.status)),
        byScenario: tally(traffic.placed.map((p) => p.scenario as Scenario)),
        unfinished: Object.entries(tally(unfinished)).slice(0, 8).map(([what, n]) => ({ what: what.slice(0, 300), count: n })),
      },
      faults,
      retries: { clientRequests: Object.fromEntries([...traffic.retries].sort((a, b) => b[1] - a[1])), activityAttempts, supervisorRestarts },
      requestsByApi: Object.fromEntries(apis.map((api, i) => [api.name, traffic.answeredBy.get(apiUrls[i]) ?? 0])),
      invariants,
      memoryMb: Object.fromEntries(
        [...memory].map(([name, lives]) => {
          // Growth is read over the process's longest life; the maximum over all of them.
          const whole = [...lives.values()].reduce((a, b) => (b.length > a.length ? b : a));
          // Past its start-up (the first WARM_UP_MS) when it lived long enough to tell.
          const warmUp = Math.round(WARM_UP_MS / RSS_EVERY_MS);
          const longest = whole.length > 2 * warmUp ? whole.slice(warmUp) : whole;
          const seconds = Math.round(((longest.length - 1) * RSS_EVERY_MS) / 1000);
          return [name, { lives: lives.size, longestLifeSeconds: seconds, first: mb(longest[0]), last: mb(longest[longest.length - 1]), max: mb(Math.max(...[...lives.values()].flat())) }];
        }),
      ),
      loadAverage: Math.round(loadavg()[0] * 100) / 100,
      ok: invariants.every((c) => c.violations.length === 0),
    };
    return report;
  } catch (err) {
    keep = true;
    throw err;
  } finally {
    for (const child of children) await child.stop().catch(() => undefined);
    for (const fake of fakes) await fake.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await stack?.stop();
    if (keep) say(`logs kept in ${logsDir}; the Temporal server's data (temporal.sqlite) and the store's (database ${database}) in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** The report as text: orders, faults, retries, invariants, memory. */
export function soakText(r: SoakReport): string {
  const rows = (title: string, entries: [string, string | number][]) => [title, ...entries.map(([k, v]) => `  ${k.padEnd(48)} ${v}`)].join('\n');
  return [
    rows('orders by final status', Object.entries(r.orders.byStatus)),
    rows('scenarios run', Object.entries(r.orders.byScenario)),
    rows('faults injected', Object.entries(r.faults)),
    rows('retries', [
      ...Object.entries(r.retries.clientRequests).slice(0, 8),
      ['activity attempts after the first', r.retries.activityAttempts],
      ['processes started again by their supervisor', r.retries.supervisorRestarts ?? 0],
    ]),
    rows('requests answered, by API process', Object.entries(r.requestsByApi)),
    rows('invariants', r.invariants.map((c) => [c.name, c.violations.length === 0 ? 'PASS' : `FAIL: ${c.violations.slice(0, 5).join('; ')}${c.violations.length > 5 ? ` (+${c.violations.length - 5})` : ''}`])),
    rows('memory (RSS MB over the longest life: first → last; max of any)', Object.entries(r.memoryMb).map(([name, m]) => [name, `${m.first} → ${m.last} over ${m.longestLifeSeconds} s (${m.lives} lives), max ${m.max}`])),
    ...(r.orders.unfinished.length ? [rows('scenarios that did not finish in time (their orders are still checked)', r.orders.unfinished.map((u) => [u.what, u.count]))] : []),
  ].join('\n\n');
}

/** The report as a Markdown table for docs/soak.md. */
export function soakMarkdown(r: SoakReport): string {
  const lines = [
    `Soak of ${Math.round(r.options.seconds / 60 * 10) / 10} min, ${r.options.clients} clients, ${r.options.apis} API and ${r.options.workers} worker processes, ${r.startedAt.slice(0, 16)}Z (load average at the end ${r.loadAverage}):`,
    '',
    '| what | figure |',
    '|---|---|',
    `| orders | ${r.orders.total}: ${Object.entries(r.orders.byStatus).map(([s, n]) => `${n} ${s}`).join(', ')} |`,
    ...Object.entries(r.faults).map(([k, v]) => `| ${k} | ${v} |`),
    `| requests retried by clients | ${Object.values(r.retries.clientRequests).reduce((a, b) => a + b, 0)} |`,
    `| requests answered by each API | ${Object.entries(r.requestsByApi).map(([name, n]) => `${name} ${n}`).join(', ')} |`,
    `| activity attempts after the first | ${r.retries.activityAttempts} |`,
    `| processes that exited while starting and were started again (as by their supervisor) | ${r.retries.supervisorRestarts ?? 0} |`,
    ...r.invariants.map((c) => `| ${c.name} | ${c.violations.length === 0 ? 'PASS' : `FAIL (${c.violations.length})`} |`),
    ...Object.entries(r.memoryMb).map(([name, m]) => `| ${name} RSS, MB: first → last over its longest life; max of ${m.lives} lives | ${m.first} → ${m.last} over ${m.longestLifeSeconds} s; max ${m.max} |`),
  ];
  return lines.join('\n');
}

/**
 * The product, not ops, opens the incident for the lost notices (its watcher sees paid orders miss
 * the delivery promise, most of them found paid only by asking the provider); ops reconcile it, and
 * every payment whose order was cancelled while the provider lagged is among the orders it makes good.
 */
async function productIncidentMadeGood(ops: ReturnType<typeof adminOf>, hidden: PaymentWithoutNotice[], withinMs: number, say: (line: string) => void): Promise<Check> {
  const name = 'the product opened an incident for the lost notices, and its reconciliation made them good';
  const deadline = Date.now() + withinMs;
  let incident: { incidentId: string; reason?: string } | undefined;
  for (; !incident && Date.now() < deadline; await sleep(1_000)) {
    const open = await ops('GET', '/v1/incidents?status=OPEN', undefined);
    incident = open.items.find((i: { openedBy: string; cause: string }) => i.openedBy === 'system' && i.cause === 'payment_provider');
  }
  if (!incident) return { name, violations: [`no incident opened by the product for the payment provider within ${withinMs / 1000} s`] };
  say(`  the product opened incident ${incident.incidentId}; reconciling it`);
  await ops('POST', `/v1/incidents/${incident.incidentId}/reconcile`, { note: 'the provider lagged' });
  for (; Date.now() < deadline; await sleep(1_000)) {
    const seen = await ops('GET', `/v1/incidents/${incident.incidentId}`, undefined);
    const done = seen.timeline.find((e: { type: string }) => e.type === 'reconciled');
    if (!done) continue;
    say(`  incident reconciled: ${done.detail}`);
    const affected = await ops('GET', `/v1/incidents/${incident.incidentId}/orders`, undefined);
    const listed = new Set(affected.items.filter((o: { reason: string }) => o.reason === 'cancelled_without_notice').map((o: { orderId: string }) => o.orderId));
    return { name, violations: hidden.filter((p) => !listed.has(p.orderId)).map((p) => `order ${p.orderId}, paid while the provider lagged, is not among the incident's orders cancelled without a notice`) };
  }
  return { name, violations: [`incident ${incident.incidentId} not reconciled within ${withinMs / 1000} s`] };
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
