import { couponActivities } from '../../activities/coupons';
import { couponsIntoDefault } from '../../db/couponMigration';
import { grantCoupon } from '../../db/coupons';
import { ApiClient, eventually, type Answer } from '../support/http';
import { newMerchant, PLATFORM_KEY, WITH_PLATFORM, type Merchant } from '../support/merchants';
import { expectStatus, keyCodes, productWithShop, type Shop } from '../support/orders';

/*
 * Coupons are each merchant's own, over HTTP against the real worker, dev server and store: two
 * merchants may both have a code, each order gets its own merchant's terms, counts and limits; a
 * merchant's admin finds another's coupon not there (404) and its orders do not know it. The first
 * shop's coupons written before (no merchant on them) are moved into `default` and keep working.
 */

const CNY = (amount: number) => ({ amount, currency: 'CNY' });
const sku = 'cpn-card';

describe('coupons per merchant', () => {
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM }));
  let a: Merchant;
  let b: Merchant;

  beforeAll(async () => {
    const merchant = (id: string) => newMerchant(new ApiClient(ctx.product.api.url), ctx.product.config.paymentWebhookSecret, id);
    [a, b] = await Promise.all([merchant('cpn-a'), merchant('cpn-b')]);
    // The same sku at all three, each with keys of its own.
    await Promise.all([ctx.shop, a.shop, b.shop].map((shop, i) => shop.product(sku, { price: CNY(10_000) }, keyCodes(6, `CPN${i}`))));
  });

  const order = (shop: Shop, coupon: string, email: string): Promise<Answer> => shop.storefront.post('/v1/orders', { sku, buyer: { email }, coupon });
  const counts = async (shop: Shop, code: string) => {
    const answer = await shop.ops.get(`/v1/coupons/${code}`);
    expectStatus(answer, 200, `GET coupon ${code}`);
    return answer.body.counts;
  };

  it('two merchants with the same code: each order gets its own merchant’s terms, limit and counts', async () => {
    expectStatus(await a.shop.admin.post('/v1/coupons', { code: 'WELCOME10', percentOff: 10, maxRedemptions: 1 }), 201, "A's WELCOME10");
    expectStatus(await b.shop.admin.post('/v1/coupons', { code: 'welcome10', amountOff: CNY(3_000), maxRedemptions: 1 }), 201, "B's WELCOME10");
    expect((await a.shop.admin.post('/v1/coupons', { code: 'Welcome10', percentOff: 5 })).body.error).toMatchObject({ code: 'conflict' });

    const atA = await order(a.shop, 'welcome10', 'ann@example.com');
    expect(atA.body).toMatchObject({ amount: CNY(9_000), discount: CNY(1_000), coupon: 'WELCOME10' });
    // A's only redemption is held: B's coupon of the same code has its own.
    const atB = await order(b.shop, 'WELCOME10', 'ann@example.com');
    expect(atB.body).toMatchObject({ amount: CNY(7_000), discount: CNY(3_000), coupon: 'WELCOME10' });
    expect((await order(a.shop, 'WELCOME10', 'bea@example.com')).body.error).toMatchObject({ code: 'coupon_not_applicable', reason: 'used_up' });
    // The first shop has no WELCOME10: the others' are not its.
    expect((await order(ctx.shop, 'WELCOME10', 'ann@example.com')).body.error).toMatchObject({ reason: 'unknown', message: 'coupon WELCOME10 does not exist' });

    // A's order paid redeems A's coupon once; B's order cancelled unpaid frees B's alone.
    await a.shop.pay({ orderId: atA.body.orderId, amount: atA.body.amount });
    await a.shop.waitFor(atA.body.orderId, 'DELIVERED');
    expectStatus(await b.shop.http.buyer(atB.body.orderToken).post(`/v1/orders/${atB.body.orderId}/cancel`, {}), 200, "cancel B's order");
    await eventually(async () => (await counts(a.shop, 'WELCOME10')).redeemed === 1 && (await counts(b.shop, 'WELCOME10')).released === 1, 'both redemptions settled');
    const seenA = (await a.shop.ops.get('/v1/coupons/WELCOME10')).body;
    const seenB = (await b.shop.ops.get('/v1/coupons/WELCOME10')).body;
    expect(seenA).toMatchObject({ percentOff: 10, counts: { held: 0, redeemed: 1, released: 0 }, remaining: 0, redemptions: [{ orderId: atA.body.orderId, state: 'redeemed' }] });
    expect(seenA).not.toHaveProperty('amountOff');
    expect(seenB).toMatchObject({ amountOff: CNY(3_000), counts: { held: 0, redeemed: 0, released: 1 }, remaining: 1, redemptions: [{ orderId: atB.body.orderId, state: 'released', releasedBecause: 'cancelled' }] });
    expect((await order(b.shop, 'WELCOME10', 'bea@example.com')).body).toMatchObject({ amount: CNY(7_000) });
    expect((await order(a.shop, 'WELCOME10', 'cid@example.com')).body.error).toMatchObject({ reason: 'used_up' });
  });

  it("a merchant's staff find another's coupon not there (404), its list leaves it out, its orders do not know it", async () => {
    expectStatus(await b.shop.admin.post('/v1/coupons', { code: 'B-ONLY', amountOff: CNY(500) }), 201, "B's coupon");
    for (const staff of [a.shop.ops, a.shop.admin, a.shop.http.as(PLATFORM_KEY).with({ 'x-merchant': 'cpn-a' })]) {
      expect(await staff.get('/v1/coupons/B-ONLY')).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'coupon B-ONLY does not exist' } } });
      const listed = await staff.get('/v1/coupons?limit=100');
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((c: { code: string }) => c.code)).not.toContain('B-ONLY');
    }
    expect((await ctx.shop.ops.get('/v1/coupons/B-ONLY')).status).toBe(404);
    // The platform acting for B reads it, as B's own staff do.
    expect((await a.shop.http.as(PLATFORM_KEY).with({ 'x-merchant': 'cpn-b' }).get('/v1/coupons/B-ONLY')).body).toMatchObject({ code: 'B-ONLY', amountOff: CNY(500) });
    expect((await b.shop.ops.get('/v1/coupons?limit=100')).body.items.map((c: { code: string }) => c.code)).toEqual(expect.arrayContaining(['B-ONLY', 'WELCOME10']));
    // A's storefront names B's code: refused as a code that does not exist, nothing held of B's.
    expect((await order(a.shop, 'b-only', 'ann@example.com')).body.error).toEqual({ code: 'coupon_not_applicable', reason: 'unknown', message: 'coupon B-ONLY does not exist', details: [{ path: 'coupon', reason: 'unknown' }] });
    expect(await counts(b.shop, 'B-ONLY')).toEqual({ held: 0, redeemed: 0, released: 0 });
  });

  it('a first-order coupon counts the first order at that merchant; a grant is the merchant’s it names', async () => {
    await a.shop.delivered(sku, 'vet@example.com');
    for (const shop of [a.shop, b.shop]) expectStatus(await shop.admin.post('/v1/coupons', { code: 'FIRST-50', amountOff: CNY(5_000), firstOrderOnly: true }), 201, 'a first-order coupon');
    expect((await order(a.shop, 'FIRST-50', 'vet@example.com')).body.error).toMatchObject({ reason: 'first_order_only' });
    expect((await order(b.shop, 'FIRST-50', 'vet@example.com')).body).toMatchObject({ amount: CNY(5_000), coupon: 'FIRST-50' });

    const { store, vault } = ctx.product;
    const granted = await grantCoupon(store, vault, { grantKey: 'incident:inc-b:vet', buyerEmail: 'vet@example.com', terms: { amountOff: CNY(1_000) }, merchantId: 'cpn-b' });
    expect(await grantCoupon(store, vault, { grantKey: 'incident:inc-b:vet', buyerEmail: 'vet@example.com', terms: { amountOff: CNY(1_000) }, merchantId: 'cpn-b' })).toEqual({ ...granted, created: false });
    expect((await b.shop.ops.get(`/v1/coupons/${granted.code}`)).body).toMatchObject({ granted: true, issuedTo: 'v***@example.com' });
    expect((await a.shop.ops.get(`/v1/coupons/${granted.code}`)).status).toBe(404);
    expect((await ctx.shop.ops.get(`/v1/coupons/${granted.code}`)).status).toBe(404);

    // The activity an incident compensates with makes the coupon the order's merchant's.
    const atB = await b.shop.order(sku, 1, 'gus@example.com');
    const activities = couponActivities({ store, vault, config: ctx.product.config, logger: ctx.product.logger });
    expect(await activities.grantBuyerCoupon({ grantKey: 'incident:inc-b2:gus', orderId: atB.orderId, terms: { percentOff: 20 } })).toEqual({ created: true });
    const ofB = (await b.shop.ops.get('/v1/coupons?limit=100')).body.items.find((c: { issuedTo: string | null }) => c.issuedTo === 'g***@example.com');
    expect(ofB).toMatchObject({ percentOff: 20, granted: true });
    expect((await ctx.shop.ops.get(`/v1/coupons/${ofB.code}`)).status).toBe(404);
  });

  it("moves the first shop's coupons, claims and redemptions written before into default; they keep working", async () => {
    const { store } = ctx.product;
    // The rows exactly as the release before wrote them: no merchant, the code as _id, indexes without the merchant.
    const at = new Date(Date.now() - 60_000);
    await store.coupons.collection.insertOne({ _id: 'OLD-TWO', amountOff: CNY(1_000), maxRedemptions: 2, createdBy: 'dev-admin', createdAt: at } as never);
    await store.couponClaims.collection.insertOne({ _id: 'OLD-TWO#1', code: 'OLD-TWO', kind: 'slot', orderId: 'old-order-1', claimedAt: at } as never);
    const money = { listPrice: CNY(10_000), discount: CNY(1_000), amount: CNY(9_000) };
    await store.couponRedemptions.collection.insertOne({ _id: 'OLD-TWO:old-order-1', code: 'OLD-TWO', orderId: 'old-order-1', state: 'redeemed', buyerEmailMasked: 'o***@example.com', ...money, heldAt: at, paymentId: 'pay-old', redeemedAt: at } as never);
    await store.coupons.collection.createIndex({ grantKey: 1 }, { sparse: true });
    await store.couponClaims.collection.createIndex({ code: 1, kind: 1, orderId: 1 }, { unique: true });

    expect(await couponsIntoDefault(store)).toEqual({ coupons: 1, coupon_claims: 1, coupon_redemptions: 1 });
    expect(await store.coupons.findById('OLD-TWO').lean()).toMatchObject({ merchantId: 'default', code: 'OLD-TWO' });
    expect(await store.couponClaims.findById('OLD-TWO#1').lean()).toMatchObject({ merchantId: 'default' });
    expect(await store.couponRedemptions.findById('OLD-TWO:old-order-1').lean()).toMatchObject({ merchantId: 'default' });
    const indexNames = async (c: { collection: { indexes(): Promise<{ name?: string }[]> } }) => (await c.collection.indexes()).map((i) => i.name);
    expect(await indexNames(store.coupons)).not.toContain('grantKey_1');
    expect(await indexNames(store.couponClaims)).not.toContain('code_1_kind_1_orderId_1');
    expect(await couponsIntoDefault(store)).toEqual({ coupons: 0, coupon_claims: 0, coupon_redemptions: 0 });

    // The first shop's staff see it with its redemption; its old slot still counts; no one else knows it.
    expect((await ctx.shop.ops.get('/v1/coupons/OLD-TWO')).body).toMatchObject({ code: 'OLD-TWO', counts: { held: 0, redeemed: 1, released: 0 }, remaining: 1, redemptions: [{ orderId: 'old-order-1', state: 'redeemed' }] });
    expect((await ctx.shop.ops.get('/v1/coupons?limit=100')).body.items.map((c: { code: string }) => c.code)).toContain('OLD-TWO');
    expect((await order(ctx.shop, 'old-two', 'new@example.com')).body).toMatchObject({ amount: CNY(9_000), coupon: 'OLD-TWO' });
    expect((await order(ctx.shop, 'OLD-TWO', 'late@example.com')).body.error).toMatchObject({ reason: 'used_up' });
    expect((await order(a.shop, 'OLD-TWO', 'new@example.com')).body.error).toMatchObject({ reason: 'unknown' });
    expect((await a.shop.ops.get('/v1/coupons/OLD-TWO')).status).toBe(404);
  });
});
