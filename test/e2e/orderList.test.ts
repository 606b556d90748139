import { capturedLogs } from '../support/harness';
import { eventually, OTHER_SHOP_KEY, TWO_STOREFRONTS, type Answer } from '../support/http';
import { expectStatus, keyCodes, productWithShop, type PlacedOrder } from '../support/orders';

/*
 * GET /v1/orders through HTTP against the real worker, dev server and store, with two storefronts:
 * each lists only its own orders, staff list all; filters by status, sku, buyer email (a keyed hash,
 * never in clear) and date; cursors; the agents' refund queue oldest first.
 */

describe('the order list', () => {
  const ctx = productWithShop(() => ({ API_KEYS: TWO_STOREFRONTS }));
  const sku = 'list-card';
  const ids = (answer: Answer) => answer.body.items.map((i: { orderId: string }) => i.orderId);
  /** The list once the read model has caught up with `expected` orders. */
  const listed = (client: typeof ctx.shop.agent, query: string, expected: number) =>
    eventually(async () => {
      const answer = await client.get(`/v1/orders?${query}`);
      expectStatus(answer, 200, `list ${query}`);
      return answer.body.items.length === expected ? answer : undefined;
    }, `${expected} orders for ${query}`);

  let mine: PlacedOrder[];
  let theirs: string;

  beforeAll(async () => {
    const { shop } = ctx;
    await shop.product(sku, {}, keyCodes(4, 'LIST'));
    mine = [];
    for (const email of ['ann@example.com', 'bob@example.com', 'ann@example.com']) mine.push(await shop.order(sku, 1, email));
    const other = await shop.http.as(OTHER_SHOP_KEY).post('/v1/orders', { sku, buyer: { email: 'ann@example.com' } });
    expectStatus(other, 201, 'the other shop orders');
    theirs = other.body.orderId;
  });

  it('shows a storefront its own orders, newest first, and staff every order', async () => {
    const { shop } = ctx;
    const own = await listed(shop.storefront, `sku=${sku}`, 3);
    expect(ids(own)).toEqual(mine.map((o) => o.orderId).reverse());
    expect(own.body.items[0]).toEqual({
      orderId: mine[2].orderId,
      sku,
      quantity: 1,
      amount: mine[2].amount,
      status: 'AWAITING_PAYMENT',
      createdAt: expect.any(String),
      refund: null,
      complaints: [],
    });
    expect(ids(await listed(shop.http.as(OTHER_SHOP_KEY), `sku=${sku}`, 1))).toEqual([theirs]);
    for (const staff of [shop.agent, shop.ops, shop.admin]) expect(ids(await listed(staff, `sku=${sku}`, 4))).toEqual([theirs, ...mine.map((o) => o.orderId).reverse()]);
  });

  it("finds orders by the buyer's email, which is kept only as a keyed hash", async () => {
    const { shop, product } = ctx;
    const ann = await listed(shop.storefront, `sku=${sku}&email=${encodeURIComponent(' Ann@Example.com')}`, 2);
    expect(ids(ann)).toEqual([mine[2].orderId, mine[0].orderId]);
    expect(ids(await listed(shop.agent, 'email=ann@example.com', 3))).toContain(theirs);
    expect((await shop.agent.get('/v1/orders?email=nobody@example.com')).body).toEqual({ items: [], nextCursor: null });
    const stored = JSON.stringify([await product.store.orderViews.find().lean(), await product.store.orderAccess.find().lean()]);
    expect(stored).not.toContain('ann@example.com');
    expect(stored).not.toContain('bob@example.com');
    expect(capturedLogs.join('\n')).not.toContain('ann@example.com');
  });

  it('finds one order by its id, for a storefront only among its own', async () => {
    const { shop } = ctx;
    expect(ids(await listed(shop.storefront, `orderId=${mine[1].orderId}`, 1))).toEqual([mine[1].orderId]);
    expect(ids(await listed(shop.admin, `orderId=${theirs}`, 1))).toEqual([theirs]);
    expect((await shop.storefront.get(`/v1/orders?orderId=${theirs}`)).body).toEqual({ items: [], nextCursor: null });
    expect((await shop.agent.get(`/v1/orders?orderId=${mine[1].orderId}&status=DELIVERED`)).body.items).toEqual([]);
    const bad = await shop.agent.get('/v1/orders?orderId=not%20an%20id');
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['orderId']);
  });

  it('pages with a cursor and filters by status and date', async () => {
    const { shop } = ctx;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await shop.storefront.get(`/v1/orders?sku=${sku}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...ids(page));
      cursor = page.body.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual(mine.map((o) => o.orderId).reverse());

    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(ids(await listed(shop.storefront, `sku=${sku}&from=${today}&to=${today}&status=AWAITING_PAYMENT`, 3))).toHaveLength(3);
    expect((await shop.storefront.get(`/v1/orders?sku=${sku}&to=${yesterday}`)).body.items).toEqual([]);
    expect((await shop.storefront.get(`/v1/orders?sku=${sku}&status=DELIVERED`)).body.items).toEqual([]);
  });

  it("lists refund requests oldest first: the agents' refund queue", async () => {
    const { shop } = ctx;
    const queueSku = 'list-refunds';
    await shop.product(queueSku, {}, keyCodes(2, 'RQ'));
    const [first, second] = [await shop.order(queueSku), await shop.order(queueSku)];
    for (const o of [second, first]) {
      await shop.pay(o);
      await shop.waitFor(o.orderId, 'DELIVERED');
    }
    for (const o of [first, second]) {
      expectStatus(await o.buyer.post(`/v1/orders/${o.orderId}/refund-request`, { reason: 'bought the wrong region' }), 202, 'refund request');
      await shop.waitFor(o.orderId, 'REFUND_REQUESTED');
    }
    const queue = await listed(shop.agent, `status=REFUND_REQUESTED&sku=${queueSku}`, 2);
    expect(ids(queue)).toEqual([first.orderId, second.orderId]);
    expect(queue.body.items[0].refund).toEqual({ status: expect.any(String), requestedAt: expect.any(String) });
    const page = await shop.agent.get(`/v1/orders?status=REFUND_REQUESTED&sku=${queueSku}&limit=1`);
    const rest = await shop.agent.get(`/v1/orders?status=REFUND_REQUESTED&sku=${queueSku}&limit=1&cursor=${page.body.nextCursor}`);
    expect([...ids(page), ...ids(rest)]).toEqual([first.orderId, second.orderId]);
    // Agents see stuck orders too.
    expect((await shop.agent.get('/v1/ops/stuck')).status).toBe(200);
  });

  it('refuses bad filters naming each, and buyers', async () => {
    const { shop } = ctx;
    const bad = await shop.agent.get('/v1/orders?status=LOST&email=not-an-email&from=yesterday&limit=500&cursor=abc&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['colour', 'email', 'from', 'limit', 'status']);
    const cursor = await shop.agent.get('/v1/orders?cursor=abc');
    expect(cursor.body.error.details).toEqual([{ path: 'cursor', reason: 'is not a cursor this API gave out' }]);
    expect((await mine[0].buyer.get('/v1/orders')).status).toBe(401);
  });
});
