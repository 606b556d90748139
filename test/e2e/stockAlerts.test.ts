import { verifySignature } from '../../security/signature';
import { FakeServer } from '../support/fakeServer';
import { eventually } from '../support/http';
import { keyCodes, productWithShop, type Shop } from '../support/orders';

/**
 * Stock alerts: orders draining a product's stock at once raise exactly one `stock.low` and one
 * `stock.out` (once per crossing, not per order); an import that lifts the stock back over the
 * line re-arms them. The storefront gets them signed, with no order and no code.
 */
describe('stock alerts', () => {
  let storefront: FakeServer;
  const secret = 'storefront-secret-0123456789';
  beforeAll(async () => {
    storefront = await new FakeServer(() => ({ status: 204 })).start();
  });
  afterAll(() => storefront?.stop());
  const ctx = productWithShop(() => ({ STOREFRONT_WEBHOOK_URL: `${storefront.url}/hooks`, STOREFRONT_WEBHOOK_SECRET: secret, LOW_STOCK_THRESHOLD: '7' }));
  let shop: Shop;
  beforeAll(() => {
    ({ shop } = ctx);
  });

  const stockEvents = (sku: string) => storefront.requests.filter((r) => r.body?.sku === sku).map((r) => r.body);

  async function drain(sku: string, n: number): Promise<void> {
    const orders = await Promise.all(Array.from({ length: n }, () => shop.order(sku)));
    await Promise.all(orders.map((o) => shop.pay(o)));
    await Promise.all(orders.map((o) => shop.waitFor(o.orderId, 'DELIVERED')));
  }

  it('orders draining the stock concurrently raise exactly one stock.low and one stock.out; an import re-arms them', async () => {
    const sku = 'steam-alerts';
    const codes = keyCodes(14, 'STEAM');
    await shop.product(sku, { keyPattern: '^STEAM-', lowStockThreshold: 4 }, codes.slice(0, 8));
    expect((await shop.admin.get(`/v1/products/${sku}`)).body.lowStockThreshold).toBe(4);

    await drain(sku, 8);
    const first = await eventually(async () => {
      const events = stockEvents(sku);
      return events.length >= 2 ? events : false;
    }, 'stock.low and stock.out');
    // Late duplicates would come within moments: give them the chance, then count.
    await new Promise((r) => setTimeout(r, 1500));
    const types = stockEvents(sku).map((e) => e.type);
    expect(types.filter((t) => t === 'stock.low')).toHaveLength(1);
    expect(types.filter((t) => t === 'stock.out')).toHaveLength(1);
    const low = first.find((e) => e.type === 'stock.low');
    const out = first.find((e) => e.type === 'stock.out');
    expect(low).toEqual({ eventId: expect.any(String), type: 'stock.low', sku, available: expect.any(Number), at: expect.any(String) });
    expect(low.available).toBeLessThanOrEqual(4);
    expect(out).toMatchObject({ type: 'stock.out', sku, available: 0 });
    for (const r of storefront.requests.filter((q) => q.body?.sku === sku)) {
      expect(verifySignature(Buffer.from(r.raw), r.headers['x-signature'] as string, secret)).toBe(true);
      for (const code of codes) expect(r.raw).not.toContain(code);
    }

    // An import that lifts the stock over the line re-arms both; the next crossing alerts again.
    await shop.importKeys(sku, codes.slice(8));
    await drain(sku, 3);
    await eventually(async () => stockEvents(sku).filter((e) => e.type === 'stock.low').length === 2, 'the second stock.low');
    await drain(sku, 3);
    await eventually(async () => stockEvents(sku).filter((e) => e.type === 'stock.out').length === 2, 'the second stock.out');
    await new Promise((r) => setTimeout(r, 1000));
    const all = stockEvents(sku).map((e) => e.type);
    expect(all.filter((t) => t === 'stock.low')).toHaveLength(2);
    expect(all.filter((t) => t === 'stock.out')).toHaveLength(2);
    expect(new Set(stockEvents(sku).map((e) => e.eventId)).size).toBe(4);
  });

  it('an import that does not lift the stock over the line does not re-arm the low alert; /metrics shows the stock', async () => {
    const sku = 'steam-alerts-small';
    const codes = keyCodes(4, 'STEAM');
    // No threshold of its own: LOW_STOCK_THRESHOLD (7) applies, and 2 keys are already under it.
    await shop.product(sku, { keyPattern: '^STEAM-' }, codes.slice(0, 2));
    expect((await shop.admin.get(`/v1/products/${sku}`)).body.lowStockThreshold).toBe(7);
    await drain(sku, 1);
    await eventually(async () => stockEvents(sku).length === 1, 'stock.low');
    expect(stockEvents(sku)[0]).toMatchObject({ type: 'stock.low', available: 1 });
    await shop.importKeys(sku, codes.slice(2));
    await drain(sku, 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(stockEvents(sku).map((e) => e.type)).toEqual(['stock.low']);

    const metrics = await (await fetch(`${shop.http.baseUrl}/metrics`)).text();
    expect(metrics).toContain(`kamiflow_stock_available{merchant="default",sku="${sku}"} 2`);
  });

  it('removing unsold keys raises stock.low and stock.out as soon as the stock crosses the line, as an order taking them would', async () => {
    const sku = 'steam-alerts-removed';
    await shop.product(sku, { keyPattern: '^STEAM-', lowStockThreshold: 2 }, keyCodes(3, 'STEAM'));
    const keyIds: string[] = (await shop.admin.get(`/v1/products/${sku}/keys?status=available`)).body.items.map((k: { keyId: string }) => k.keyId);
    expect(keyIds).toHaveLength(3);
    const removeKey = async (keyId: string) => expect((await shop.admin.delete(`/v1/products/${sku}/keys/${keyId}`)).status).toBe(200);

    await removeKey(keyIds[0]);
    // Handed to the notification workflow before the answer: it arrives within moments, not at the next order.
    await eventually(async () => stockEvents(sku).length === 1, 'stock.low after a removal', 10_000);
    expect(stockEvents(sku)[0]).toMatchObject({ type: 'stock.low', sku, available: 2 });
    await removeKey(keyIds[1]);
    await removeKey(keyIds[2]);
    await eventually(async () => stockEvents(sku).length === 2, 'stock.out after the last removal', 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(stockEvents(sku).map((e) => [e.type, e.available])).toEqual([
      ['stock.low', 2],
      ['stock.out', 0],
    ]);
  });
});
