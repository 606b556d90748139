import { startProduct, type Product } from '../support/harness';
import { ApiClient, DEV } from '../support/http';

/**
 * When everything behind the API is slow, it answers 503 with Retry-After past a bound on the
 * requests in flight, instead of letting work pile up. Here no worker runs, so an action on an order
 * waits for a worker that never comes: the two allowed in flight hold their places until their
 * callers give up. (Reading an order no longer waits on anything: it reads the read model.)
 */
describe('load shedding', () => {
  let product: Product;
  let http: ApiClient;

  beforeAll(async () => {
    product = await startProduct({ MAX_REQUESTS_IN_FLIGHT: '2' }, { worker: false });
    http = new ApiClient(product.api.url);
  });
  afterAll(async () => {
    await product?.stop();
  });

  it('answers 503 with Retry-After in the contract shape while the bound is reached, and serves again after', async () => {
    const admin = http.as(DEV.admin);
    expect((await admin.put('/v1/products/shed-1', { name: 'Shed', price: { amount: 100, currency: 'CNY' } })).status).toBe(200);
    const created = await http.as(DEV.storefront).post('/v1/orders', { sku: 'shed-1', buyer: { email: 'dora@example.com' } });
    expect(created.status).toBe(201);
    const giveUp = new AbortController();
    const cancel = () =>
      fetch(`${product.api.url}/v1/orders/${created.body.orderId}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEV.storefront}`, 'content-type': 'application/json' },
        body: '{}',
        signal: giveUp.signal,
      }).catch((err: Error) => err.name);
    const slow = [cancel(), cancel()];
    await new Promise((resolve) => setTimeout(resolve, 500));

    const asked = Date.now();
    const res = await fetch(`${product.api.url}/v1/orders/${created.body.orderId}`, { headers: { authorization: `Bearer ${DEV.storefront}` } });
    expect(res.status).toBe(503);
    expect(Date.now() - asked).toBeLessThan(1_000); // at once, not after the others' wait
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');

    // Their callers give up: their places are free again.
    giveUp.abort();
    expect(await Promise.all(slow)).toEqual(['AbortError', 'AbortError']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await admin.get('/v1/products/shed-1')).status).toBe(200);
  });
});
