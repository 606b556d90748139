import { startProduct, type Product } from '../support/harness';
import { ApiClient, DEV } from '../support/http';

/** Requests without a staff key (buyers, the payment webhook) are limited per address; staff are not. */
describe('rate limits', () => {
  let product: Product;
  let http: ApiClient;

  beforeAll(async () => {
    product = await startProduct({ RATE_LIMIT_PER_MINUTE: '5' });
    http = new ApiClient(product.api.url);
  });
  afterAll(async () => {
    await product?.stop();
  });

  it('answers 429 in the contract shape past the limit, and never limits staff keys', async () => {
    const admin = http.as(DEV.admin);
    expect((await admin.put('/v1/products/rl-1', { name: 'Rate limited', price: { amount: 100, currency: 'CNY' } })).status).toBe(200);
    const created = await http.as(DEV.storefront).post('/v1/orders', { sku: 'rl-1', buyer: { email: 'carol@example.com' } });
    expect(created.status).toBe(201);
    const buyer = http.buyer(created.body.orderToken);

    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await buyer.get(`/v1/orders/${created.body.orderId}`)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await buyer.get(`/v1/orders/${created.body.orderId}`);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', details: [] });

    // The webhook shares the anonymous limit of its address.
    expect((await http.notifyPayment({ eventId: 'e', orderId: created.body.orderId, paymentId: 'p', status: 'failed', amount: { amount: 100, currency: 'CNY' } }, product.config.paymentWebhookSecret)).status).toBe(429);

    for (let i = 0; i < 10; i++) expect((await http.as(DEV.agent).get(`/v1/orders/${created.body.orderId}`)).status).toBe(200);
  });
});
