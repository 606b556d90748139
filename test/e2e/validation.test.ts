import { orderWorkflowId } from '../../domain/order';
import { sign } from '../../security/signature';
import { startProduct, type Product } from '../support/harness';
import { ApiClient, DEV, eventually, type Answer } from '../support/http';
import { expectStatus, keyCodes, paymentNotice, PRICE, productWithOwnWorker, Shop, type PlacedOrder } from '../support/orders';

/*
 * The edges of every route of issue 2, through HTTP against the real worker, dev server and store:
 * bad input answers 400 naming each field and changes nothing; auth, idempotency, closed orders,
 * search attributes, and the system routes.
 */

let product: Product;
let http: ApiClient;
let shop: Shop;
const SKU = 'val-steam-50';
const PRODUCT = { name: 'Steam wallet 50', price: PRICE, refundWindow: '24h', complaintWindow: '7d', keyPattern: '^KEY-' };

beforeAll(async () => {
  product = await startProduct();
  http = new ApiClient(product.api.url);
  shop = new Shop(http, product.config.paymentWebhookSecret);
  await shop.product(SKU, PRODUCT, keyCodes(5));
});

afterAll(async () => {
  await product?.stop();
});

/** Everything the API itself writes; a refused request must leave all of it as it was. */
async function storeState() {
  const { store } = product;
  const [products, keys, claims, orders, idempotency, paymentEvents] = await Promise.all([
    store.products.find().sort({ _id: 1 }).lean(),
    store.keys.find().sort({ _id: 1 }).lean(),
    store.claims.find().sort({ _id: 1 }).lean(),
    store.orderAccess.countDocuments(),
    store.idempotency.countDocuments(),
    store.paymentEvents.countDocuments(),
  ]);
  return { products, keys, claims, orders, idempotency, paymentEvents };
}

/** The ids of the workflows a visibility query finds now. */
async function workflowIds(on: Product, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of on.client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

/** Send each request; each must be refused with `status` and leave the store untouched. */
async function refusedWithoutChange(status: number, ...requests: (() => Promise<Answer>)[]): Promise<Answer[]> {
  const before = await storeState();
  const answers: Answer[] = [];
  for (const request of requests) {
    const answer = await request();
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { error: expect.any(Object) } });
    answers.push(answer);
  }
  expect(await storeState()).toEqual(before);
  return answers;
}

/** A 400 invalid_request whose details name `path` with a reason matching `reason`. */
function expectInvalid(answer: Answer, path: string, reason: RegExp): void {
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe('invalid_request');
  expect(answer.body.error.message).toEqual(expect.any(String));
  expect(answer.body.error.details).toContainEqual({ path, reason: expect.stringMatching(reason) });
}

