/**
 * What one order costs, measured from a live run (`npm run order-costs`), for the capacity model
 * (docs/capacity.md): orders placed the way a storefront places them (create, signed payment
 * notice, the buyer waiting for the keys), each run to its end (refund and complaint windows of a
 * few seconds), with a storefront webhook receiver; then, per order:
 *
 * - Temporal: history events, workflow tasks, history bytes and billable actions by kind, of the
 *   order's run and of the runs it started (its storefront notifications), read from the histories;
 * - the store: commands by kind (and how many write) from the worker's and the API's command
 *   profiles, and bytes kept, by collection.
 *
 * CPU per process is the bench's (bench/results/latest.md): it needs a quiet machine and load.
 *
 *   npm run order-costs                      # 20 orders on an embedded stack of its own
 *   npm run order-costs -- --orders 50 --out /tmp/costs
 *   TEMPORAL_ADDRESS=… MONGODB_URI=… npm run order-costs   # on servers already running
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import mongoose from 'mongoose';
import { startApi } from '../api/server';
import { bundleWorkflows } from '../bench/build';
import { addCosts, childRuns, historyCost, NO_COST, type HistoryCost } from '../bench/historyCost';
import { adminOf, importStock, shippedProductEnv } from '../bench/run';
import { storefrontOrders } from '../bench/storefront';
import { StoreProfileWatch } from '../bench/storeProfile';
import { loadConfig } from '../config';
import { createLogger } from '../config/logger';
import { orderWorkflowId } from '../domain/order';
import { FakeServer } from '../test/support/fakeServer';
import { keepSchedules, reportFoldScheduleId } from '../worker/schedules';
import { startWorker, WORKFLOWS_PATH } from '../worker/worker';
import { freePort, startStack } from './stack';
import { REPO_ROOT, optionsOrExit, wholeNumberOption } from './tools';

const USAGE = 'usage: npm run order-costs -- [--orders N] [--window S] [--no-webhooks] [--out DIR]';
/** Store commands that change data (the rest read). */
const WRITES = /^(insert|update|delete|findAndModify|createIndexes)\b/;

interface Options {
  orders: number;
  /** The product's refund and complaint windows, in seconds: each order runs to its end within the run. */
  windowSeconds: number;
  /** A storefront webhook receiver is configured (each order event then runs a notification workflow). */
  webhooks: boolean;
  out: string;
}

export interface OrderCosts {
  measuredAt: string;
  orders: number;
  webhooks: boolean;
  /** The order's own run, its children's, and the two together, per order. */
  temporal: { order: HistoryCost; children: HistoryCost; total: HistoryCost; childRunsPerOrder: number };
  store: { commands: { command: string; perOrder: number; meanMs: number }[]; commandsPerOrder: number; writesPerOrder: number; bytesPerOrder: Record<string, number>; totalBytesPerOrder: number };
}

