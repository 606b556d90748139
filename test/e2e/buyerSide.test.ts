import { randomBytes } from 'node:crypto';
import { FakeServer } from '../support/fakeServer';
import { DEV, eventually } from '../support/http';
import { expectStatus, keyCodes, productWithShop, type PlacedOrder, type Shop } from '../support/orders';

/*
 * The buyer's side through HTTP against the worker, the dev server and the store: usage
 * instructions on a product, feedback once per delivered order and its report, complaints an agent
 * files from other channels, and a reported-invalid key re-checked at once with the supplier.
 */

/** The supplier's check: every code valid until the test says it has gone bad, or the supplier is down. */
class Supplier {
  readonly bad = new Set<string>();
  down = false;
  readonly server = new FakeServer((req) => (this.down ? { status: 503, body: {} } : { status: 200, body: { valid: !this.bad.has(req.body?.code) } }));
}

describe("the buyer's side", () => {
  const supplier = new Supplier();
  beforeAll(() => supplier.server.start());
  afterAll(() => supplier.server.stop());
  const ctx = productWithShop(() => ({ AUTO_RECHECK_WAIT: '3s' }));
  let shop: Shop;
  const plain = 'buyer-side-plain';
  const checked = 'buyer-side-checked';

  beforeAll(async () => {
    shop = ctx.shop;
    await shop.product(plain, { keyPattern: '^PLAIN-', instructions: { en: 'Redeem at example.com/redeem.' } }, keyCodes(12, 'PLAIN'));
    await shop.product(checked, { validationUrl: `${supplier.server.url}/check` }, keyCodes(8, 'CHK'));
  });

  async function delivered(sku: string, locale?: 'en' | 'zh-CN'): Promise<PlacedOrder> {
    const answer = await shop.storefront.post('/v1/orders', { sku, buyer: { email: 'side@example.com', ...(locale ? { locale } : {}) } });
    expectStatus(answer, 201, 'order');
    const order: PlacedOrder = { ...answer.body, buyer: shop.http.buyer(answer.body.orderToken) };
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    return order;
  }

  describe('usage instructions', () => {
    it('are kept per language, answered with the keys in the other language when the buyer\'s is missing, and cleared when left out', async () => {
      const put = await shop.admin.put(`/v1/products/${plain}`, { name: plain, price: { amount: 1999, currency: 'CNY' }, keyPattern: '^PLAIN-', instructions: { zh: '在 example.com 兑换。' } });
      expect(put.status).toBe(200);
      expect(put.body.instructions).toEqual({ zh: '在 example.com 兑换。' });
      const order = await delivered(plain, 'en');
      const keys = await order.buyer.get(`/v1/orders/${order.orderId}/keys`);
      expect(keys.body).toEqual({ keys: [{ keyId: expect.any(String), code: expect.stringMatching(/^PLAIN-/) }], instructions: '在 example.com 兑换。' });
      await shop.admin.put(`/v1/products/${plain}`, { name: plain, price: { amount: 1999, currency: 'CNY' }, keyPattern: '^PLAIN-' });
      expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.instructions).toBeNull();
      expect((await shop.ops.get(`/v1/products/${plain}`)).body.instructions).toBeUndefined();
    });

    it('refuses instructions too long, empty or in an unknown language, naming the field', async () => {
      const put = (instructions: unknown) => shop.admin.put(`/v1/products/${plain}`, { name: plain, price: { amount: 1999, currency: 'CNY' }, instructions });
      const cases: [unknown, string][] = [
        [{ en: 'x'.repeat(5001) }, 'instructions.en'],
        [{ zh: '' }, 'instructions.zh'],
        [{ fr: 'Bonjour' }, 'instructions.fr'],
        ['read the box', 'instructions'],
      ];
      for (const [instructions, path] of cases) {
        const answer = await put(instructions);
        expect(answer.status).toBe(400);
        expect(answer.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      }
    });

    it('refuses a buyer locale it does not write in, naming the field', async () => {
      const answer = await shop.storefront.post('/v1/orders', { sku: plain, buyer: { email: 'a@example.com', locale: 'fr' } });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([{ path: 'buyer.locale', reason: 'must be one of zh-CN, en' }]);
    });
  });

  describe('feedback', () => {
    it('is taken once per delivered order, and the report ranks products worst first', async () => {
      const unpaid = await shop.order(plain);
      const early = await unpaid.buyer.post(`/v1/orders/${unpaid.orderId}/feedback`, { rating: 5 });
      expect(early.status).toBe(409);
      expect(early.body.error.message).toContain('AWAITING_PAYMENT');

      const a = await delivered(plain);
      const b = await delivered(checked);
      const c = await delivered(checked);
      const bad = await a.buyer.post(`/v1/orders/${a.orderId}/feedback`, { rating: 6, instructionsClear: 'yes', comment: '' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['comment', 'instructionsClear', 'rating']);

      const first = await a.buyer.post(`/v1/orders/${a.orderId}/feedback`, { rating: 4, instructionsClear: true, comment: 'Quick.' });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ orderId: a.orderId, sku: plain, rating: 4, instructionsClear: true, comment: 'Quick.' });
      const second = await a.buyer.post(`/v1/orders/${a.orderId}/feedback`, { rating: 1 });
      expect(second.status).toBe(409);
      // A retry under the same Idempotency-Key answers as the first did; another body under it is refused.
      const keyed = (body: object) => b.buyer.with({ 'idempotency-key': 'fb-1' }).post(`/v1/orders/${b.orderId}/feedback`, body);
      expect((await keyed({ rating: 2, instructionsClear: false })).status).toBe(201);
      expect((await keyed({ rating: 2, instructionsClear: false })).status).toBe(201);
      expect((await keyed({ rating: 3 })).status).toBe(409);
      expect((await c.buyer.post(`/v1/orders/${c.orderId}/feedback`, { rating: 3, instructionsClear: true })).status).toBe(201);
      // Only the buyer gives it.
      expect((await shop.agent.post(`/v1/orders/${c.orderId}/feedback`, { rating: 1 })).status).toBe(403);

      const report = await shop.agent.get('/v1/reports/feedback');
      expect(report.status).toBe(200);
      expect(report.body.bySku).toEqual([
        { sku: checked, responses: 2, averageRating: 2.5, unclearInstructionsShare: 0.5 },
        { sku: plain, responses: 1, averageRating: 4, unclearInstructionsShare: 0 },
      ]);
      const none = await shop.agent.get('/v1/reports/feedback?from=2020-01-01&to=2020-01-31');
      expect(none.body.bySku).toEqual([]);
      expect((await shop.agent.get('/v1/reports/feedback?from=soon')).body.error.details[0].path).toBe('from');

      // What each buyer said, newest first, for the agents: by product, a page at a time.
      const list = await shop.agent.get('/v1/feedback');
      expect(list.status).toBe(200);
      expect(list.body.items.map((f: { orderId: string }) => f.orderId)).toEqual([c.orderId, b.orderId, a.orderId]);
      expect(list.body.items[2]).toEqual({ orderId: a.orderId, sku: plain, rating: 4, instructionsClear: true, comment: 'Quick.', at: expect.any(String) });
      expect(list.body.nextCursor).toBeNull();
      const onePage = await shop.ops.get(`/v1/feedback?sku=${checked}&limit=1`);
      expect(onePage.body.items.map((f: { orderId: string }) => f.orderId)).toEqual([c.orderId]);
      const next = await shop.ops.get(`/v1/feedback?sku=${checked}&limit=1&cursor=${onePage.body.nextCursor}`);
      expect(next.body).toEqual({ items: [expect.objectContaining({ orderId: b.orderId, rating: 2, instructionsClear: false })], nextCursor: null });
      expect((await shop.agent.get('/v1/feedback?to=2020-01-01')).body.items).toEqual([]);
      expect((await shop.storefront.get('/v1/feedback')).status).toBe(403);
      const badQuery = await shop.agent.get('/v1/feedback?limit=0&sku=no%20spaces&cursor=nonsense');
      expect(badQuery.status).toBe(400);
      expect(badQuery.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['limit', 'sku']);
      expect((await shop.agent.get('/v1/feedback?cursor=nonsense')).body.error.details).toEqual([{ path: 'cursor', reason: 'is not a cursor this API gave out' }]);
    });
  });

  describe('complaints from every channel', () => {
    it("an agent files on the buyer's behalf under the order's own rules; the channel shows in the view, the queue and the report", async () => {
      const order = await delivered(plain);
      const file = (body: object) => shop.agent.post('/v1/complaints', body);
      const bad = await file({ orderId: order.orderId, channel: 'web', category: 'service', description: '' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['channel', 'description']);
      expect((await shop.storefront.post('/v1/complaints', { orderId: order.orderId, channel: 'phone', category: 'service', description: 'x' })).status).toBe(403);
      const unpaid = await shop.order(plain);
      const refused = await file({ orderId: unpaid.orderId, channel: 'phone', category: 'service', description: 'Called about it.' });
      expect(refused.status).toBe(409);

      const filed = await file({ orderId: order.orderId, channel: 'third_party', externalRef: '12345-2026-0042', category: 'service', description: 'Reported through the 12345 hotline.' });
      expect(filed.status).toBe(201);
      const { complaintId } = filed.body;
      const again = await file({ orderId: order.orderId, channel: 'phone', category: 'other', description: 'And again by phone.' });
      expect(again.status).toBe(409);
      expect(again.body.error.message).toContain(complaintId);

      const seen = await order.buyer.get(`/v1/complaints/${complaintId}`);
      expect(seen.body).toMatchObject({ channel: 'third_party', externalRef: '12345-2026-0042', filedBy: 'dev-agent', status: 'OPEN' });
      const own = await delivered(plain);
      const web = await own.buyer.post(`/v1/orders/${own.orderId}/complaints`, { category: 'service', description: 'My own.' });
      expect((await own.buyer.get(`/v1/complaints/${web.body.complaintId}`)).body.channel).toBe('web');

      const queued = (channel: string) =>
        eventually(async () => {
          const page = await shop.agent.get(`/v1/complaints?sku=${plain}&channel=${channel}`);
          return page.body.items?.length ? page.body.items.map((c: { complaintId: string }) => c.complaintId) : false;
        }, `the ${channel} queue`);
      expect(await queued('third_party')).toEqual([complaintId]);
      expect(await queued('web')).toContain(web.body.complaintId);
      expect(await queued('web')).not.toContain(complaintId);
      expect((await shop.agent.get('/v1/complaints?channel=fax')).status).toBe(400);

      const report = await eventually(async () => {
        const r = await shop.agent.get('/v1/reports/complaints');
        return r.body.byChannel?.find((c: { channel: string }) => c.channel === 'third_party')?.complaints >= 1 ? r : false;
      }, 'the third_party complaint in the report');
      const byChannel = Object.fromEntries(report.body.byChannel.map((c: { channel: string; complaints: number }) => [c.channel, c.complaints]));
      expect(byChannel.third_party).toBe(1);
      expect(byChannel.web).toBeGreaterThanOrEqual(1);
    });
  });

  describe('a reported-invalid key, re-checked at once', () => {
    const fileInvalid = (order: PlacedOrder) => order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'key_invalid', description: 'The key does not work.' });
    const complaintOf = (order: PlacedOrder, id: string) => order.buyer.get(`/v1/complaints/${id}`);

    it('the supplier says invalid: a new checked key within seconds, resolved by system, the buyer asked to confirm', async () => {
      const order = await delivered(checked);
      const old = (await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code as string;
      supplier.bad.add(old);
      const filedAt = Date.now();
      const filed = await fileInvalid(order);
      expect(filed.status).toBe(201);
      const resolved = await eventually(async () => {
        const seen = await complaintOf(order, filed.body.complaintId);
        return seen.body.status === 'RESOLVED' ? seen.body : false;
      }, 'the automatic replacement', 15_000);
      expect(Date.now() - filedAt).toBeLessThan(10_000);
      expect(resolved).toMatchObject({ resolution: 'replaced', resolvedBy: 'system', autoRecheck: { verdict: 'invalid', at: expect.any(String) } });
      expect(resolved.messages.at(-1)).toMatchObject({ from: 'system', text: expect.stringContaining('Please confirm the new key works') });
      expect(JSON.stringify(resolved)).not.toContain(old);
      const now = (await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code as string;
      expect(now).not.toBe(old);
      expect(supplier.server.requests.filter((r) => r.body?.code === old).length).toBeGreaterThanOrEqual(2); // at delivery, and again
      // The buyer confirms; the report counts it as resolved by the re-check.
      expect((await order.buyer.post(`/v1/complaints/${filed.body.complaintId}/confirm`, { satisfied: true })).body.status).toBe('CLOSED');
      const report = await eventually(async () => {
        const r = await shop.agent.get('/v1/reports/complaints');
        return r.body.autoRecheck?.resolved >= 1 ? r.body : false;
      }, 'the report to count it');
      expect(report.autoRecheck.medianSeconds).toBeLessThan(10);
    });

    /** The complaint once its re-check has given its verdict. */
    const verdictOn = (order: PlacedOrder, complaintId: string, timeoutMs?: number) =>
      eventually(async () => {
        const c = await complaintOf(order, complaintId);
        return c.body.autoRecheck ? c.body : false;
      }, 'the verdict', timeoutMs);

    it('the supplier says valid: it stays with the agents, the verdict in its messages', async () => {
      const order = await delivered(checked);
      const filed = await fileInvalid(order);
      const seen = await verdictOn(order, filed.body.complaintId);
      expect(seen).toMatchObject({ status: 'OPEN', autoRecheck: { verdict: 'valid' } });
      expect(seen.resolution).toBeUndefined();
      expect(seen.messages.at(-1)).toMatchObject({ from: 'system', text: expect.stringContaining('with the supplier: it is valid') });
    });

    it('the supplier does not answer within AUTO_RECHECK_WAIT: the agents take it', async () => {
      const order = await delivered(checked);
      supplier.down = true;
      try {
        const filed = await fileInvalid(order);
        const seen = await verdictOn(order, filed.body.complaintId, 20_000);
        expect(seen).toMatchObject({ status: 'OPEN', autoRecheck: { verdict: 'unknown' } });
        expect(seen.messages.at(-1).text).toContain('could not be re-checked within 3s');
      } finally {
        supplier.down = false;
      }
    });

    it('without a supplier, our own checks run the same way', async () => {
      const order = await delivered(plain);
      const filed = await fileInvalid(order);
      const seen = await verdictOn(order, filed.body.complaintId);
      expect(seen).toMatchObject({ status: 'OPEN', autoRecheck: { verdict: 'valid' } });
      expect(seen.messages.at(-1).text).toContain('by our own checks: it is valid');
    });

    it('the report says how the re-checks went: resolved and how fast, and which went to the agents and why', async () => {
      // The four re-checks above: one replaced, two valid (supplier, our own checks), one without an answer.
      const report = await eventually(async () => {
        const r = await shop.ops.get('/v1/reports/complaints');
        return r.body.autoRecheck?.rechecked >= 4 ? r.body.autoRecheck : false;
      }, 'the four re-checks in the report');
      expect(report).toEqual({ rechecked: 4, resolved: 1, medianSeconds: expect.any(Number), p95Seconds: expect.any(Number), reopened: 0, toAgents: { valid: 2, no_answer: 1, not_replaced: 0 } });
      expect(report.p95Seconds).toBeLessThan(10);
    });

    it("without a supplier, our own checks find the reported key invalid (it no longer fits the product's pattern): replaced by system", async () => {
      const own = 'buyer-side-own';
      await shop.product(own, { keyPattern: '^OWN-' }, keyCodes(1, 'OWN'));
      const order = await delivered(own);
      const old = (await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code as string;
      // The shop learns its old batch was wrong: a new pattern, and keys that fit it.
      expect((await shop.admin.put(`/v1/products/${own}`, { name: own, price: { amount: 1999, currency: 'CNY' }, keyPattern: '^NEWOWN-' })).status).toBe(200);
      await shop.importKeys(own, keyCodes(2, 'NEWOWN'));
      const filed = await fileInvalid(order);
      const resolved = await eventually(async () => {
        const seen = await complaintOf(order, filed.body.complaintId);
        return seen.body.status === 'RESOLVED' ? seen.body : false;
      }, 'the replacement by our own checks', 15_000);
      expect(resolved).toMatchObject({ resolution: 'replaced', resolvedBy: 'system', autoRecheck: { verdict: 'invalid' } });
      expect(resolved.messages.at(-1).text).toContain('by our own checks: it is invalid (does not match the product key pattern)');
      const now = (await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code as string;
      expect(now).toMatch(/^NEWOWN-/);
      expect(JSON.stringify(resolved)).not.toContain(old);
    });

    it('invalid, but no key left to replace it: the agents take it, and the report says why', async () => {
      const scarce = 'buyer-side-scarce';
      await shop.product(scarce, { validationUrl: `${supplier.server.url}/check` }, keyCodes(1, 'SCARCE'));
      const order = await delivered(scarce);
      supplier.bad.add((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).body.keys[0].code);
      const filed = await fileInvalid(order);
      const seen = await eventually(async () => {
        const c = await complaintOf(order, filed.body.complaintId);
        return c.body.messages.some((m: { text: string }) => m.text.includes('no replacement could be delivered')) ? c.body : false;
      }, 'the re-check to hand it to the agents', 20_000);
      expect(seen).toMatchObject({ status: 'OPEN', autoRecheck: { verdict: 'invalid' } });
      expect(seen.resolvedBy).toBeUndefined();
      const report = await eventually(async () => {
        const r = await shop.ops.get('/v1/reports/complaints');
        return r.body.autoRecheck?.toAgents?.not_replaced >= 1 ? r.body.autoRecheck : false;
      }, 'the report to count it');
      expect(report.toAgents.not_replaced).toBe(1);
    });
  });

  describe('evidence files', () => {
    const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)]);
    const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(1024)]);
    const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), randomBytes(64)]);
    const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]);

    const send = (method: string, path: string, who: Record<string, string>, body?: Buffer, type?: string) =>
      fetch(`${shop.http.baseUrl}${path}`, { method, headers: { ...who, ...(type ? { 'content-type': type } : {}) }, body });
    const buyerOf = (order: PlacedOrder) => ({ 'x-order-token': order.orderToken });
    const staff = (key: string) => ({ authorization: `Bearer ${key}` });

    it('takes images and PDFs from the buyer and the agents, checked by their leading bytes, and serves them only to those who may see the complaint', async () => {
      const order = await delivered(plain);
      const other = await delivered(plain);
      const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'key_invalid', description: 'See the screenshot.' });
      const { complaintId } = filed.body;
      const files = `/v1/complaints/${complaintId}/attachments`;

      const byBuyer = await send('POST', files, buyerOf(order), PNG, 'image/png');
      expect(byBuyer.status).toBe(201);
      const png = (await byBuyer.json()) as { attachmentId: string };
      expect(png).toEqual({ attachmentId: expect.any(String), contentType: 'image/png', bytes: PNG.length });
      const byAgent = await send('POST', files, staff(DEV.agent), PDF, 'application/pdf');
      expect(byAgent.status).toBe(201);

      // What it says it is, or 415 naming what is wrong; too big, 413; nothing changes either way.
      const lying = await send('POST', files, buyerOf(order), PDF, 'image/png');
      expect(lying.status).toBe(415);
      expect(((await lying.json()) as any).error.details).toEqual([{ path: 'body', reason: 'does not begin as a image/png file does' }]);
      const wrongType = await send('POST', files, buyerOf(order), Buffer.from('hello'), 'text/plain');
      expect(wrongType.status).toBe(415);
      expect(((await wrongType.json()) as any).error.details[0].path).toBe('Content-Type');
      const tooBig = await send('POST', files, buyerOf(order), Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]), 'image/png');
      expect(tooBig.status).toBe(413);
      // Others may neither add nor read.
      expect((await send('POST', files, buyerOf(other), PNG, 'image/png')).status).toBe(404);
      expect((await send('POST', files, staff(DEV.storefront), PNG, 'image/png')).status).toBe(403);

      const got = await send('GET', `${files}/${png.attachmentId}`, buyerOf(order));
      expect(got.status).toBe(200);
      expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
      expect(got.headers.get('content-type')).toBe('image/png');
      expect(got.headers.get('content-disposition')).toBe(`attachment; filename="${png.attachmentId}.png"`);
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await send('GET', `${files}/${png.attachmentId}`, staff(DEV.ops))).status).toBe(200);
      expect((await send('GET', `${files}/${png.attachmentId}`, staff(DEV.storefront))).status).toBe(403);
      expect((await send('GET', `${files}/${png.attachmentId}`, buyerOf(other))).status).toBe(404);
      expect((await send('GET', `${files}/nosuchfile`, buyerOf(order))).status).toBe(404);

      const view = await shop.agent.get(`/v1/complaints/${complaintId}`);
      expect(view.body.attachments).toEqual([
        { attachmentId: png.attachmentId, contentType: 'image/png', bytes: PNG.length, from: 'buyer', at: expect.any(String) },
        { attachmentId: expect.any(String), contentType: 'application/pdf', bytes: PDF.length, from: 'agent', at: expect.any(String) },
      ]);

      // Five files at most: the sixth is refused, and nothing of it is kept.
      expect((await send('POST', files, buyerOf(order), WEBP, 'image/webp')).status).toBe(201);
      expect((await send('POST', files, buyerOf(order), JPEG, 'image/jpeg')).status).toBe(201);
      expect((await send('POST', files, buyerOf(order), PNG, 'image/png')).status).toBe(201);
      const sixth = await send('POST', files, buyerOf(order), PNG, 'image/png');
      expect(sixth.status).toBe(409);
      expect(await ctx.product.store.attachments.countDocuments({ complaintId })).toBe(5);
      expect(await ctx.product.store.connection.db!.collection('evidence.files').countDocuments({ 'metadata.complaintId': complaintId })).toBe(5);
      expect((await order.buyer.get(`/v1/complaints/${complaintId}`)).body.attachments).toHaveLength(5);
    });
  });
});