describe('PUT /v1/products/:sku', () => {
  const good = { name: 'Game card', price: { amount: 500, currency: 'CNY' } };
  const cases: [string, string, unknown, string, RegExp][] = [
    ['a sku with a space', 'bad%20sku', good, 'sku', /letters, digits/],
    ['a sku with a slash', 'bad%2Fsku', good, 'sku', /letters, digits/],
    ['a sku in other letters', encodeURIComponent('卡密'), good, 'sku', /letters, digits/],
    ['a sku longer than 64', 'x'.repeat(65), good, 'sku', /1-64/],
    ['a sku with broken percent-encoding', 'bad%E0%A4%Asku', good, 'path', /percent-encoding/],
    ['no name', SKU, { price: good.price }, 'name', /required/i],
    ['a blank name', SKU, { ...good, name: '   ' }, 'name', /required/],
    ['no price', SKU, { name: 'x' }, 'price', /required/i],
    ['a negative price', SKU, { ...good, price: { amount: -1, currency: 'CNY' } }, 'price.amount', /negative/],
    ['a fractional price', SKU, { ...good, price: { amount: 19.99, currency: 'CNY' } }, 'price.amount', /whole number/],
    ['a price as text', SKU, { ...good, price: { amount: '500', currency: 'CNY' } }, 'price.amount', /number/],
    ['a lower-case currency', SKU, { ...good, price: { amount: 500, currency: 'cny' } }, 'price.currency', /ISO 4217/],
    ['a currency that is no code', SKU, { ...good, price: { amount: 500, currency: 'YUAN' } }, 'price.currency', /ISO 4217/],
    ['a bad refund window', SKU, { ...good, refundWindow: '1 day' }, 'refundWindow', /duration/],
    ['a zero complaint window', SKU, { ...good, complaintWindow: '0h' }, 'complaintWindow', /duration/],
    ['an invalid key pattern', SKU, { ...good, keyPattern: '([A-Z' }, 'keyPattern', /regular expression/],
    ['a validation url that is no url', SKU, { ...good, validationUrl: 'not a url' }, 'validationUrl', /URL/],
    ['a validation url that is not http', SKU, { ...good, validationUrl: 'ftp://supplier.example/check' }, 'validationUrl', /http/],
    ['an unknown field', SKU, { ...good, colour: 'red' }, 'colour', /not a known field/],
    ['an unknown field in the price', SKU, { ...good, price: { ...good.price, tax: 3 } }, 'price.tax', /not a known field/],
    ['an array', SKU, [good], 'body', /object/],
  ];

  it.each(cases)('refuses %s, naming the field', async (_what, sku, body, path, reason) => {
    const [answer] = await refusedWithoutChange(400, () => shop.admin.put(`/v1/products/${sku}`, body));
    expectInvalid(answer, path, reason);
  });

  it('names every bad field at once, and creates nothing for a new sku', async () => {
    const [answer] = await refusedWithoutChange(400, () =>
      shop.admin.put('/v1/products/never-made', { price: { amount: -5, currency: 'cny' }, refundWindow: 'soon', extra: 1 }),
    );
    expect(answer.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['extra', 'name', 'price.amount', 'price.currency', 'refundWindow']);
    expect((await shop.admin.get('/v1/products/never-made')).status).toBe(404);
  });

  it('leaves the product as it was', async () => {
    const before = await shop.admin.get(`/v1/products/${SKU}`);
    await refusedWithoutChange(400, () => shop.admin.put(`/v1/products/${SKU}`, { ...PRODUCT, name: 'Renamed', price: { amount: -1, currency: 'CNY' } }));
    expect(await shop.admin.get(`/v1/products/${SKU}`)).toEqual(before);
    expect(before.body).toMatchObject({ sku: SKU, name: PRODUCT.name, price: PRICE, keyPattern: '^KEY-', stock: { available: 5 } });
  });
});

describe('POST /v1/products/:sku/keys', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['an empty list', { keys: [] }, 'keys', /at least one/],
    ['more than 10000 keys', { keys: Array.from({ length: 10_001 }, (_, i) => `KEY-MANY-${i}`) }, 'keys', /at most 10000/],
    ['a key that is not a string', { keys: ['KEY-OK-1', 42] }, 'keys.1', /string/],
    ['an empty key', { keys: [''] }, 'keys.0', /empty/],
    ['no list', {}, 'keys', /required/i],
    ['a list that is not a list', { keys: 'KEY-1,KEY-2' }, 'keys', /array/],
    ['an unknown field', { keys: ['KEY-OK-2'], sku: SKU }, 'sku', /not a known field/],
  ];

  it.each(cases)('refuses %s, naming the field', async (_what, body, path, reason) => {
    const [answer] = await refusedWithoutChange(400, () => shop.admin.post(`/v1/products/${SKU}/keys`, body));
    expectInvalid(answer, path, reason);
  });

  it('answers 404 for an unknown sku, and 400 for a malformed one', async () => {
    const [missing] = await refusedWithoutChange(404, () => shop.admin.post('/v1/products/no-such-sku/keys', { keys: ['KEY-LOST-1'] }));
    const [malformed] = await refusedWithoutChange(400, () => shop.admin.post('/v1/products/bad%20sku/keys', { keys: ['KEY-LOST-1'] }));
    expect(missing.body.error.code).toBe('not_found');
    expectInvalid(malformed, 'sku', /letters, digits/);
    expect(await shop.stock(SKU)).toMatchObject({ available: 5 });
  });
});

