import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack';
import { ApiClient, eventually } from '../support/http';
import { keyCodes, Shop } from '../support/orders';
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
    product = await startProduct({}, { worker: false });
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
      return text.includes('kamiflow_orders{status="DELIVERED"} 2') ? text : false;
    }, 'two delivered orders in kamiflow_orders');
    expect(api).toContain('kamiflow_stock_available{sku="metrics-sku"} 1');

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
    for (const name of ['kamiflow_orders', 'kamiflow_stock_available', 'kamiflow_payment_to_delivery_seconds_bucket']) expect(used).toContain(name);
    expect([...used].some((n) => n.startsWith('temporal_'))).toBe(true);
  });
});
