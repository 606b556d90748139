import { RETRY_WINDOW_MS } from '../../api/actionIds';
import { keyCodes, productWithShop, type PlacedOrder } from '../support/orders';

/**
 * A human action (cancel, refund request and decision, complaint actions) is remembered in
 * `action_requests` so a retry of it gets the same update id. One the order refuses (409) or that
 * has no order (404) changed nothing, and leaves nothing behind either.
 */
describe('human actions and their retry records', () => {
  const ctx = productWithShop();
  const sku = 'acts-card';
  const rows = () => ctx.product.store.actionRequests.find({}, { _id: 1, updateId: 1, at: 1 }).sort({ _id: 1 }).lean();

  beforeAll(async () => {
    await ctx.shop.product(sku, {}, keyCodes(6, 'ACTS'));
  });

  async function delivered(): Promise<PlacedOrder> {
    const order = await ctx.shop.order(sku);
    await ctx.shop.pay(order);
    await ctx.shop.waitFor(order.orderId, 'DELIVERED');
    return order;
  }

  it('a refused action writes no row; the same words once the order allows them are carried out', async () => {
    const { shop } = ctx;
    const before = await rows();
    const order = await shop.order(sku);
    // Unpaid: nothing to refund, and no request to decide.
    const asked = await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Too early.' });
    expect(asked.status).toBe(409);
    const decided = await shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: true });
    expect(decided.status).toBe(409);
    const unknown = await shop.agent.post('/v1/orders/NoSuchOrder00000/refund-decision', { approve: true });
    expect(unknown.status).toBe(404);
    expect(await rows()).toEqual(before);

    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    const again = await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Too early.' });
    expect(again.status).toBe(202);
    expect(await rows()).toHaveLength(before.length + 1);
  });

  it('an accepted action keeps its row, and a retry of it is answered by the first outcome', async () => {
    const { shop } = ctx;
    const order = await delivered();
    const before = (await rows()).length;
    const request = () => order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Wrong region.' });
    const [first, retry] = await Promise.all([request(), request()]);
    expect([first.status, retry.status]).toEqual([202, 202]);
    expect(retry.body).toEqual(first.body);
    expect(await rows()).toHaveLength(before + 1);
    const view = await shop.view(order.orderId);
    expect(view.timeline.filter((e) => e.type === 'status:REFUND_REQUESTED')).toHaveLength(1);
  });

  it('a refused action leaves a stale row of the same words as it was', async () => {
    const { shop, product } = ctx;
    const order = await delivered();
    const decide = () => shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: false, note: 'Key was redeemed.' });
    expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Changed my mind.' })).status).toBe(202);
    expect((await decide()).status).toBe(200);
    // Long after, the same words again: a new action, refused (no request pending).
    const before = await rows();
    const stale = new Date(Date.now() - RETRY_WINDOW_MS - 60_000);
    const ids = before.map((r) => r._id);
    await product.store.actionRequests.updateMany({ _id: { $in: ids } }, { $set: { at: stale } });
    const staleRows = await rows();
    const refused = await decide();
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/no refund request is pending/);
    expect(await rows()).toEqual(staleRows);
  });
});