describe('POST /v1/orders', () => {
  const order = { sku: SKU, quantity: 1, buyer: { email: 'buyer@example.com' } };
  const cases: [string, unknown, string, RegExp][] = [
    ['no sku', { buyer: order.buyer }, 'sku', /required/i],
    ['a malformed sku', { ...order, sku: 'bad sku' }, 'sku', /letters, digits/],
    ['quantity 0', { ...order, quantity: 0 }, 'quantity', /at least 1/],
    ['quantity 11', { ...order, quantity: 11 }, 'quantity', /at most 10/],
    ['quantity 1.5', { ...order, quantity: 1.5 }, 'quantity', /whole number/],
    ['quantity as text', { ...order, quantity: '2' }, 'quantity', /number/],
    ['a bad email', { ...order, buyer: { email: 'not-an-email' } }, 'buyer.email', /email/],
    ['no buyer', { sku: SKU }, 'buyer', /required/i],
    ['an unknown buyer field', { ...order, buyer: { ...order.buyer, phone: '123' } }, 'buyer.phone', /not a known field/],
    ['an unknown field', { ...order, price: 1 }, 'price', /not a known field/],
  ];

  it.each(cases)('refuses %s, naming the field', async (_what, body, path, reason) => {
    const [answer] = await refusedWithoutChange(400, () => shop.storefront.post('/v1/orders', body));
    expectInvalid(answer, path, reason);
  });

  it('refuses an Idempotency-Key longer than 200 characters', async () => {
    const [answer] = await refusedWithoutChange(400, () => shop.storefront.post('/v1/orders', order, { 'idempotency-key': 'k'.repeat(201) }));
    expectInvalid(answer, 'Idempotency-Key', /1-200/);
  });

  it('answers 404 for an unknown sku', async () => {
    const [answer] = await refusedWithoutChange(404, () => shop.storefront.post('/v1/orders', { ...order, sku: 'no-such-sku' }));
    expect(answer.body.error.code).toBe('not_found');
  });

  it('answers 400 to malformed JSON and 413 to a body too large', async () => {
    const [malformed] = await refusedWithoutChange(400, () => shop.storefront.post('/v1/orders', '{"sku": "val-steam-50", "buyer": {'));
    const [tooLarge] = await refusedWithoutChange(413, () => shop.storefront.post('/v1/orders', { ...order, padding: 'x'.repeat(3 * 1024 * 1024) }));
    expect(malformed.body.error).toMatchObject({ code: 'invalid_request', details: [{ path: expect.any(String), reason: expect.stringMatching(/JSON/) }] });
    expect(tooLarge.body.error.code).toEqual(expect.any(String));
  });
});

describe('POST /v1/payments/notify', () => {
  let placed: PlacedOrder;

  beforeAll(async () => {
    placed = await shop.order(SKU);
  });

  it('answers 401 to a missing, wrong or stale signature and records nothing', async () => {
    const raw = JSON.stringify(paymentNotice(placed));
    const secret = product.config.paymentWebhookSecret;
    // The order as its workflow first wrote it (the API's own first row, written before it answered, has no timeline yet).
    const viewBefore = await eventually(async () => {
      const view = await shop.view(placed.orderId);
      return view.timeline.length > 0 ? view : false;
    }, 'the order written by its workflow');
    const send = (body: string, headers: Record<string, string>) => () => http.post('/v1/payments/notify', body, headers);
    const answers = await refusedWithoutChange(
      401,
      send(raw, {}),
      send(raw, { 'x-signature': '' }),
      send(raw, { 'x-signature': sign(raw, 'another-secret-0123456789') }),
      send(raw, { 'x-signature': sign(raw, secret).slice(0, -2) }),
      send(raw, { 'x-signature': 'sha256=zz' }),
      send(raw.replace('"pay-1"', '"pay-2"'), { 'x-signature': sign(raw, secret) }),
      // Unsigned garbage is refused for its signature before anything is parsed.
      send('{"eventId": ', {}),
    );
    for (const answer of answers) expect(answer.body.error.code).toBe('unauthenticated');
    expect(await product.store.paymentEvents.countDocuments()).toBe(0);
    const viewAfter = await shop.view(placed.orderId);
    expect(viewAfter.status).toBe('AWAITING_PAYMENT');
    expect(viewAfter.timeline).toEqual(viewBefore.timeline);
  });

  it('answers 400 to a signed body that is malformed, and records nothing', async () => {
    const secret = product.config.paymentWebhookSecret;
    const signed = (body: string) => () => http.post('/v1/payments/notify', body, { 'x-signature': sign(body, secret) });
    const notice = paymentNotice(placed);
    const [json, status, amount, missing, extra] = await refusedWithoutChange(
      400,
      signed('{"eventId": "evt-x", '),
      signed(JSON.stringify({ ...notice, status: 'maybe' })),
      signed(JSON.stringify({ ...notice, amount: { amount: 19.5, currency: 'CNY' } })),
      signed(JSON.stringify({ ...notice, eventId: undefined })),
      signed(JSON.stringify({ ...notice, note: 'hi' })),
    );
    expect(json.body.error.code).toBe('invalid_request');
    expectInvalid(status, 'status', /./);
    expectInvalid(amount, 'amount.amount', /whole number/);
    expectInvalid(missing, 'eventId', /required/i);
    expectInvalid(extra, 'note', /not a known field/);
    expect((await shop.view(placed.orderId)).status).toBe('AWAITING_PAYMENT');
  });

  it('answers 409 to the buyer asking for keys before delivery', async () => {
    const answer = await placed.buyer.get(`/v1/orders/${placed.orderId}/keys`);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('AWAITING_PAYMENT') });
  });
});

