import { randomBytes } from 'node:crypto';
import { messageIdOf } from '../../domain/buyerEmail';
import { incidentWorkflowId } from '../../domain/incident';
import { buyerEmailWorkflowId } from '../../workflows/email';
import { capturedLogs } from '../support/harness';
import { eventually, type Answer } from '../support/http';
import { Inbox, testSmtpUrl, type MailMessage } from '../support/mailpit';
import { expectStatus, keyCodes, productWithShop, type PlacedOrder } from '../support/orders';
import { FakeProvider } from '../support/provider';

/*
 * An incident's compensation over HTTP against the real worker, dev server, store and a real SMTP
 * server (Mailpit): a single-use coupon per buyer the incident hurt, emailed to them in their
 * language, usable by that buyer only, granted and emailed once however often ops ask; neither the
 * address nor the code in any workflow's history or log.
 */

const paths = (answer: Answer) => (answer.body.error?.details ?? []).map((d: { path: string }) => d.path).sort();
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const address = (who: string) => `${who}-${randomBytes(4).toString('hex')}@example.com`;
const CNY = (amount: number) => ({ amount, currency: 'CNY' });
const FROM_DOMAIN = 'kamiflow.localhost';
const COUPON_CODE = /\bG[2-9A-HJ-NP-Z]{12}\b/;

