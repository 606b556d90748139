import { Webhook } from 'standardwebhooks';
import { sign } from '../../security/signature';
import { capturedLogs } from '../support/harness';
import { ApiClient, DEV, eventually, OTHER_SHOP_KEY, TWO_STOREFRONTS } from '../support/http';
import { expectStatus, keyCodes, productWithOwnWorker, productWithShop, type PlacedOrder, type Shop } from '../support/orders';

/*
 * The API's own correctness and security through HTTP against the real worker, dev server and
 * store: who sees which order, bounded input, edits that would strand stock, imports that answer
 * once keys are stored, retries that act once, limits, headers, and messages that say what to fix.
 */

describe('the API', () => {
  const ctx = productWithShop(() => ({ API_KEYS: TWO_STOREFRONTS, CORS_ORIGINS: 'https://shop.example.com' }));
  let shop: Shop;
  let otherShop: ApiClient;
  const sku = 'sec-card';

  beforeAll(async () => {
    shop = ctx.shop;
    otherShop = shop.http.as(OTHER_SHOP_KEY);
    await shop.product(sku, { keyPattern: '^SEC-' }, keyCodes(6, 'SEC'));
  });

  describe('isolation', () => {
    it("gives a storefront only its own orders: another shop's order answers exactly as a missing one", async () => {
      const order = await shop.order(sku);
      const missing = 'noSuchOrder0000';
      const asOther = [
        await otherShop.get(`/v1/orders/${order.orderId}`),
        await otherShop.post(`/v1/orders/${order.orderId}/cancel`, { reason: 'not mine' }),
      ];
      const asOtherMissing = [await otherShop.get(`/v1/orders/${missing}`), await otherShop.post(`/v1/orders/${missing}/cancel`, { reason: 'not mine' })];
      for (const [i, answer] of asOther.entries()) {
        expect(answer.status).toBe(404);
        expect(answer.body.error.code).toBe('not_found');
        expect(JSON.stringify(answer.body).replaceAll(order.orderId, 'ID')).toBe(JSON.stringify(asOtherMissing[i].body).replaceAll(missing, 'ID'));
      }
      // Untouched, and still the creator's, the agents' and ops'.
      const view = await shop.view(order.orderId);
      expect(view.status).toBe('AWAITING_PAYMENT');
      expect(view.timeline.map((e) => e.type)).not.toContain('status:CANCELLED');
      expect((await shop.storefront.get(`/v1/orders/${order.orderId}`)).status).toBe(200);
      expect((await shop.agent.get(`/v1/orders/${order.orderId}`)).status).toBe(200);
      expect((await shop.admin.get(`/v1/orders/${order.orderId}`)).status).toBe(200);

      const own = await otherShop.post('/v1/orders', { sku, buyer: { email: 'other@example.com' } });
      expectStatus(own, 201, 'the other shop orders');
      expect((await otherShop.get(`/v1/orders/${own.body.orderId}`)).status).toBe(200);
      expect((await shop.storefront.get(`/v1/orders/${own.body.orderId}`)).status).toBe(404);
    });

    it("answers a wrong order token on a complaint exactly as on a complaint that does not exist", async () => {
      const order = await shop.order(sku);
      await shop.pay(order);
      await shop.waitFor(order.orderId, 'DELIVERED');
      const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'Slow.' });
      expectStatus(filed, 201, 'complaint');
      const stranger = await shop.order(sku);
      const foreign = await stranger.buyer.get(`/v1/complaints/${filed.body.complaintId}`);
      const missing = await stranger.buyer.get('/v1/complaints/noSuchComplaint0');
      expect(foreign.status).toBe(404);
      expect(JSON.stringify(foreign.body).replaceAll(filed.body.complaintId, 'ID')).toBe(JSON.stringify(missing.body).replaceAll('noSuchComplaint0', 'ID'));
    });
  });

  describe('bounds', () => {
    it.each([
      ['refundWindow', '100000000d'],
      ['refundWindow', '366d'],
      ['complaintWindow', '8761h'],
      ['complaintWindow', '99999999999999999999d'],
    ])('refuses a %s of %s, naming the field, and changes nothing', async (field, value) => {
      const before = await shop.admin.get(`/v1/products/${sku}`);
      const answer = await shop.admin.put(`/v1/products/${sku}`, { name: 'x', price: { amount: 1, currency: 'CNY' }, [field]: value });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([{ path: field, reason: 'must be at most 365 days' }]);
      expect(await shop.admin.get(`/v1/products/${sku}`)).toEqual(before);
    });

    it('takes a window of exactly 365 days', async () => {
      const put = await shop.admin.put('/v1/products/sec-long', { name: 'Long', price: { amount: 1, currency: 'CNY' }, refundWindow: '365d', complaintWindow: '8760h' });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ refundWindow: '365d', complaintWindow: '8760h' });
    });

    it('refuses a look back beyond 365 days on the stuck list', async () => {
      const answer = await shop.ops.get('/v1/ops/stuck?olderThan=100000000d');
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([{ path: 'olderThan', reason: 'must be at most 365 days' }]);
    });
  });

  describe('keyPattern', () => {
    it('refuses a new pattern that would reject keys still in stock, naming how many; takes one that keeps them', async () => {
      const patterned = 'sec-pattern';
      await shop.product(patterned, { keyPattern: '^PAT' }, [...keyCodes(2, 'PAT'), ...keyCodes(1, 'PATX')]);
      const before = await shop.admin.get(`/v1/products/${patterned}`);
      const refused = await shop.admin.put(`/v1/products/${patterned}`, { name: patterned, price: before.body.price, keyPattern: '^PAT-' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'conflict', rejectedKeys: 1, message: expect.stringContaining('reject 1 key ') });
      expect(await shop.admin.get(`/v1/products/${patterned}`)).toEqual(before);

      const kept = await shop.admin.put(`/v1/products/${patterned}`, { name: patterned, price: before.body.price, keyPattern: '^PATX?-' });
      expect(kept.status).toBe(200);
      expect(kept.body.keyPattern).toBe('^PATX?-');
      expect((await shop.stock(patterned)).available).toBe(3);
    });
  });

  describe('key import', () => {
    it('names each key not stored, masked, with why', async () => {
      const [first, second] = keyCodes(2, 'SEC');
      await shop.importKeys(sku, [first]);
      const answer = await shop.admin.post(`/v1/products/${sku}/keys`, { keys: [first, 'WRONG-0001-ABCDEFGH', second, '   ', second] });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ imported: 1, duplicates: 2, rejected: 2 });
      expect(answer.body.details).toEqual([
        { index: 0, key: expect.stringMatching(/^\*+.{4}$/), outcome: 'duplicate', reason: 'is already in inventory' },
        { index: 1, key: '***************EFGH', outcome: 'rejected', reason: "does not match the product's keyPattern ^SEC-" },
        { index: 3, key: '****', outcome: 'rejected', reason: 'is blank' },
        { index: 4, key: expect.stringMatching(/^\*+.{4}$/), outcome: 'duplicate', reason: 'appears earlier in this import' },
      ]);
      expect(JSON.stringify(answer.body)).not.toContain(first);
      expect(JSON.stringify(answer.body)).not.toContain('WRONG-0001');
    });
  });

  describe('retries', () => {
    it('applies a buyer reply retried under its Idempotency-Key once; the same words without a key are a reply of their own', async () => {
      const order = await shop.order(sku);
      await shop.pay(order);
      await shop.waitFor(order.orderId, 'DELIVERED');
      const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'Where is the receipt?' });
      expectStatus(filed, 201, 'complaint');
      const { complaintId } = filed.body;
      const reply = { message: 'Any news on the receipt?' };
      const first = await order.buyer.post(`/v1/complaints/${complaintId}/replies`, reply, { 'idempotency-key': 'reply-7' });
      const retry = await order.buyer.post(`/v1/complaints/${complaintId}/replies`, reply, { 'idempotency-key': 'reply-7' });
      expect(first.status).toBe(200);
      expect(retry).toEqual(first);
      // No key: judged afresh, so the buyer who says it again is heard again.
      const again = await order.buyer.post(`/v1/complaints/${complaintId}/replies`, reply);
      expect(again.status).toBe(200);

      const view = await shop.agent.get(`/v1/complaints/${complaintId}`);
      const texts = view.body.messages.filter((m: { from: string }) => m.from === 'buyer').map((m: { text: string }) => m.text);
      expect(texts.filter((t: string) => t === reply.message)).toHaveLength(2);
    });

    it('answers a cancel retried under its key as the first, and cancels once; without a key a second cancel is a 409', async () => {
      const order = await shop.order(sku);
      const cancel = (headers: Record<string, string> = {}) => shop.storefront.post(`/v1/orders/${order.orderId}/cancel`, { reason: 'cart abandoned' }, headers);
      const first = await cancel({ 'idempotency-key': 'cancel-1' });
      const retry = await cancel({ 'idempotency-key': 'cancel-1' });
      expect(first).toEqual({ status: 200, body: { status: 'CANCELLED' } });
      expect(retry).toEqual(first);
      const unkeyed = await cancel();
      expect(unkeyed.status).toBe(409);
      expect(unkeyed.body.error.message).toContain('CANCELLED');
      const view = await shop.view(order.orderId);
      expect(view.timeline.filter((e) => e.type === 'status:CANCELLED')).toHaveLength(1);
    });
  });

  describe('bodies', () => {
    it('answers a body without a JSON content type with 415 naming the content type, not the fields', async () => {
      const body = JSON.stringify({ sku, buyer: { email: 'buyer@example.com' } });
      for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }]) {
        const answer = await shop.storefront.send<any>('POST', '/v1/orders', body, headers);
        expect(answer.status).toBe(415);
        expect(answer.body.error).toMatchObject({ code: 'unsupported_media_type', details: [{ path: 'Content-Type', reason: expect.stringContaining('application/json') }] });
      }
      const bare = await fetch(`${shop.http.baseUrl}/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${DEV.storefront}` }, body: new Blob([body]) });
      expect(bare.status).toBe(415);
      expect(((await bare.json()) as any).error.details[0].reason).toMatch(/missing/);
    });

    it('answers 413 in the contract shape past the route limit; a key import may be larger', async () => {
      const big = await shop.storefront.post('/v1/orders', { sku, buyer: { email: 'b@example.com' }, pad: 'x'.repeat(300 * 1024) });
      expect(big.status).toBe(413);
      expect(big.body).toEqual({ error: { code: 'payload_too_large', message: expect.stringMatching(/too large/), details: [] } });
      const keys = Array.from({ length: 2000 }, (_, i) => `SEC-BULK-${String(i).padStart(5, '0')}-${'Z'.repeat(300)}`);
      const imported = await shop.admin.post(`/v1/products/${sku}/keys`, { keys });
      expect(imported.status).toBe(200);
      expect(imported.body.imported).toBe(2000);
    });
  });

  describe('the payment webhook', () => {
    it('tells a missing signature, a missing sha256= prefix and a wrong secret apart', async () => {
      const raw = JSON.stringify({ eventId: 'e-sig', orderId: 'o', paymentId: 'p', status: 'failed', amount: { amount: 1, currency: 'CNY' } });
      const send = (headers: Record<string, string>) => shop.http.post('/v1/payments/notify', raw, headers);
      const missing = await send({});
      const noPrefix = await send({ 'x-signature': sign(raw, ctx.product.config.paymentWebhookSecret).slice('sha256='.length) });
      const wrong = await send({ 'x-signature': sign(raw, 'another-secret-0123456789') });
      for (const a of [missing, noPrefix, wrong]) expect(a.status).toBe(401);
      expect(missing.body.error.message).toMatch(/missing/);
      expect(noPrefix.body.error.message).toMatch(/"sha256="/);
      expect(wrong.body.error.message).toMatch(/does not match/);
      expect(new Set([missing, noPrefix, wrong].map((a) => a.body.error.message)).size).toBe(3);
    });

    it('takes a notice signed as Standard Webhooks; a replayed id is harmless', async () => {
      const order = await shop.order(sku);
      const notice = { eventId: `evt-swh-${order.orderId}`, orderId: order.orderId, paymentId: 'pay-swh', status: 'succeeded', amount: order.amount };
      const raw = JSON.stringify(notice);
      // The provider's side: the standard's library, with the secret written as it takes it.
      const provider = new Webhook(`whsec_${Buffer.from(ctx.product.config.paymentWebhookSecret, 'utf8').toString('base64')}`);
      const signedNow = () => {
        const at = new Date();
        return { 'webhook-id': notice.eventId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': provider.sign(notice.eventId, at, raw) };
      };
      const headers = signedNow();
      const taken = await shop.http.post('/v1/payments/notify', raw, headers);
      expect(taken).toEqual({ status: 200, body: { received: true } });
      await shop.waitFor(order.orderId, 'DELIVERED');
      expect(await shop.http.post('/v1/payments/notify', raw, headers)).toEqual(taken);
      expect(await shop.http.post('/v1/payments/notify', raw, signedNow())).toEqual(taken);
      expect(await ctx.product.store.paymentEvents.countDocuments({ orderId: order.orderId })).toBe(1);
      const view = await shop.view(order.orderId);
      expect(view.status).toBe('DELIVERED');
      expect(view.timeline.filter((e) => e.type === 'status:PAID')).toHaveLength(1);
    });

    it('refuses a wrong, incomplete or 6-minute-old Standard Webhooks signature with 401 saying which, and records nothing', async () => {
      const order = await shop.order(sku);
      const notice = { eventId: `evt-swh-bad-${order.orderId}`, orderId: order.orderId, paymentId: 'pay-swh', status: 'succeeded', amount: order.amount };
      const raw = JSON.stringify(notice);
      const secret = ctx.product.config.paymentWebhookSecret;
      const signed = (whsec: string, at: Date) => ({
        'webhook-id': notice.eventId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(whsec).sign(notice.eventId, at, raw),
      });
      const right = `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
      const send = (headers: Record<string, string>) => shop.http.post('/v1/payments/notify', raw, headers);
      const wrong = await send(signed(`whsec_${Buffer.from('another-secret-0123456789').toString('base64')}`, new Date()));
      const stale = await send(signed(right, new Date(Date.now() - 6 * 60_000)));
      const { 'webhook-signature': _, ...unsigned } = signed(right, new Date());
      const incomplete = await send(unsigned);
      // A sender that signs the Standard Webhooks way is judged by it, even beside a valid X-Signature.
      const staleBeside = await send({ ...signed(right, new Date(Date.now() - 6 * 60_000)), 'x-signature': sign(raw, secret) });
      for (const answer of [wrong, stale, incomplete, staleBeside]) {
        expect(answer.status).toBe(401);
        expect(answer.body.error.code).toBe('unauthenticated');
      }
      expect(wrong.body.error.message).toMatch(/webhook-signature does not match/);
      expect(stale.body.error.message).toMatch(/webhook-timestamp is more than 5 minutes from now/);
      expect(staleBeside.body.error.message).toBe(stale.body.error.message);
      expect(incomplete.body.error.message).toMatch(/needs all three headers/);
      expect(await ctx.product.store.paymentEvents.countDocuments({ orderId: order.orderId })).toBe(0);
      expect((await shop.view(order.orderId)).status).toBe('AWAITING_PAYMENT');
    });
  });

  describe('headers', () => {
    it('sends security headers', async () => {
      const res = await fetch(`${shop.http.baseUrl}/healthz`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers.get('x-powered-by')).toBeNull();
    });

    it('allows only the configured origins', async () => {
      const preflight = (origin: string) =>
        fetch(`${shop.http.baseUrl}/v1/orders`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
      const allowed = await preflight('https://shop.example.com');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const other = await preflight('https://evil.example.com');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('readiness', () => {
    it('answers each dependency in words', async () => {
      expect(await shop.http.get('/readyz')).toEqual({ status: 200, body: { status: 'ready', temporal: 'ok', database: 'ok' } });
    });
  });
});

describe('without CORS_ORIGINS', () => {
  const ctx = productWithShop(() => ({ ORDER_TOKEN_FAILURES_PER_HOUR: '3' }));

  it('sends no CORS header to any origin', async () => {
    const res = await fetch(`${ctx.shop.http.baseUrl}/v1/orders`, { method: 'OPTIONS', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${ctx.shop.http.baseUrl}/healthz`, { headers: { origin: 'https://shop.example.com' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never blocks an address whose buyers present right tokens, however many at once', async () => {
    const { shop } = ctx;
    await shop.product('busy-card');
    const order: PlacedOrder = await shop.order('busy-card');
    // More requests in flight from one address than the limit of wrong tokens (3): all are right.
    const answers = await Promise.all(Array.from({ length: 40 }, () => order.buyer.get(`/v1/orders/${order.orderId}`)));
    expect(answers.map((a) => a.status)).toEqual(new Array(40).fill(200));
    expect((await order.buyer.get(`/v1/orders/${order.orderId}`)).status).toBe(200);
  });

  it('slows an address guessing order tokens (429 after the limit, even for a right token) and logs it without the token', async () => {
    const { shop } = ctx;
    await shop.product('guess-card');
    const order: PlacedOrder = await shop.order('guess-card');
    // A right token does not count.
    for (let i = 0; i < 5; i++) expect((await order.buyer.get(`/v1/orders/${order.orderId}`)).status).toBe(200);
    const guesses = ['guess-token-aaaaaaaaaaaaaaaaaaaaaaaaaaa', 'guess-token-bbbbbbbbbbbbbbbbbbbbbbbbbbb', 'guess-token-ccccccccccccccccccccccccccc'];
    for (const guess of guesses) expect((await shop.http.buyer(guess).get(`/v1/orders/${order.orderId}`)).status).toBe(404);
    const blocked = await shop.http.buyer('guess-token-ddddddddddddddddddddddddddd').get(`/v1/orders/${order.orderId}`);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ code: 'rate_limited', details: [] });
    expect((await order.buyer.get(`/v1/orders/${order.orderId}`)).status).toBe(429);
    // Staff are not held back.
    expect((await shop.ops.get(`/v1/orders/${order.orderId}`)).status).toBe(200);

    const logs = await eventually(async () => {
      const lines = capturedLogs.filter((l) => l.includes('order token'));
      return lines.some((l) => l.includes('blocked')) ? lines : undefined;
    }, 'the refusals in the log');
    expect(logs.filter((l) => l.includes('order token refused')).length).toBeGreaterThanOrEqual(3);
    for (const secret of [...guesses, order.orderToken]) expect(capturedLogs.join('\n')).not.toContain(secret);
  });

  it('counts an IPv6 client guessing order tokens by its /56: rotating addresses inside it does not start over', async () => {
    const { shop } = ctx;
    await shop.product('rotate-card');
    const order: PlacedOrder = await shop.order('rotate-card');
    // From a proxy on this host (trusted), so the guard keys on the forwarded address.
    const guess = (ip: string, i: number) => shop.http.buyer(`rotating-guess-${i}-aaaaaaaaaaaaaaaaaaaaaaa`).with({ 'x-forwarded-for': ip }).get(`/v1/orders/${order.orderId}`);
    for (let i = 0; i < 3; i++) expect((await guess(`2001:db8:5:${i}::${i + 1}`, i)).status).toBe(404);
    expect((await guess('2001:db8:5:ff::9', 3)).status).toBe(429);
    expect((await guess('2001:db8:5:100::1', 4)).status).toBe(404);
  });
});

describe('a key import while no worker answers the waiting orders', () => {
  const own = productWithOwnWorker();

  it('answers once the keys are stored; the waiting order takes them when a worker is back', async () => {
    const { shop } = own;
    const sku = 'stalled-card';
    await shop.product(sku);
    const order = await shop.order(sku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'OUT_OF_STOCK');
    await own.stopWorker();

    const started = Date.now();
    const answer = await shop.admin.post(`/v1/products/${sku}/keys`, { keys: keyCodes(1, 'STALL') });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ imported: 1, duplicates: 0, rejected: 0, details: [], waitingOrders: 1, restockOffer: 'handed_over', restockWorkflowId: `restock-${sku}` });
    expect(await shop.stock(sku)).toMatchObject({ available: 1 });

    await own.startWorker();
    await shop.waitFor(order.orderId, 'DELIVERED');
  });
});
