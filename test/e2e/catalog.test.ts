import { randomBytes } from 'node:crypto';
import { eventually, type Answer } from '../support/http';
import { expectStatus, keyCodes, productWithShop } from '../support/orders';

/*
 * The catalog as a shop admin runs it, over HTTP against the real worker, dev server and store:
 * products listed and searched, switched off (no new orders; orders already taken run to their
 * end) and on again; a product's keys listed masked, and an unsold one removed from stock.
 */

describe('the catalog a shop runs', () => {
  const ctx = productWithShop();
  const run = randomBytes(3).toString('hex');
  const skus = { a: `cat-${run}-alpha`, b: `cat-${run}-beta`, c: `cat-${run}-gamma` };
  const details = (answer: Answer) => (answer.body.error?.details ?? []).map((d: { path: string }) => d.path).sort();

  beforeAll(async () => {
    const { shop } = ctx;
    await shop.product(skus.a, { name: 'Steam Wallet 100' }, keyCodes(2, 'CATA'));
    await shop.product(skus.b, { name: 'Apple Gift Card' });
    await shop.product(skus.c, { name: 'steam wallet 50' });
  });

  it('lists products in sku order, searched by sku or name in any case, on sale or off, page by page; a storefront too', async () => {
    const { shop } = ctx;
    const all = await shop.storefront.get(`/v1/products?q=cat-${run}`);
    expectStatus(all, 200, 'the catalog');
    expect(all.body.items.map((p: { sku: string }) => p.sku)).toEqual([skus.a, skus.b, skus.c]);
    expect(all.body.items[0]).toMatchObject({ sku: skus.a, name: 'Steam Wallet 100', active: true, stock: { available: 2 } });
    expect(all.body.nextCursor).toBeNull();

    const steam = await shop.agent.get(`/v1/products?q=STEAM%20wallet`);
    expect(steam.body.items.map((p: { sku: string }) => p.sku)).toEqual(expect.arrayContaining([skus.a, skus.c]));
    expect(steam.body.items.map((p: { sku: string }) => p.sku)).not.toContain(skus.b);
    // A search is text, not a pattern.
    expect((await shop.agent.get(`/v1/products?q=${encodeURIComponent('.*')}`)).body.items).toEqual([]);
    // A control character is a clear 400 naming the field, never a 500 from the store (the fuzz suite found %00).
    const nul = await shop.agent.get('/v1/products?q=a%00b');
    expect(nul.status).toBe(400);
    expect(nul.body.error).toMatchObject({ code: 'invalid_request', details: [{ path: 'q', reason: 'must not contain control characters' }] });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await shop.ops.get(`/v1/products?q=cat-${run}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expectStatus(page, 200, 'a page');
      seen.push(...page.body.items.map((p: { sku: string }) => p.sku));
      cursor = page.body.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([skus.a, skus.b, skus.c]);

    const bad = await shop.admin.get('/v1/products?active=maybe&limit=0&cursor=nope&colour=red');
    expect(bad.status).toBe(400);
    expect(details(bad)).toEqual(['active', 'colour', 'limit']);
    expect(details(await shop.admin.get('/v1/products?cursor=nope'))).toEqual(['cursor']);
  });

  it('takes a product off sale: new orders are refused with product_unavailable, an order taken before runs to its end', async () => {
    const { shop } = ctx;
    const sku = `cat-${run}-switch`;
    await shop.product(sku, {}, keyCodes(3, 'CATS'));
    const before = await shop.order(sku);
    const replayed = { sku, buyer: { email: 'replay@example.com' } };
    const first = await shop.storefront.post('/v1/orders', replayed, { 'idempotency-key': `cat-${run}` });
    expectStatus(first, 201, 'an order with an Idempotency-Key');

    expect((await shop.agent.patch(`/v1/products/${sku}`, { active: false })).status).toBe(403);
    const off = await shop.admin.patch(`/v1/products/${sku}`, { active: false });
    expectStatus(off, 200, 'off sale');
    expect(off.body).toMatchObject({ sku, active: false, stock: { available: 3 } });
    expect((await shop.storefront.get(`/v1/products/${sku}`)).body.active).toBe(false);
    expect((await shop.agent.get(`/v1/products?q=${sku}&active=false`)).body.items.map((p: { sku: string }) => p.sku)).toEqual([sku]);
    expect((await shop.agent.get(`/v1/products?q=${sku}&active=true`)).body.items).toEqual([]);

    const refused = await shop.storefront.post('/v1/orders', { sku, buyer: { email: 'late@example.com' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'product_unavailable', message: expect.stringContaining(sku) });
    // A retry of the order taken before still answers that order.
    const again = await shop.storefront.post('/v1/orders', replayed, { 'idempotency-key': `cat-${run}` });
    expectStatus(again, 200, 'the replayed order');
    expect(again.body.orderId).toBe(first.body.orderId);
    // A PUT edits the product and leaves it off sale.
    await shop.product(sku, { name: 'Renamed' });
    expect((await shop.agent.get(`/v1/products/${sku}`)).body).toMatchObject({ name: 'Renamed', active: false });

    await shop.pay(before);
    const delivered = await shop.waitFor(before.orderId, 'DELIVERED');
    expect(delivered.keys).toHaveLength(1);

    expectStatus(await shop.admin.patch(`/v1/products/${sku}`, { active: true }), 200, 'on sale again');
    expect((await shop.storefront.post('/v1/orders', { sku, buyer: { email: 'back@example.com' } })).status).toBe(201);

    expect(details(await shop.admin.patch(`/v1/products/${sku}`, { active: 'no', price: 1 }))).toEqual(['active', 'price']);
    expect(details(await shop.admin.patch(`/v1/products/${sku}`, {}))).toEqual(['active']);
    expect((await shop.admin.patch('/v1/products/no-such-product', { active: false })).status).toBe(404);
  });

  it("lists a product's keys masked with where each stands, and removes an unsold one, never one an order holds", async () => {
    const { shop } = ctx;
    const sku = `cat-${run}-keys`;
    const codes = keyCodes(5, 'CATK');
    await shop.product(sku, {}, codes);
    const order = await shop.order(sku);
    await shop.pay(order);
    const { keys } = await shop.waitFor(order.orderId, 'DELIVERED');

    const list = await shop.admin.get(`/v1/products/${sku}/keys`);
    expectStatus(list, 200, 'the key list');
    expect(list.body.items).toHaveLength(5);
    for (const code of codes) expect(JSON.stringify(list.body)).not.toContain(code);
    const sold = list.body.items.find((k: { keyId: string }) => k.keyId === keys[0].keyId);
    expect(sold).toEqual({ keyId: keys[0].keyId, masked: keys[0].masked, status: 'delivered', importedAt: expect.any(String), orderId: order.orderId });
    const available = list.body.items.filter((k: { status: string }) => k.status === 'available');
    expect(available).toHaveLength(4);
    for (const k of available) {
      expect(k.orderId).toBeUndefined();
      expect(codes.some((c) => c.endsWith(k.masked.replace(/^\*+/, '')))).toBe(true);
    }
    expect((await shop.admin.get(`/v1/products/${sku}/keys?status=delivered`)).body.items.map((k: { keyId: string }) => k.keyId)).toEqual([keys[0].keyId]);
    expect((await shop.admin.get(`/v1/products/${sku}/keys?status=available`)).body.items).toHaveLength(4);
    expect((await shop.admin.get(`/v1/products/${sku}/keys?status=revoked`)).body.items).toEqual([]);

    // Two at a time, all of them, each once.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await shop.admin.get(`/v1/products/${sku}/keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.body.items.map((k: { keyId: string }) => k.keyId));
      cursor = page.body.nextCursor;
    } while (cursor && paged.length < 10);
    expect(paged.sort()).toEqual(list.body.items.map((k: { keyId: string }) => k.keyId).sort());

    const held = await shop.admin.delete(`/v1/products/${sku}/keys/${keys[0].keyId}`);
    expect(held.status).toBe(409);
    expect(held.body.error).toMatchObject({ code: 'conflict', status: 'delivered', message: expect.stringContaining('delivered') });
    const removed = await shop.admin.delete(`/v1/products/${sku}/keys/${available[0].keyId}`);
    expectStatus(removed, 200, 'a removal');
    expect(removed.body).toEqual({ keyId: available[0].keyId, removed: true, stock: expect.objectContaining({ available: 3, delivered: 1 }) });
    expect((await shop.admin.delete(`/v1/products/${sku}/keys/${available[0].keyId}`)).status).toBe(404);
    expect((await shop.admin.get(`/v1/products/${sku}/keys`)).body.items.map((k: { keyId: string }) => k.keyId)).not.toContain(available[0].keyId);
    // The removed code is out of inventory: importing it again stores it as new.
    expect((await shop.importKeys(sku, codes)).imported).toBe(1);

    expect((await shop.agent.get(`/v1/products/${sku}/keys`)).status).toBe(403);
    expect((await shop.agent.delete(`/v1/products/${sku}/keys/${available[1].keyId}`)).status).toBe(403);
    expect(details(await shop.admin.get(`/v1/products/${sku}/keys?status=lost&limit=9999`))).toEqual(['limit', 'status']);
    expect((await shop.admin.get('/v1/products/no-such-product/keys')).status).toBe(404);
    expect(details(await shop.admin.send('DELETE', `/v1/products/${sku}/keys/${available[1].keyId}`, { force: true }))).toEqual(['force']);
    expect((await shop.stock(sku)).available).toBe(4);
  });

  it('a product whose unsold keys were all removed leaves a paid order waiting for stock, listed for ops at once with why, sku and amount', async () => {
    const { shop } = ctx;
    const sku = `cat-${run}-empty`;
    await shop.product(sku, { price: { amount: 6800, currency: 'CNY' } }, keyCodes(2, 'CATE'));
    for (const k of (await shop.admin.get(`/v1/products/${sku}/keys?status=available`)).body.items) {
      expectStatus(await shop.admin.delete(`/v1/products/${sku}/keys/${k.keyId}`), 200, 'removal');
    }
    expect(await shop.stock(sku)).toEqual({ available: 0, reserved: 0, delivered: 0, revoked: 0, invalid: 0 });
    const order = await shop.order(sku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'OUT_OF_STOCK');
    // The default window (30m) does not hide it: a restock is what it waits for.
    const stuck = await eventually(async () => {
      const answer = await shop.ops.get('/v1/ops/stuck');
      return answer.body.items.find((i: { orderId: string }) => i.orderId === order.orderId);
    }, 'the order on /v1/ops/stuck');
    expect(stuck).toMatchObject({ status: 'OUT_OF_STOCK', why: 'out_of_stock', sku, quantity: 1, amount: { amount: 6800, currency: 'CNY' } });

    const restock = await shop.importKeys(sku, keyCodes(1, 'CATR'));
    expect(restock.imported).toBe(1);
    await shop.waitFor(order.orderId, 'DELIVERED');
  });

  it('refuses a refund rejection without a note, naming it, and changes nothing', async () => {
    const { shop } = ctx;
    const sku = `cat-${run}-refund`;
    await shop.product(sku, {}, keyCodes(1, 'CATF'));
    const order = await shop.order(sku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    expectStatus(await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Wrong region.' }), 202, 'refund request');
    await shop.waitFor(order.orderId, 'REFUND_REQUESTED');
    for (const body of [{ approve: false }, { approve: false, note: '   ' }]) {
      const refused = await shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual([{ path: 'note', reason: 'is required to reject a refund' }]);
    }
    expect((await shop.view(order.orderId)).status).toBe('REFUND_REQUESTED');
    expectStatus(await shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: false, note: 'The key was redeemed.' }), 200, 'rejected with a note');
  });
});