describe('compensating the buyers an incident hurt', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  const ctx = productWithShop(() => ({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url, PAYMENT_TIMEOUT: '2s', SMTP_URL: testSmtpUrl() }));
  const inbox = new Inbox();
  const couponMails = async (email: string) => (await inbox.to(email)).filter((m) => /coupon|优惠券/.test(m.Subject));

  async function orderAs(sku: string, email: string, extra: Record<string, unknown> = {}): Promise<Answer> {
    return ctx.shop.storefront.post('/v1/orders', { sku, buyer: { email, ...(extra.locale ? { locale: extra.locale } : {}) }, ...(extra.coupon ? { coupon: extra.coupon } : {}) });
  }

  it('grants one single-use coupon per buyer, emails it, and a repeat grants and sends nothing more', async () => {
    const { shop, product } = ctx;
    const sku = 'incident-compensated';
    await shop.product(sku, {}, keyCodes(4, 'COMP'));
    const ann = address('ann');
    const bob = address('bob');
    const startedAt = minutesAgo(1);
    const placed: PlacedOrder[] = [];
    for (const [email, locale] of [[ann, 'en'], [ann, 'en'], [bob, undefined]] as const) {
      const answer = await orderAs(sku, email, { locale });
      expectStatus(answer, 201, 'order');
      placed.push({ ...answer.body, buyer: shop.http.buyer(answer.body.orderToken) });
    }
    // No payment notice comes: each is cancelled at its due time, hurt by the incident.
    for (const o of placed) await shop.waitClosed(product.client, o.orderId, 'CANCELLED');
    const declared = await shop.ops.post('/v1/incidents', { title: 'Payment notices lost', cause: 'payment_provider', startedAt, publicNote: 'Some payments were not confirmed.' });
    expectStatus(declared, 201, 'declare');
    const { incidentId } = declared.body;
    expect(declared.body.affected).toEqual({ orders: 3, buyers: 2 });

    const asked = { percentOff: 10, validFor: '30d' };
    const granted = await shop.ops.post(`/v1/incidents/${incidentId}/compensate`, asked);
    expectStatus(granted, 201, 'compensate');
    expect(granted.body).toEqual({ coupons: 2 });

    // One email each, in the buyer's language, its Message-ID from the grant.
    const grants = await product.store.coupons.find({ grantKey: { $regex: `^incident:${incidentId}:` } }).lean();
    expect(grants).toHaveLength(2);
    const [annMail] = await inbox.receive(ann, 1);
    const [bobMail] = await inbox.receive(bob, 1);
    expect(annMail.Subject).toBe('Our apologies: a coupon for you');
    expect(bobMail.Subject).toBe('致歉：送您一张优惠券');
    const codeIn = (mail: MailMessage) => COUPON_CODE.exec(mail.Text)?.[0] as string;
    const annCode = codeIn(annMail);
    const bobCode = codeIn(bobMail);
    expect(new Set([annCode, bobCode, ...grants.map((g) => g._id)]).size).toBe(2);
    expect(annMail.HTML).toContain(`<code style="font-size:16px">${annCode}</code>`);
    expect(annMail.Text).toContain('10% off your next order; single use, valid until');
    expect(annMail.Text).toContain(placed[1].orderId);
    expect(bobMail.Text).toContain('10% 折扣');
    const annGrant = grants.find((g) => g._id === annCode)!;
    expect(annGrant).toMatchObject({ percentOff: 10, maxRedemptions: 1 });
    expect(annGrant.validUntil!.getTime() - annGrant.validFrom!.getTime()).toBe(30 * 86_400_000);
    expect(`<${annMail.MessageID}>`).toBe(messageIdOf(annGrant.grantKey!, `no-reply@${FROM_DOMAIN}`));

    // The incident keeps what it granted.
    const seen = (await shop.ops.get(`/v1/incidents/${incidentId}`)).body;
    expect(seen.compensation).toMatchObject({ terms: asked, coupons: 2, by: declared.body.openedBy });
    expect(seen.timeline.filter((e: { type: string }) => e.type === 'compensated')).toEqual([expect.objectContaining({ actor: declared.body.openedBy, detail: expect.stringContaining('2 single-use coupon(s)') })]);

    // Asked again: the same answer, no new coupon, no new email; other terms are a conflict.
    const again = await shop.ops.post(`/v1/incidents/${incidentId}/compensate`, asked);
    expectStatus(again, 201, 'compensate again');
    expect(again.body).toEqual({ coupons: 2 });
    const other = await shop.ops.post(`/v1/incidents/${incidentId}/compensate`, { amountOff: CNY(500), validFor: '30d' });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toMatch(/already compensated with 10% off/);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await couponMails(ann)).toHaveLength(1);
    expect(await couponMails(bob)).toHaveLength(1);
    expect(await product.store.coupons.countDocuments({ grantKey: { $regex: `^incident:${incidentId}:` } })).toBe(2);
    expect((await shop.ops.get(`/v1/incidents/${incidentId}`)).body.timeline.filter((e: { type: string }) => e.type === 'compensated')).toHaveLength(1);

    // The code works for its buyer, once, and for nobody else.
    const listPrice = (await shop.view(placed[0].orderId)).amount.amount as number;
    const used = await orderAs(sku, ann, { coupon: annCode });
    expectStatus(used, 201, 'order with the coupon');
    expect(used.body).toMatchObject({ coupon: annCode, listPrice: CNY(listPrice), amount: CNY(listPrice - Math.floor(listPrice / 10)) });
    const byOther = await orderAs(sku, bob, { coupon: annCode });
    expect(byOther.status).toBe(409);
    expect(byOther.body.error).toMatchObject({ code: 'coupon_not_applicable', reason: 'issued_to_another_buyer' });
    const twice = await orderAs(sku, ann, { coupon: annCode });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'coupon_not_applicable' });

    // Neither an address nor a code in the incident's or an email's history, nor in a log line.
    const histories = [incidentWorkflowId(incidentId), ...grants.map((g) => buyerEmailWorkflowId(g.grantKey!))];
    for (const id of histories) {
      const history = JSON.stringify(await product.client.workflow.getHandle(id).fetchHistory());
      for (const secret of [ann, bob, annCode, bobCode]) expect(history).not.toContain(secret);
    }
    const logs = capturedLogs.join('\n');
    for (const secret of [annCode, bobCode]) expect(logs).not.toContain(secret);
  });

  it('refuses a bad body naming the field, an unknown incident and other roles', async () => {
    const { shop } = ctx;
    const incidentId = (await shop.ops.post('/v1/incidents', { title: 't', cause: 'other', startedAt: minutesAgo(5), publicNote: 'n' })).body.incidentId;
    const url = `/v1/incidents/${incidentId}/compensate`;
    expect(paths(await shop.ops.post(url, {}))).toEqual(['amountOff', 'validFor']);
    expect(paths(await shop.ops.post(url, { amountOff: CNY(100), percentOff: 10, validFor: '30d' }))).toEqual(['amountOff']);
    expect(paths(await shop.ops.post(url, { percentOff: 0, validFor: 'a month' }))).toEqual(['percentOff', 'validFor']);
    expect(paths(await shop.ops.post(url, { percentOff: 101, validFor: '10m' }))).toEqual(['percentOff', 'validFor']);
    expect(paths(await shop.ops.post(url, { amountOff: { amount: 1.5, currency: 'CNY' }, validFor: '400d', extra: 1 }))).toEqual(['amountOff.amount', 'extra', 'validFor']);
    expect(paths(await shop.ops.post(url, { amountOff: CNY(100), minSpend: { amount: 100, currency: 'USD' }, validFor: '30d' }))).toEqual(['minSpend.currency']);
    expect((await shop.ops.post('/v1/incidents/no-such-incident/compensate', { percentOff: 10, validFor: '30d' })).status).toBe(404);
    expect((await shop.agent.post(url, { percentOff: 10, validFor: '30d' })).status).toBe(403);
    expect((await shop.storefront.post(url, { percentOff: 10, validFor: '30d' })).status).toBe(403);
    // Nothing refused changed the incident.
    expect((await shop.ops.get(`/v1/incidents/${incidentId}`)).body.compensation).toBeUndefined();
    // No one hurt (no order in its window): nothing to grant, and said so.
    const quiet = await shop.ops.post('/v1/incidents', { title: 'quiet', cause: 'other', startedAt: minutesAgo(600), endedAt: minutesAgo(599), publicNote: 'n' });
    expectStatus(quiet, 201, 'declare');
    const none = await shop.ops.post(`/v1/incidents/${quiet.body.incidentId}/compensate`, { amountOff: CNY(100), validFor: '7d' });
    expectStatus(none, 201, 'compensate nobody');
    expect(none.body).toEqual({ coupons: 0 });
  });

  it("an order cancelled unpaid and found paid by a reconciliation redeems its coupon again, or past its limit, and is delivered at the price paid", async () => {
    const { shop } = ctx;
    const sku = 'incident-coupon-revived';
    await shop.product(sku, {}, keyCodes(4, 'REV'));
    const single = await shop.admin.post('/v1/coupons', { amountOff: CNY(100), maxRedemptions: 1 });
    const roomy = await shop.admin.post('/v1/coupons', { amountOff: CNY(100), maxRedemptions: 5 });
    expectStatus(single, 201, 'single-use coupon');
    expectStatus(roomy, 201, 'coupon with room');
    const startedAt = minutesAgo(1);
    const lost = async (code: string, email: string) => {
      const answer = await orderAs(sku, email, { coupon: code });
      expectStatus(answer, 201, 'order with a coupon');
      return answer.body as { orderId: string; amount: { amount: number; currency: string }; listPrice: { amount: number } };
    };
    const tookLast = await lost(single.body.code, address('cara'));
    const hadRoom = await lost(roomy.body.code, address('dan'));
    for (const o of [tookLast, hadRoom]) await shop.waitClosed(ctx.product.client, o.orderId, 'CANCELLED');
    // The cancel gave the single use back; another buyer took it and paid.
    const other = await lost(single.body.code, address('eve'));
    await shop.pay(other);
    await shop.waitFor(other.orderId, 'DELIVERED');
    for (const [o, paymentId] of [[tookLast, 'pay-rev-1'], [hadRoom, 'pay-rev-2']] as const) provider.payments.set(o.orderId, [{ paymentId, status: 'succeeded', amount: o.amount }]);

    const declared = await shop.ops.post('/v1/incidents', { title: 'Notices lost again', cause: 'payment_provider', startedAt, publicNote: 'Some payments were not confirmed.' });
    expectStatus(declared, 201, 'declare');
    expectStatus(await shop.ops.post(`/v1/incidents/${declared.body.incidentId}/reconcile`, {}), 202, 'reconcile');
    const [over, again] = await Promise.all([tookLast, hadRoom].map((o) => shop.waitFor(o.orderId, 'DELIVERED')));
    // Money first: both delivered at the discounted price the buyer paid.
    for (const [view, o] of [[over, tookLast], [again, hadRoom]] as const) expect(view).toMatchObject({ amount: o.amount, listPrice: CNY(o.listPrice.amount), discount: CNY(100) });
    const overTimeline = (await eventually(async () => {
      const v = await shop.view(tookLast.orderId);
      return v.timeline.some((e: { type: string }) => e.type === 'coupon_over_limit') ? v : false;
    }, 'the over-limit redemption noted')).timeline;
    expect(overTimeline.find((e: { type: string }) => e.type === 'coupon_over_limit')?.detail).toContain(single.body.code);
    expect(again.timeline.map((e: { type: string }) => e.type)).not.toContain('coupon_over_limit');
    const singleSeen = (await shop.admin.get(`/v1/coupons/${single.body.code}`)).body;
    expect(singleSeen.counts).toEqual({ held: 0, redeemed: 2, released: 0 });
    // The answer names the redemption past the limit, and only it.
    expect(singleSeen).toMatchObject({ maxRedemptions: 1, remaining: 0, overLimit: 1 });
    const flagged = Object.fromEntries(singleSeen.redemptions.map((r: { orderId: string; overLimit: boolean }) => [r.orderId, r.overLimit]));
    expect(flagged).toEqual({ [tookLast.orderId]: true, [other.orderId]: false });
    expect(await ctx.product.store.couponRedemptions.findById(`${single.body.code}:${tookLast.orderId}`).lean()).toMatchObject({ state: 'redeemed', paymentId: 'pay-rev-1', overLimit: true });
    const roomySeen = (await shop.admin.get(`/v1/coupons/${roomy.body.code}`)).body;
    expect(roomySeen).toMatchObject({ counts: { held: 0, redeemed: 1, released: 0 }, remaining: 4, overLimit: 0 });
    expect(roomySeen.redemptions).toEqual([expect.objectContaining({ orderId: hadRoom.orderId, state: 'redeemed', overLimit: false })]);
    expect(await ctx.product.store.couponRedemptions.findById(`${roomy.body.code}:${hadRoom.orderId}`).lean()).not.toHaveProperty('overLimit');
  });
});

