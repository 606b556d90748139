import { moveIntoDefault } from '../../db/merchantMigration';
import { ApiClient } from '../support/http';
import { newMerchant, WITH_PLATFORM, type Merchant } from '../support/merchants';
import { expectStatus, keyCodes, productWithShop } from '../support/orders';

/*
 * The migration into `default`, on a store written the way the single shop writes it (rows that
 * name no merchant), beside another merchant's: afterwards every row of the first shop names
 * `default`, the other's are untouched, and every answer the API gives is the same as before.
 */
/** One fixed period for the reports, so two reads of them compare. */
const period = `from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 86_400_000).toISOString()}`;

describe('moving a single shop into the merchant default', () => {
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM }));
  let other: Merchant;

  beforeAll(async () => {
    const { shop } = ctx;
    await shop.product('mig-card', {}, keyCodes(4, 'MIG'));
    const delivered = await shop.delivered('mig-card', 'first@example.com');
    expectStatus(await delivered.buyer.post(`/v1/orders/${delivered.orderId}/complaints`, { category: 'service', description: 'Before merchants.' }), 201, 'complaint');
    expectStatus(await delivered.buyer.post(`/v1/orders/${delivered.orderId}/feedback`, { rating: 4 }), 201, 'feedback');
    await shop.order('mig-card', 1, 'unpaid@example.com');
    expectStatus(await shop.admin.post('/v1/public/complaint-report/notes', { month: new Date().toISOString().slice(0, 7), text: 'We answer faster now.' }), 201, 'note');
    other = await newMerchant(new ApiClient(ctx.product.api.url), ctx.product.config.paymentWebhookSecret, 'mig-other');
    await other.shop.product('mig-card', {}, keyCodes(1, 'OTHER'));
    await other.shop.delivered('mig-card');
    // The complaint is in the queue (its first projection) before the store is copied.
    for (let i = 0; i < 50 && (await shop.agent.get('/v1/complaints')).body.items.length === 0; i++) await new Promise((r) => setTimeout(r, 200));
  });

  /** What the first shop's staff and the public see. */
  async function answers() {
    const { shop } = ctx;
    const month = new Date().toISOString().slice(0, 7);
    const strip = (body: { items: unknown[] }) => body.items;
    return {
      orders: strip((await shop.ops.get('/v1/orders')).body),
      products: strip((await shop.ops.get('/v1/products')).body),
      complaints: strip((await shop.agent.get('/v1/complaints')).body),
      report: (await shop.agent.get(`/v1/reports/complaints?${period}`)).body,
      feedback: (await shop.agent.get(`/v1/reports/feedback?${period}`)).body,
      public: (await shop.http.get(`/v1/public/complaint-report?merchant=default&month=${month}`)).body,
    };
  }

  it('names default on every row of the first shop, leaves the other merchant alone, and changes no answer', async () => {
    const { store } = ctx.product;
    const before = await answers();
    expect(before.orders).toHaveLength(2);
    expect(before.complaints).toHaveLength(1);
    const unnamed = async () => ({
      orderAccess: await store.orderAccess.countDocuments({ merchantId: { $exists: false } }),
      orderViews: await store.orderViews.countDocuments({ merchantId: { $exists: false } }),
      complaintViews: await store.complaintViews.countDocuments({ merchantId: { $exists: false } }),
      feedback: await store.feedback.countDocuments({ merchantId: { $exists: false } }),
      products: await store.products.countDocuments({ merchantId: { $exists: false } }),
    });
    expect(await unnamed()).toEqual({ orderAccess: 2, orderViews: 2, complaintViews: 1, feedback: 1, products: 1 });

    const moved = await moveIntoDefault(store);
    expect(moved).toMatchObject({ order_access: 2, order_views: 2, complaint_views: 1, complaint_queue: 1, feedback: 1, report_notes: 1, products: 1, merchants: 1 });
    expect(await unnamed()).toEqual({ orderAccess: 0, orderViews: 0, complaintViews: 0, feedback: 0, products: 0 });
    expect(await store.orderViews.countDocuments({ merchantId: 'mig-other' })).toBe(1);
    expect(await store.products.findById('mig-card').lean()).toMatchObject({ merchantId: 'default', sku: 'mig-card' });

    expect(await answers()).toEqual(before);
    expect(Object.values(await moveIntoDefault(store)).every((n) => n === 0)).toBe(true);

    // The shop goes on as before: a new order is taken, listed and delivered.
    const next = await ctx.shop.delivered('mig-card', 'after@example.com');
    expect((await ctx.shop.ops.get('/v1/orders')).body.items.map((o: { orderId: string }) => o.orderId)).toContain(next.orderId);
    expect((await other.shop.ops.get('/v1/orders')).body.items).toHaveLength(1);
  });
});