describe('auth', () => {
  let mine: PlacedOrder;
  let theirs: PlacedOrder;

  beforeAll(async () => {
    [mine, theirs] = await Promise.all([shop.order(SKU), shop.order(SKU)]);
  });

  it('answers 401 without a key, with a wrong key, or with a malformed header', async () => {
    const anonymous = http;
    const wrong = http.as('not-a-key-at-all');
    const basic = http.with({ authorization: 'Basic ZGV2LWFkbWluLWtleQ==' });
    const prefix = http.as(DEV.admin.slice(0, -1));
    const answers = await refusedWithoutChange(
      401,
      ...[anonymous, wrong, basic, prefix].flatMap((client) => [
        () => client.put(`/v1/products/${SKU}`, PRODUCT),
        () => client.post(`/v1/products/${SKU}/keys`, { keys: ['KEY-AUTH-1'] }),
        () => client.get(`/v1/products/${SKU}`),
        () => client.post('/v1/orders', { sku: SKU, buyer: { email: 'buyer@example.com' } }),
        () => client.get(`/v1/orders/${mine.orderId}`),
        () => client.post(`/v1/orders/${mine.orderId}/cancel`, {}),
      ]),
    );
    for (const answer of answers) expect(answer.body.error.code).toBe('unauthenticated');
  });

  it('answers 403 to a role that may not act', async () => {
    const answers = await refusedWithoutChange(
      403,
      () => shop.agent.put(`/v1/products/${SKU}`, PRODUCT),
      () => shop.storefront.put(`/v1/products/${SKU}`, PRODUCT),
      () => shop.ops.post(`/v1/products/${SKU}/keys`, { keys: ['KEY-AUTH-2'] }),
      () => shop.agent.post('/v1/orders', { sku: SKU, buyer: { email: 'buyer@example.com' } }),
      () => shop.agent.post(`/v1/orders/${mine.orderId}/cancel`, {}),
      // Keys are the buyer's alone.
      () => shop.admin.get(`/v1/orders/${mine.orderId}/keys`),
    );
    for (const answer of answers) expect(answer.body.error.code).toBe('forbidden');
    expect((await shop.view(mine.orderId)).status).toBe('AWAITING_PAYMENT');
  });

  it("answers a buyer's token on another order exactly as on an order that does not exist (404)", async () => {
    const answers = await refusedWithoutChange(
      404,
      () => mine.buyer.get(`/v1/orders/${theirs.orderId}`),
      () => mine.buyer.get(`/v1/orders/${theirs.orderId}/keys`),
      () => mine.buyer.post(`/v1/orders/${theirs.orderId}/cancel`, {}),
    );
    const missing = await refusedWithoutChange(404, () => mine.buyer.get('/v1/orders/noSuchOrder0000'));
    for (const answer of answers) {
      expect(answer.body.error.code).toBe('not_found');
      expect(JSON.stringify(answer.body).replaceAll(theirs.orderId, 'ID')).toBe(JSON.stringify(missing[0].body).replaceAll('noSuchOrder0000', 'ID'));
    }
    expect((await shop.view(theirs.orderId)).status).toBe('AWAITING_PAYMENT');
    // The token opens its own order, and is no API key.
    expect((await mine.buyer.get(`/v1/orders/${mine.orderId}`)).status).toBe(200);
    const asStaff = await refusedWithoutChange(401, () => http.as(mine.orderToken).get(`/v1/orders/${mine.orderId}`));
    expect(asStaff[0].body.error.code).toBe('unauthenticated');
  });
});

