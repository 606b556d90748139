import type { OrderView } from '../../domain/order';
import type { ApiClient } from '../support/http';
import { expectKeysConserved, expectMoneyConserved, expectNoCodeLeaked, sandboxRefunds } from '../support/invariants';
import { keyCodes, productWithShop, settledIntoStockWait, type PlacedOrder } from '../support/orders';

/**
 * Many paid orders racing for fewer keys than they need, through the API against the real worker
 * and store; then keys and money are counted from the database and the sandbox provider's ledger.
 */
describe('orders racing for too few keys', () => {
  const ctx = productWithShop(() => ({ RESTOCK_WAIT: '3s' }));

  it('delivers exactly the keys there are, each code once, and refunds the rest once RESTOCK_WAIT passes', async () => {
    const { product, shop } = ctx;
    const sku = 'race-card';
    const imported = keyCodes(8, 'RACE');
    await shop.product(sku, {}, imported);
    // 6 singles and 6 pairs want 18 keys. Whichever orders win, the 8 keys can always be handed out
    // whole: an even number of singles leaves an even number of keys for the pairs.
    const quantities = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2];
    const orders = await Promise.all(quantities.map((q, i) => shop.order(sku, q, `racer${i}@example.com`)));

    await Promise.all(orders.map((o) => shop.pay(o)));
    const finals = await Promise.all(orders.map((o) => shop.waitFor(o.orderId, 'DELIVERED', 'REFUNDED')));

    const delivered = finals.filter((v) => v.status === 'DELIVERED');
    const refunded = finals.filter((v) => v.status === 'REFUNDED');
    expect(delivered.reduce((n, v) => n + v.quantity, 0)).toBe(imported.length);
    expect(delivered.length + refunded.length).toBe(orders.length);

    const codes: string[] = [];
    for (const view of delivered) {
      const keys = await buyerOf(orders, view).get(`/v1/orders/${view.orderId}/keys`);
      expect(keys.status).toBe(200);
      expect(keys.body.keys).toHaveLength(view.quantity); // whole
      codes.push(...keys.body.keys.map((k: { code: string }) => k.code));
    }
    expect([...codes].sort()).toEqual([...imported].sort()); // every key once, no code twice

    const ledger = await sandboxRefunds(product.store);
    for (const view of refunded) {
      expect(view.keys).toEqual([]);
      expect(ledger.filter((r) => r.orderId === view.orderId)).toEqual([expect.objectContaining({ paymentId: 'pay-1', amount: view.amount })]);
      const waited = view.timeline.find((e) => e.type === 'status:OUT_OF_STOCK')!;
      const gaveUp = view.timeline.find((e) => e.type === 'status:REFUNDING')!;
      expect(Date.parse(gaveUp.at) - Date.parse(waited.at)).toBeGreaterThanOrEqual(product.config.restockWaitMs);
    }
    expect(ledger).toHaveLength(refunded.length);

    expect(await expectKeysConserved(product.store, product.vault, sku)).toEqual({ available: 0, reserved: 0, delivered: 8, revoked: 0, invalid: 0 });
    await expectMoneyConserved(product.store, ledger);
    await expectNoCodeLeaked(product.client, orders.map((o) => o.orderId), imported);
  });
});

describe('an import while paid orders wait for stock', () => {
  const ctx = productWithShop(() => ({ RESTOCK_WAIT: '10m' }));

  it('resumes the waiting orders oldest payment first', async () => {
    const { product, shop } = ctx;
    const sku = 'queue-card';
    await shop.product(sku);
    // Created in one order, paid in the reverse one: payment order is what counts.
    const [third, second, first] = [await shop.order(sku), await shop.order(sku), await shop.order(sku)];
    await shop.payIntoStockOut([first, second, third]);
    await settledIntoStockWait(product, [first, second, third].map((o) => o.orderId));

    const statuses = async () => Promise.all([first, second, third].map(async (o) => (await shop.view(o.orderId)).status));
    // The import answers at once; the product's restock workflow offers the keys after it.
    const handedOver = { restockOffer: 'handed_over', restockWorkflowId: `restock-${sku}` };

    expect(await shop.importKeys(sku, keyCodes(1, 'Q1'))).toMatchObject({ imported: 1, waitingOrders: 3, ...handedOver });
    await shop.waitFor(first.orderId, 'DELIVERED');
    expect(await statuses()).toEqual(['DELIVERED', 'OUT_OF_STOCK', 'OUT_OF_STOCK']);

    expect(await shop.importKeys(sku, keyCodes(1, 'Q2'))).toMatchObject({ imported: 1, waitingOrders: 2, ...handedOver });
    await shop.waitFor(second.orderId, 'DELIVERED');
    expect(await statuses()).toEqual(['DELIVERED', 'DELIVERED', 'OUT_OF_STOCK']);

    expect(await shop.importKeys(sku, keyCodes(2, 'Q3'))).toMatchObject({ imported: 2, waitingOrders: 1, ...handedOver });
    await shop.waitFor(third.orderId, 'DELIVERED');

    expect(await expectKeysConserved(product.store, product.vault, sku)).toEqual({ available: 1, reserved: 0, delivered: 3, revoked: 0, invalid: 0 });
    await expectMoneyConserved(product.store, await sandboxRefunds(product.store));
  });
});

function buyerOf(orders: PlacedOrder[], view: OrderView): ApiClient {
  return orders.find((o) => o.orderId === view.orderId)!.buyer;
}