function options(): Options {
  const { values } = parseArgs({
    options: { orders: { type: 'string' }, window: { type: 'string' }, 'no-webhooks': { type: 'boolean', default: false }, out: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    orders: wholeNumberOption('orders', values.orders, 20, 1),
    windowSeconds: wholeNumberOption('window', values.window, 5, 1),
    webhooks: !values['no-webhooks'],
    out: values.out ?? join(REPO_ROOT, 'bench', 'results', 'order-costs'),
  };
}

async function measure(opts: Options, say: (line: string) => void): Promise<OrderCosts> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-order-costs-'));
  const stack = await startStack({ temporalPort: await freePort(), mongoPort: await freePort(), uiPort: 0, dataDir: dir, log: (m) => say(`stack: ${m}`) });
  const hooks = await new FakeServer(() => ({ status: 204 })).start();
  const stops: (() => Promise<unknown>)[] = [() => stack.stop(), () => hooks.stop()];
  try {
    const product = shippedProductEnv(stack, 'costs', dir, 'warn', ['admin', 'storefront']);
    // The report fold folds what the orders recorded as it would in a shop, more often, within the run.
    const webhooks = opts.webhooks ? { STOREFRONT_WEBHOOK_URL: `${hooks.url}/hooks`, STOREFRONT_WEBHOOK_SECRET: 'order-costs-webhook-secret' } : {};
    const env = { ...product.env, PORT: '0', REPORT_FOLD_EVERY: '2s', ...webhooks };
    const profiles = { worker: join(dir, 'store-worker.json'), api: join(dir, 'store-api.json') };
    const logger = createLogger('warn');
    say('bundling the workflows');
    const bundle = await bundleWorkflows(WORKFLOWS_PATH, join(dir, 'workflows.js'));
    const workerConfig = loadConfig({ ...env, STORE_PROFILE_FILE: profiles.worker });
    const worker = await startWorker(workerConfig, logger, { workflowBundle: { codePath: bundle } });
    stops.unshift(() => worker.stop());
    const api = await startApi(loadConfig({ ...env, STORE_PROFILE_FILE: profiles.api }), logger);
    stops.unshift(() => api.stop());
    const connection = await Connection.connect({ address: stack.temporalAddress });
    stops.unshift(() => connection.close());
    const client = new Client({ connection, namespace: stack.namespace });
    await keepSchedules(workerConfig, logger);
    // Nothing left behind on a server named by TEMPORAL_ADDRESS: the schedule and its fold go.
    stops.unshift(async () => {
      const foldId = reportFoldScheduleId(workerConfig);
      await client.schedule.getHandle(foldId).delete().catch(() => undefined);
      await client.workflow.getHandle(foldId).terminate('order costs measured').catch(() => undefined);
    });

    const sku = 'costs-card';
    const window = `${opts.windowSeconds}s`;
    const admin = adminOf(api.url, product.keys.admin);
    await admin('PUT', `/v1/products/${sku}`, { name: 'Costs card', price: { amount: 1999, currency: 'CNY' }, refundWindow: window, complaintWindow: window });
    await importStock(admin, sku, opts.orders, 'costs');

    // From here on, what the orders cost (once the profiles hold the setup's commands: written every 2 s).
    await new Promise((r) => setTimeout(r, 2_500));
    const commands = new StoreProfileWatch([profiles.worker, profiles.api]);
    say(`placing ${opts.orders} orders, each to its end (windows of ${window})`);
    const place = storefrontOrders({ apiUrls: [api.url], storefrontKey: product.keys.storefront, webhookSecret: product.webhookSecret, skus: [sku], pollMs: 50, keysWaitSeconds: 10 });
    const orderIds: string[] = [];
    for (let i = 0; i < opts.orders; i++) {
      const outcome = await place(0, 30_000);
      if (outcome.kind !== 'ok') throw new Error(`order ${i + 1}: ${outcome.kind} ${outcome.what}`);
      orderIds.push(outcome.orderId);
    }
    let order = NO_COST;
    let children = NO_COST;
    let childCount = 0;
    for (const id of orderIds) {
      const handle = client.workflow.getHandle(orderWorkflowId(id));
      await handle.result();
      const history = await handle.fetchHistory();
      order = addCosts(order, historyCost(history));
      for (const child of childRuns(history)) {
        const run = client.workflow.getHandle(child.workflowId, child.runId);
        await run.result();
        children = addCosts(children, historyCost(await run.fetchHistory()));
        childCount += 1;
      }
    }
    await new Promise((r) => setTimeout(r, 2_500)); // the profiles are written every 2 s
    const perOrderCommands = commands.stop(opts.orders, 1_000);
    const bytesPerOrder = await storeBytes(product.mongodbUri, opts.orders);
    await mongoose
      .createConnection(product.mongodbUri)
      .asPromise()
      .then((db) => db.dropDatabase().finally(() => db.close()));
    const per = (c: HistoryCost) => perOrder(c, opts.orders);
    return {
      measuredAt: new Date().toISOString(),
      orders: opts.orders,
      webhooks: opts.webhooks,
      temporal: { order: per(order), children: per(children), total: per(addCosts(order, children)), childRunsPerOrder: childCount / opts.orders },
      store: {
        commands: perOrderCommands.slice(0, 25),
        commandsPerOrder: round(perOrderCommands.reduce((a, c) => a + c.perOrder, 0)),
        writesPerOrder: round(perOrderCommands.filter((c) => WRITES.test(c.command)).reduce((a, c) => a + c.perOrder, 0)),
        bytesPerOrder,
        totalBytesPerOrder: Object.values(bytesPerOrder).reduce((a, b) => a + b, 0),
      },
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes the store keeps per order, by collection (BSON as stored, before compression and indexes). */
async function storeBytes(uri: string, orders: number): Promise<Record<string, number>> {
  const db = await mongoose.createConnection(uri).asPromise();
  try {
    const sizes: Record<string, number> = {};
    for (const { name } of await db.db!.listCollections().toArray()) {
      let bytes = 0;
      for await (const doc of db.db!.collection(name).find()) bytes += mongoose.mongo.BSON.calculateObjectSize(doc);
      if (bytes > 0) sizes[name] = Math.round(bytes / orders);
    }
    return Object.fromEntries(Object.entries(sizes).sort((a, b) => b[1] - a[1]));
  } finally {
    await db.close();
  }
}

function perOrder(c: HistoryCost, orders: number): HistoryCost {
  return {
    events: round(c.events / orders),
    bytes: Math.round(c.bytes / orders),
    workflowTasks: round(c.workflowTasks / orders),
    stateTransitions: round(c.stateTransitions / orders),
    actions: round(c.actions / orders),
    byAction: Object.fromEntries(Object.entries(c.byAction).map(([k, n]) => [k, round(n / orders)])),
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

export function costsMarkdown(c: OrderCosts): string {
  const t = c.temporal;
  return [
    `Measured ${c.measuredAt.slice(0, 16)}Z over ${c.orders} orders (create → signed payment notice → keys → refund and complaint windows end → completed; storefront webhooks ${c.webhooks ? 'on' : 'off'}).`,
    '',
    '| per order | order run | its child runs | total |',
    '|---|---:|---:|---:|',
    `| runs | 1 | ${t.childRunsPerOrder} | ${1 + t.childRunsPerOrder} |`,
    `| history events | ${t.order.events} | ${t.children.events} | ${t.total.events} |`,
    `| workflow tasks | ${t.order.workflowTasks} | ${t.children.workflowTasks} | ${t.total.workflowTasks} |`,
    `| state transitions (Temporal database transactions) | ${t.order.stateTransitions} | ${t.children.stateTransitions} | ${t.total.stateTransitions} |`,
    `| history bytes | ${t.order.bytes} | ${t.children.bytes} | ${t.total.bytes} |`,
    `| billable actions | ${t.order.actions} | ${t.children.actions} | ${t.total.actions} |`,
    ...Object.entries(t.total.byAction).map(([kind, n]) => `| — ${kind} | ${t.order.byAction[kind] ?? 0} | ${t.children.byAction[kind] ?? 0} | ${n} |`),
    '',
    `Store: ${c.store.commandsPerOrder} commands per order, ${c.store.writesPerOrder} of them writes; ${c.store.totalBytesPerOrder} bytes kept per order.`,
    '',
    '| store command (worker and API) | per order | mean ms |',
    '|---|---:|---:|',
    ...c.store.commands.map((x) => `| \`${x.command}\` | ${x.perOrder} | ${x.meanMs} |`),
    '',
    '| collection | bytes per order |',
    '|---|---:|',
    ...Object.entries(c.store.bytesPerOrder).map(([name, bytes]) => `| ${name} | ${bytes} |`),
  ].join('\n');
}

if (require.main === module) {
  const opts = optionsOrExit(options, USAGE);
  const say = (line: string) => process.stdout.write(`[order-costs] ${line}\n`);
  measure(opts, say).then(
    (costs) => {
      const text = costsMarkdown(costs);
      process.stdout.write(`\n${text}\n`);
      mkdirSync(opts.out, { recursive: true });
      writeFileSync(join(opts.out, 'latest.json'), `${JSON.stringify(costs, null, 2)}\n`);
      writeFileSync(join(opts.out, 'latest.md'), `${text}\n`);
      say(`wrote ${join(opts.out, 'latest.json')} and latest.md`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`[order-costs] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