describe('Idempotency-Key', () => {
  const body = { sku: SKU, quantity: 2, buyer: { email: 'idem@example.com' } };

  it('answers the same order and token to a replay, starting one workflow', async () => {
    const ordersBefore = await product.store.orderAccess.countDocuments();
    const first = await shop.storefront.post('/v1/orders', body, { 'idempotency-key': 'cart-1' });
    expectStatus(first, 201, 'first order');
    const again = await shop.storefront.post('/v1/orders', { ...body, quantity: 2 }, { 'idempotency-key': 'cart-1' });
    expectStatus(again, 200, 'replayed order');
    expect(again.body).toEqual(first.body);
    expect(await product.store.orderAccess.countDocuments()).toBe(ordersBefore + 1);
    const runs = await workflowsOf(first.body.orderId);
    expect(runs).toEqual([orderWorkflowId(first.body.orderId)]);
    expect(first.body).toMatchObject({ status: 'AWAITING_PAYMENT', amount: { amount: 2 * PRICE.amount, currency: PRICE.currency } });
  });

  it('answers 409 to the same key with another body, starting nothing', async () => {
    const first = await shop.storefront.post('/v1/orders', body, { 'idempotency-key': 'cart-2' });
    expectStatus(first, 201, 'first order');
    const answers = await refusedWithoutChange(
      409,
      () => shop.storefront.post('/v1/orders', { ...body, quantity: 3 }, { 'idempotency-key': 'cart-2' }),
      () => shop.storefront.post('/v1/orders', { ...body, buyer: { email: 'other@example.com' } }, { 'idempotency-key': 'cart-2' }),
    );
    for (const answer of answers) {
      expect(answer.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('cart-2') });
      expect(JSON.stringify(answer.body)).not.toContain(first.body.orderToken);
    }
  });

  it('makes one order of concurrent requests with the same key', async () => {
    const ordersBefore = await product.store.orderAccess.countDocuments();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => shop.storefront.post('/v1/orders', body, { 'idempotency-key': 'cart-3' })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const orderIds = new Set(answers.map((a) => a.body.orderId));
    const tokens = new Set(answers.map((a) => a.body.orderToken));
    expect(orderIds.size).toBe(1);
    expect(tokens.size).toBe(1);
    expect(await product.store.orderAccess.countDocuments()).toBe(ordersBefore + 1);
    const [orderId] = [...orderIds];
    expect(await workflowsOf(orderId)).toEqual([orderWorkflowId(orderId)]);
    // The token every caller got opens the order.
    expect((await http.buyer([...tokens][0]).get(`/v1/orders/${orderId}`)).status).toBe(200);
  });

  /** The order workflows Temporal knows for this order, once visibility has caught up. */
  async function workflowsOf(orderId: string): Promise<string[]> {
    const query = `WorkflowType = 'order' AND WorkflowId = '${orderWorkflowId(orderId)}'`;
    return eventually(async () => {
      const ids = await workflowIds(product, query);
      return ids.length > 0 ? ids : undefined;
    }, `workflows of ${orderId} in visibility`);
  }
});

