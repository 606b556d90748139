import { Client, Connection } from '@temporalio/client';
import mongoose from 'mongoose';
import { testEnv } from '../support/harness';
import { ApiClient, DEV, eventually } from '../support/http';
import { keyCodes, Shop } from '../support/orders';
import { ChildProduct, runScript } from '../support/processes';

/*
 * `npm start -- --apis 2 --workers 2`: two API processes and two worker processes on one Temporal
 * and one store, and what must hold across them: a buyer waiting on one API hears of a delivery
 * any worker made, a request retried on the other API is still one order or one action, and an
 * import taken by one API reaches the orders waiting whichever process they were placed through.
 */

describe('npm start with bad --apis / --workers', () => {
  // Each value's rule is the unit test's (test/unit/deployment.test.ts); here, that npm start applies it.
  it.each([
    [['--apis', '0'], '--apis must be a whole number from 1 to 16, got "0"'],
    [['--api', '2'], "Unknown option '--api'"],
  ])('refuses %j before starting anything', async (args, message) => {
    const run = await runScript('scripts/dev.ts', args, testEnv());
    expect({ code: run.code, said: run.output.includes(message), usage: run.output.includes('usage: npm start -- [--apis N] [--workers M]') }).toEqual({ code: 2, said: true, usage: true });
  });
});

describe('two APIs and two workers (npm start -- --apis 2 --workers 2)', () => {
  const env = testEnv({ WORKFLOW_BUNDLE_PATH: process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE as string });
  const deployment = new ChildProduct('scripts/dev.ts', env, 'Ctrl-C to stop', ['--apis', '2', '--workers', '2']);
  let urls: string[];
  let shops: Shop[];
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    await deployment.start(180_000);
    urls = [...deployment.output.matchAll(/^\[kamiflow\] API(?: \d)?\s+(http:\/\/\S+)$/gm)].map((m) => m[1]);
    shops = urls.map((url) => new Shop(new ApiClient(url), env.PAYMENT_WEBHOOK_SECRET));
    connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    client = new Client({ connection });
  }, 200_000);

  afterAll(async () => {
    await deployment.stop();
    await connection?.close();
    const db = await mongoose.createConnection(env.MONGODB_URI).asPromise();
    await db.dropDatabase().finally(() => db.close());
  });

  it('prints both APIs, each answering, and both workers poll the one task queue', async () => {
    expect(urls).toHaveLength(2);
    expect(new Set(urls).size).toBe(2);
    for (const url of urls) expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(deployment.output).toMatch(/Processes\s+2 API, 2 worker/);
    // The server lists a poller once its first poll has reached it: a worker that printed it runs may be a moment from that.
    const identities = await eventually(async () => {
      const { pollers } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: env.TASK_QUEUE }, taskQueueType: 1 });
      const seen = new Set((pollers ?? []).map((p) => p.identity));
      return seen.size >= 2 ? seen : false;
    }, 'both workers polling the task queue');
    expect(identities.size).toBe(2);
  });

  it('a buyer waiting for keys on one API hears of the delivery a worker made for an order paid through the other', async () => {
    const [first, second] = shops;
    const sku = 'scale-wait';
    const codes = keyCodes(1, 'WAIT');
    await first.product(sku, {}, codes);
    const order = await first.order(sku);
    const waitedFrom = Date.now();
    const waiting = new ApiClient(urls[1]).buyer(order.orderToken).get(`/v1/orders/${order.orderId}/keys?wait=20`);
    await new Promise((r) => setTimeout(r, 500)); // the wait is on before the order is even paid
    const paidAt = Date.now();
    await first.pay(order);

    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.keys).toEqual([{ keyId: expect.any(String), code: codes[0] }]);
    expect(paidAt - waitedFrom).toBeGreaterThanOrEqual(500);
    expect((await second.view(order.orderId)).status).toBe('DELIVERED');
  });

  it('an order created twice at once with one Idempotency-Key, once through each API, is one order', async () => {
    const sku = 'scale-idem';
    await shops[0].product(sku, {}, keyCodes(2, 'IDEM'));
    const body = { sku, quantity: 1, buyer: { email: 'twice@example.com' } };
    const answers = await Promise.all(urls.map((url) => new ApiClient(url).as(DEV.storefront).post('/v1/orders', body, { 'idempotency-key': 'one-order-two-apis' })));

    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(answers[0].body.orderId).toBe(answers[1].body.orderId);
    expect(answers[0].body.orderToken).toBe(answers[1].body.orderToken);
    const listed = await shops[1].storefront.get(`/v1/orders?sku=${sku}`);
    expect(listed.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([answers[0].body.orderId]);
  });

  it('a cancel retried on the other API is the same action, answered alike', async () => {
    const sku = 'scale-cancel';
    await shops[0].product(sku, {}, keyCodes(1, 'CANCEL'));
    const order = await shops[0].order(sku);
    const cancel = (url: string) => new ApiClient(url).buyer(order.orderToken).post(`/v1/orders/${order.orderId}/cancel`, { reason: 'twice' }, { 'idempotency-key': 'cancel-once' });

    const firstTry = await cancel(urls[0]);
    const retry = await cancel(urls[1]);

    expect(firstTry).toEqual({ status: 200, body: expect.objectContaining({ status: 'CANCELLED' }) });
    expect(retry).toEqual(firstTry);
    // A new cancel (another key) is a new action, refused: the order is cancelled already.
    expect((await new ApiClient(urls[1]).buyer(order.orderToken).post(`/v1/orders/${order.orderId}/cancel`, { reason: 'again' }, { 'idempotency-key': 'cancel-again' })).status).toBe(409);
  });

  it('an import through one API reaches the orders waiting, placed and paid through the other', async () => {
    const sku = 'scale-restock';
    await shops[0].product(sku);
    const orders = [await shops[1].order(sku), await shops[1].order(sku)];
    await shops[1].payIntoStockOut(orders);

    expect(await shops[0].importKeys(sku, keyCodes(2, 'RESTOCK'))).toMatchObject({ imported: 2, waitingOrders: 2, restockOffer: 'handed_over' });
    for (const o of orders) await shops[1].waitFor(o.orderId, 'DELIVERED');
  });

  it('stops every process it started on SIGTERM', async () => {
    const pids = [...deployment.output.matchAll(/\] (?:api|worker)(?:-\d)?: started pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(4);
    await deployment.stop();
    for (const url of urls) await expect(fetch(`${url}/readyz`)).rejects.toThrow();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
