import { startApi } from '../../api/server';
import { startProduct, type Product } from '../support/harness';
import { ApiClient, DEV } from '../support/http';

/** Requests without a staff key (buyers, the payment webhook) are limited per address; staff are not. */
describe('rate limits', () => {
  const notice = (i: number) => ({ eventId: `sale-${i}`, orderId: `no-such-order-${i}`, paymentId: `p-${i}`, status: 'failed', amount: { amount: 100, currency: 'CNY' } });

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

    // A notice with a wrong signature shares the anonymous limit of its address.
    expect((await http.notifyPayment({ eventId: 'e', orderId: created.body.orderId, paymentId: 'p', status: 'failed', amount: { amount: 100, currency: 'CNY' } }, 'not-the-webhook-secret-at-all')).status).toBe(429);

    for (let i = 0; i < 10; i++) expect((await http.as(DEV.agent).get(`/v1/orders/${created.body.orderId}`)).status).toBe(200);
  });

  it('counts an IPv6 client by its /56: addresses rotated inside it share one limit, another /56 has its own', async () => {
    // From a proxy on this host (trusted), so the limit keys on the forwarded address.
    const from = (ip: string) => http.with({ 'x-forwarded-for': ip }).get('/v1/public/complaint-report');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await from(`2001:db8:7:${i}::${i + 1}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await from('2001:db8:7:100::1')).status).toBe(200);
  });

  it("does not limit the provider's signed notices: a sale's 700 from one address in a minute all pass, while bad signatures from it are limited", async () => {
    // A fresh limiter window for this address: the test above spent its budget.
    const sale = await startProduct({ RATE_LIMIT_PER_MINUTE: '5' });
    try {
      const api = new ApiClient(sale.api.url);
      const statuses: number[] = [];
      const started = Date.now();
      for (let batch = 0; batch < 700; batch += 20) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) => api.notifyPayment(notice(batch + i), sale.config.paymentWebhookSecret)),
        );
        statuses.push(...answers.map((a) => a.status));
      }
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(statuses).toHaveLength(700);
      expect(await sale.store.paymentEvents.countDocuments()).toBe(700);

      const forged: number[] = [];
      for (let i = 0; i < 7; i++) forged.push((await api.notifyPayment(notice(1000 + i), 'not-the-webhook-secret-at-all')).status);
      expect(forged).toEqual([401, 401, 401, 401, 401, 429, 429]);
      const unsigned = await api.post('/v1/payments/notify', notice(2000));
      expect(unsigned.status).toBe(429);
      expect(unsigned.body.error).toMatchObject({ code: 'rate_limited' });
      // Signed notices still pass once the address is over its anonymous limit.
      expect((await api.notifyPayment(notice(3000), sale.config.paymentWebhookSecret)).status).toBe(200);
      expect(await sale.store.paymentEvents.countDocuments()).toBe(701);
    } finally {
      await sale.stop();
    }
  });

  // Decided in docs/scale.md: a store write per anonymous request (a buyer polls every 25 ms) would
  // cost more than the requests it limits, so the limit is per API process, and N APIs behind the
  // proxy let one address make up to N × RATE_LIMIT_PER_MINUTE.
  it('counts per API process: another API of the deployment has its own budget for the same address', async () => {
    const created = await http.as(DEV.storefront).post('/v1/orders', { sku: 'rl-1', buyer: { email: 'dave@example.com' } });
    expect(created.status).toBe(201);
    expect((await http.buyer(created.body.orderToken).get(`/v1/orders/${created.body.orderId}`)).status).toBe(429); // this API: spent above
    const second = await startApi(product.config, product.logger);
    try {
      const buyer = new ApiClient(second.url).buyer(created.body.orderToken);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await buyer.get(`/v1/orders/${created.body.orderId}`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await second.stop();
    }
  });
});