describe('a closed order', () => {
  // A product of its own, whose worker this test stops: a closed order must then still be served,
  // from the read model, since no worker is left to answer a query.
  const ctx = productWithOwnWorker();

  it('is still served from the read model once its workflow has completed', async () => {
    const { product: own, shop: ownShop } = ctx;
    await ownShop.product(SKU, PRODUCT, keyCodes(1));
    const request = { sku: SKU, buyer: { email: 'closed@example.com' } };
    const created = await ownShop.storefront.post('/v1/orders', request, { 'idempotency-key': 'cart-closed' });
    expectStatus(created, 201, 'order to cancel');
    const { orderId } = created.body;
    const buyer = ownShop.http.buyer(created.body.orderToken);
    const cancel = await ownShop.storefront.post(`/v1/orders/${orderId}/cancel`, { reason: 'changed their mind' });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ status: 'CANCELLED' });

    const handle = own.client.workflow.getHandle(orderWorkflowId(orderId));
    await handle.result();
    const closed = await handle.describe();
    expect(closed.status.name).toBe('COMPLETED');
    // Ops find it in the Temporal UI by its final status.
    await eventually(
      async () => (await workflowIds(own, `OrderStatus = 'CANCELLED' AND Sku = '${SKU}'`)).includes(orderWorkflowId(orderId)),
      'the cancelled order in visibility',
    );

    await ctx.stopWorker();

    const projected = await own.store.orderViews.findById(orderId).lean();
    expect(projected!.status).toBe('CANCELLED');
    const asShop = await ownShop.storefront.get(`/v1/orders/${orderId}`);
    expect(asShop.status).toBe(200);
    expect(asShop.body).toEqual(projected!.view);
    expect(asShop.body).toMatchObject({ status: 'CANCELLED', buyer: { email: 'c***@example.com' } });
    expect(asShop.body.timeline).toContainEqual(expect.objectContaining({ type: 'status:CANCELLED', actor: 'dev-shop', detail: 'cancelled: changed their mind' }));
    const asBuyer = await buyer.get(`/v1/orders/${orderId}`);
    expect(asBuyer.status).toBe(200);
    expect(asBuyer.body).toMatchObject({ status: 'CANCELLED', buyer: { email: 'closed@example.com' } });

    // Acting on it now is a conflict that names its state; it never had keys.
    const again = await ownShop.storefront.post(`/v1/orders/${orderId}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('CANCELLED');
    expect((await buyer.get(`/v1/orders/${orderId}/keys`)).status).toBe(409);

    // A replay of its request answers the same, closed order; nothing starts again.
    const replay = await ownShop.storefront.post('/v1/orders', request, { 'idempotency-key': 'cart-closed' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ ...created.body, status: 'CANCELLED' });
    expect((await handle.describe()).runId).toBe(closed.runId);
  });

  it('answers 404 for an order that never existed', async () => {
    const answer = await shop.storefront.get('/v1/orders/doesNotExist1234');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('not_found');
  });
});

describe('search attributes', () => {
  it('finds a delivered order by OrderStatus and Sku', async () => {
    const sku = 'val-search-1';
    await shop.product(sku, { keyPattern: '^KEY-' }, keyCodes(2));
    const [delivered, waiting] = await Promise.all([shop.order(sku), shop.order(sku)]);
    await shop.pay(delivered);
    await shop.waitFor(delivered.orderId, 'DELIVERED');

    const found = await eventually(async () => {
      const ids = await workflowIds(product, `OrderStatus = 'DELIVERED' AND Sku = '${sku}'`);
      return ids.length > 0 ? ids : undefined;
    }, 'the delivered order in visibility');
    expect(found).toEqual([orderWorkflowId(delivered.orderId)]);

    expect(await workflowIds(product, `OrderStatus = 'AWAITING_PAYMENT' AND Sku = '${sku}'`)).toEqual([orderWorkflowId(waiting.orderId)]);
  });
});

describe('system routes', () => {
  it('answers /healthz and /readyz', async () => {
    expect(await http.get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await http.get('/readyz')).toEqual({ status: 200, body: { status: 'ready', temporal: 'ok', database: 'ok' } });
  });

  it('describes the API at /openapi.json and /docs', async () => {
    const doc = await http.get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths).toEqual(
      expect.objectContaining({
        '/v1/products/{sku}': expect.objectContaining({ put: expect.any(Object), get: expect.any(Object) }),
        '/v1/products/{sku}/keys': expect.objectContaining({ post: expect.any(Object) }),
        '/v1/orders': expect.objectContaining({ post: expect.any(Object) }),
        '/v1/orders/{orderId}': expect.objectContaining({ get: expect.any(Object) }),
        '/v1/orders/{orderId}/keys': expect.objectContaining({ get: expect.any(Object) }),
        '/v1/orders/{orderId}/cancel': expect.objectContaining({ post: expect.any(Object) }),
        '/v1/payments/notify': expect.objectContaining({ post: expect.any(Object) }),
      }),
    );
    const docs = await fetch(`${product.api.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    expect(await docs.text()).toMatch(/<html[\s\S]*swagger/i);
  });

  it('counts requests by route in /metrics', async () => {
    await shop.admin.get(`/v1/products/${SKU}`);
    const metrics = await fetch(`${product.api.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('# TYPE kamiflow_http_request_duration_seconds histogram');
    expect(text).toMatch(/kamiflow_http_request_duration_seconds_count\{method="GET",route="\/v1\/products\/:sku",status="200"\} [1-9]/);
  });
});
