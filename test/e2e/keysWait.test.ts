import { startProduct, type Product } from '../support/harness';
import { ApiClient, DEV } from '../support/http';

/**
 * A buyer's page waits for the keys (`?wait=N`) instead of asking again and again: the answer comes
 * once the order is delivered. Waiting requests cost the store one shared look, and do not count
 * against the bound on requests in progress (here 2).
 */
describe('GET /v1/orders/:orderId/keys?wait=', () => {
  let product: Product;
  let http: ApiClient;
  const SKU = 'wait-card';
  const PRICE = { amount: 500, currency: 'CNY' };

  beforeAll(async () => {
    product = await startProduct({ MAX_REQUESTS_IN_FLIGHT: '2' });
    http = new ApiClient(product.api.url);
    const admin = http.as(DEV.admin);
    expect((await admin.put(`/v1/products/${SKU}`, { name: 'Wait card', price: PRICE })).status).toBe(200);
    expect((await admin.post(`/v1/products/${SKU}/keys`, { keys: ['WAIT-0001', 'WAIT-0002', 'WAIT-0003'] })).body).toMatchObject({ imported: 3 });
  });
  afterAll(async () => {
    await product?.stop();
  });

  const order = async (email: string) => {
    const created = await http.as(DEV.storefront).post('/v1/orders', { sku: SKU, buyer: { email } });
    expect(created.status).toBe(201);
    return { orderId: created.body.orderId as string, buyer: http.buyer(created.body.orderToken as string) };
  };

  it('answers with the keys once the order is paid and delivered, asked before it was paid', async () => {
    const paying = await order('wendy@example.com');
    const idle = [];
    for (const email of ['xavier@example.com', 'yara@example.com', 'zoe@example.com']) idle.push(await order(email));
    // Three buyers wait on orders nobody pays, one on the order about to be paid: more than the bound.
    // Each counts while it reads, until it begins to wait; started a moment apart, none is refused.
    const pause = () => new Promise((r) => setTimeout(r, 300));
    const waiting = [];
    for (const o of idle) {
      waiting.push(o.buyer.get(`/v1/orders/${o.orderId}/keys?wait=6`));
      await pause();
    }
    const keys = paying.buyer.get(`/v1/orders/${paying.orderId}/keys?wait=20`);
    await pause();

    // Others are served meanwhile: the waiting requests stepped aside.
    expect((await http.as(DEV.admin).get(`/v1/products/${SKU}`)).status).toBe(200);

    const paid = await http.notifyPayment({ eventId: 'evt-wait-1', orderId: paying.orderId, paymentId: 'pay-wait-1', status: 'succeeded', amount: PRICE }, product.config.paymentWebhookSecret);
    expect(paid.status).toBe(200);
    const answer = await keys;
    expect(answer.status).toBe(200);
    expect(answer.body.keys).toHaveLength(1);
    expect(answer.body.keys[0].code).toMatch(/^WAIT-000\d$/);

    // The unpaid orders' waits end with the usual answer: not delivered.
    for (const unpaid of await Promise.all(waiting)) {
      expect(unpaid.status).toBe(409);
      expect(unpaid.body.error.message).toMatch(/AWAITING_PAYMENT/);
    }
  });

  it.each([
    ['more than 20 seconds', '21', /at most 20/],
    ['not a number', 'soon', /whole number/],
  ])('refuses a wait of %s with 400 naming it', async (_name, wait, reason) => {
    const { orderId, buyer } = await order('ada@example.com');
    const answer = await buyer.get(`/v1/orders/${orderId}/keys?wait=${wait}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([expect.objectContaining({ path: 'wait', reason: expect.stringMatching(reason) })]);
  });
});
