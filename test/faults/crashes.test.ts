import { Client, Connection } from '@temporalio/client';
import { FakeServer, type Reply } from '../support/fakeServer';
import { startProduct, testEnv, type Product } from '../support/harness';
import { ApiClient, DEV, eventually } from '../support/http';
import { OwnStore, workerProcess } from '../support/processes';

const CODES = ['CRASH-0001', 'CRASH-0002', 'CRASH-0003'];

/** The storefront, provider and buyer steps up to a paid order; the rest is what the test is about. */
async function paidOrder(http: ApiClient, secret: string, supplierUrl: string): Promise<{ orderId: string; orderToken: string }> {
  const admin = http.as(DEV.admin);
  expect((await admin.put('/v1/products/crash-sku', { name: 'Crash test key', price: { amount: 500, currency: 'CNY' }, validationUrl: `${supplierUrl}/check` })).status).toBe(200);
  expect((await admin.post('/v1/products/crash-sku/keys', { keys: CODES })).body.imported).toBe(3);
  const created = await http.as(DEV.storefront).post('/v1/orders', { sku: 'crash-sku', buyer: { email: 'bob@example.com' } });
  expect(created.status).toBe(201);
  const { orderId, orderToken } = created.body;
  const notice = { eventId: `evt-${orderId}`, orderId, paymentId: `pay-${orderId}`, status: 'succeeded', amount: { amount: 500, currency: 'CNY' } };
  expect((await http.notifyPayment(notice, secret)).status).toBe(200);
  return { orderId, orderToken };
}

/**
 * How long an order may take to be delivered after a fault. A supplier's check that a killed worker
 * took is tried again once its attempt times out (startToClose of the `supplier` activities, 1 m:
 * they carry no heartbeat timeout), so the wait must outlast that, whatever the new worker's start took.
 */
const DELIVERY_AFTER_FAULT_MS = 60_000 + 30_000;

async function expectDeliveredOnce(product: Product, http: ApiClient, orderId: string, orderToken: string): Promise<void> {
  const view = await eventually(async () => {
    const v = await http.buyer(orderToken).get(`/v1/orders/${orderId}`);
    return v.body.status === 'DELIVERED' ? v.body : undefined;
  }, 'delivery after the fault', DELIVERY_AFTER_FAULT_MS);
  expect(view.keys).toHaveLength(1);
  const keys = await http.buyer(orderToken).get(`/v1/orders/${orderId}/keys`);
  expect(CODES).toContain(keys.body.keys[0].code);
  const stock = await http.as(DEV.admin).get('/v1/products/crash-sku');
  expect(stock.body.stock).toEqual({ available: 2, reserved: 0, delivered: 1, revoked: 0, invalid: 0 });
  expect(await product.store.claims.countDocuments({ orderId })).toBe(1);
}

describe('faults: the order still ends delivered exactly once', () => {
  it('survives the worker being killed in the middle of the key check', async () => {
    let calls = 0;
    let releaseFirst: () => void = () => undefined;
    const supplier = await new FakeServer(async (): Promise<Reply> => {
      calls += 1;
      // The first check never gets its answer to the worker: the worker dies while waiting.
      if (calls === 1) await new Promise<void>((r) => (releaseFirst = r));
      return { status: 200, body: { valid: true } };
    }).start();
    const env = testEnv({ LOG_LEVEL: 'info', WORKFLOW_BUNDLE_PATH: process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE as string });
    const product = await startProduct(env, { worker: false });
    const first = workerProcess(env);
    const second = workerProcess(env);
    try {
      await first.start();
      const http = new ApiClient(product.api.url);
      const { orderId, orderToken } = await paidOrder(http, product.config.paymentWebhookSecret, supplier.url);
      await eventually(async () => calls >= 1, 'the first key check to reach the supplier');
      await first.kill();
      releaseFirst();
      await second.start();
      await expectDeliveredOnce(product, http, orderId, orderToken);
      // The check was retried once the dead worker's attempt timed out.
      const history = await product.client.workflow.getHandle(`order-${orderId}`).fetchHistory();
      const checkAttempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 0) > 1);
      expect(checkAttempts.length).toBeGreaterThanOrEqual(1);
      expect(calls).toBeGreaterThanOrEqual(2);
    } finally {
      await first.kill();
      await second.stop();
      await product.stop();
      await supplier.stop();
    }
  });

  it('survives the store going away and coming back while an order is being delivered', async () => {
    const store = new OwnStore();
    await store.start();
    let hold = true;
    const supplier = await new FakeServer(async (): Promise<Reply> => {
      while (hold) await new Promise((r) => setTimeout(r, 50));
      return { status: 200, body: { valid: true } };
    }).start();
    const product = await startProduct(testEnv({ MONGODB_URI: store.uri, TASK_QUEUE: `fault-store-${Date.now()}` }));
    try {
      const http = new ApiClient(product.api.url);
      const { orderId, orderToken } = await paidOrder(http, product.config.paymentWebhookSecret, supplier.url);
      await eventually(async () => supplier.requests.length >= 1, 'the key check to start');
      await store.stop();
      const ready = await http.get('/readyz');
      expect(ready.status).toBe(503);
      // Which dependency is down, in words; the driver's error stays in the log.
      expect(ready.body).toEqual({ status: 'not_ready', temporal: 'ok', database: 'unreachable' });
      const during = await http.as(DEV.admin).get('/v1/products/crash-sku');
      expect(during.status).toBe(503);
      expect(during.body.error.code).toBe('unavailable');
      hold = false; // the check answers while the store is down: marking the key delivered must wait
      await new Promise((r) => setTimeout(r, 3_000));
      await store.start();
      await expectDeliveredOnce(product, http, orderId, orderToken);
      expect((await http.get('/readyz')).status).toBe(200);
    } finally {
      await product.stop();
      await supplier.stop();
      await store.stop();
    }
  });
});
