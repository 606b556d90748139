import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack';
import { ApiClient, eventually } from '../support/http';
import { keyCodes, paymentNotice, Shop } from '../support/orders';
import { ORDER_STATUSES } from '../../domain/order';
import { workerProcess, type ChildProduct } from '../support/processes';
import { startProduct, type Product } from '../support/harness';

/** Metric names in a Prometheus text exposition. */
function namesIn(text: string): Set<string> {
  return new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{\s]/)[0]));
}

/**
 * The metrics ops scrape: the API's /metrics (orders by status, stock, requests) and the worker's
 * Temporal SDK metrics on WORKER_METRICS_PORT; the Grafana dashboard in ops/grafana draws only
 * metrics these really expose.
 */
describe('metrics', () => {
  let product: Product;
  let shop: Shop;
  let worker: ChildProduct;
  let workerMetrics: string;

  beforeAll(async () => {
    // The worker process below is the product's only worker, so it runs every activity.
    // Complaints filed here miss their first response in 2 s, to see the SLA gauge count a breach.
    product = await startProduct({ COMPLAINT_FIRST_RESPONSE: '2s' }, { worker: false });
    shop = new Shop(new ApiClient(product.api.url), product.config.paymentWebhookSecret);
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    // A worker process of its own (the SDK's telemetry is installed once per process), polling the
    // same task queue as the product's.
    worker = workerProcess({
      NODE_ENV: 'test',
      TEMPORAL_ADDRESS: product.config.temporal.address,
      TASK_QUEUE: product.config.temporal.taskQueue,
      MONGODB_URI: product.config.mongodbUri,
      KEY_ENCRYPTION_KEY: product.config.keyEncryptionKey.toString('hex'),
      PAYMENT_WEBHOOK_SECRET: product.config.paymentWebhookSecret,
      WORKER_METRICS_PORT: String(port),
      WORKFLOW_BUNDLE_PATH: process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE as string,
      DATA_DIR: process.env.KAMIFLOW_TEST_DIR as string,
    });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await product?.stop();
  });

  it('exposes orders by status, stock by sku, and the worker SDK metrics; the dashboard uses only those', async () => {
    await shop.product('metrics-sku', {}, keyCodes(3));
    const orders = [await shop.order('metrics-sku'), await shop.order('metrics-sku')];
    for (const o of orders) await shop.pay(o);
    for (const o of orders) await shop.waitFor(o.orderId, 'DELIVERED');

    const api = await eventually(async () => {
      const text = await (await fetch(`${product.api.url}/metrics`)).text();
      return text.includes('kamiflow_orders{merchant="default",status="DELIVERED"} 2') ? text : false;
    }, 'two delivered orders in kamiflow_orders');
    expect(api).toContain('kamiflow_stock_available{merchant="default",sku="metrics-sku"} 1');

    const sdk = await eventually(async () => {
      const text = await (await fetch(workerMetrics)).text();
      return /kamiflow_payment_to_delivery_seconds_count\{[^}]*\} 2\b/.test(text) ? text : false;
    }, "the worker's SDK metrics and two deliveries timed");
    expect(sdk).toContain('temporal_worker_task_slots_available');
    const exposed = new Set([...namesIn(api), ...namesIn(sdk)]);

    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', 'ops', 'grafana', 'kamiflow.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(5);
    const used = new Set(exprs.flatMap((e) => e.match(/\b(kamiflow|temporal)_[a-z_]+\b/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
    // What ops look at first is there.
    for (const name of ['kamiflow_orders', 'kamiflow_stock_available', 'kamiflow_payment_to_delivery_seconds_bucket', 'kamiflow_orders_stuck', 'kamiflow_complaints_sla_breached', 'kamiflow_payment_notices_total']) expect(used).toContain(name);
    expect([...used].some((n) => n.startsWith('temporal_'))).toBe(true);
  });

  /** One sample's value in the API's /metrics, or undefined when the series is absent. */
  async function sample(series: string): Promise<number | undefined> {
    const text = await (await fetch(`${product.api.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }

  it('counts payment notices by rail and outcome from zero: every series is there before the first notice', async () => {
    const series = (outcome: string) => `kamiflow_payment_notices_total{rail="generic",outcome="${outcome}"}`;
    const before = new Map<string, number | undefined>();
    for (const outcome of ['signalled', 'stray', 'ignored', 'refused', 'invalid']) before.set(outcome, await sample(series(outcome)));
    // A fresh process: present at 0 (the earlier test's two notices counted as signalled).
    expect([...before.entries()].filter(([, v]) => v === undefined)).toEqual([]);
    expect(before.get('refused')).toBe(0);
    expect(before.get('stray')).toBe(0);

    await shop.product('notice-sku', {}, keyCodes(1, 'NOTICE'));
    const order = await shop.order('notice-sku');
    await shop.pay(order);
    const unsigned = await shop.http.send('POST', '/v1/payments/notify', paymentNotice(order), { 'x-signature': 'sha256=00' });
    expect(unsigned.status).toBe(401);
    // A success for an order that never existed: refunded by its own workflow.
    await shop.pay({ orderId: 'no-such-order-0001', amount: order.amount });

    expect(await sample(series('signalled'))).toBe((before.get('signalled') as number) + 1);
    expect(await sample(series('refused'))).toBe(1);
    expect(await sample(series('stray'))).toBe(1);
    expect(await sample(series('invalid'))).toBe(0);
  });

  it('labels requests by route template: refused ones too, and every path no route answers as one `unmatched`', async () => {
    const asOps = { authorization: 'Bearer dev-ops-key' };
    const answers = await Promise.all([
      fetch(`${product.api.url}/docsunmatched`),
      fetch(`${product.api.url}/console/assets/no-such-file-1234.js`),
      fetch(`${product.api.url}/v1/no-such-route/abc-987`),
      fetch(`${product.api.url}/v1/orders/order-id-that-is-not-there`, { headers: asOps }),
      fetch(`${product.api.url}/v1/products`), // no key: 401 before the route runs
      fetch(`${product.api.url}/docs/`),
    ]);
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 401, 200]);
    const text = await (await fetch(`${product.api.url}/metrics`)).text();
    const routes = new Set([...text.matchAll(/^kamiflow_http_request_duration_seconds_count\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]));
    expect(routes).toContain('unmatched');
    expect(routes).toContain('/v1/orders/:orderId');
    expect(routes).toContain('/docs/*');
    expect(text).toMatch(/_count\{method="GET",route="\/v1\/products",status="401"\} 1/);
    // Nothing raw: every label is a route template, a static mount, or `unmatched`.
    const allowed = (r: string) => r === 'unmatched' || r === '/docs/*' || r === '/console/assets/*' || !/(unmatched|no-such|abc-987|order-id-that)/.test(r);
    expect([...routes].filter((r) => !allowed(r))).toEqual([]);
    expect([...routes].filter((r) => r.includes('no-such') || r.includes('docsunmatched') || r.includes('order-id-that'))).toEqual([]);
  });

  it('gauges orders by every status (0 too), stuck orders, the complaint queue by status and SLA breaches', async () => {
    for (const status of ORDER_STATUSES) expect(await sample(`kamiflow_orders{merchant="default",status="${status}"}`)).toBeGreaterThanOrEqual(0);
    expect(await sample('kamiflow_orders{merchant="default",status="REFUNDED"}')).toBe(0);
    expect(await sample('kamiflow_orders_stuck')).toBe(0);

    // A paid order with no stock waits in OUT_OF_STOCK; once it has sat there past 30 minutes
    // (its read model moved back an hour: the time that would have passed), it is stuck.
    await shop.product('gauge-empty', {}, []);
    const waiting = await shop.order('gauge-empty');
    await shop.pay(waiting);
    await shop.waitFor(waiting.orderId, 'OUT_OF_STOCK');
    expect(await sample('kamiflow_orders_stuck')).toBe(0);
    await product.store.orderViews.updateOne({ _id: waiting.orderId }, { $set: { statusSince: new Date(Date.now() - 3_600_000) } });
    expect(await sample('kamiflow_orders_stuck')).toBe(1);
    const stuck = await shop.ops.get('/v1/ops/stuck');
    expect(stuck.body.items.map((i: { orderId: string }) => i.orderId)).toEqual([waiting.orderId]);

    // A complaint joins the queue as OPEN, and misses its first response (2 s here): escalated, counted as a breach.
    for (const status of ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ESCALATED', 'RESOLVED']) expect(await sample(`kamiflow_complaints_open{merchant="default",status="${status}"}`)).toBe(0);
    expect(await sample('kamiflow_complaints_sla_breached{merchant="default",sla="first_response"}')).toBe(0);
    await shop.product('gauge-keys', {}, keyCodes(1, 'GAUGE'));
    const delivered = await shop.order('gauge-keys');
    await shop.pay(delivered);
    await shop.waitFor(delivered.orderId, 'DELIVERED');
    const filed = await delivered.buyer.post(`/v1/orders/${delivered.orderId}/complaints`, { category: 'service', description: 'slow answer' });
    expect(filed.status).toBe(201);
    await eventually(async () => (await sample('kamiflow_complaints_open{merchant="default",status="ESCALATED"}')) === 1, 'the complaint escalated in the queue gauge');
    expect(await sample('kamiflow_complaints_open{merchant="default",status="OPEN"}')).toBe(0);
    expect(await sample('kamiflow_complaints_sla_breached{merchant="default",sla="first_response"}')).toBe(1);
    expect(await sample('kamiflow_complaints_sla_breached{merchant="default",sla="resolution"}')).toBe(0);
  });
});
