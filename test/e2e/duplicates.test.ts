import type { OrderView, PaymentNotice } from '../../domain/order';
import { expectKeysConserved, expectMoneyConserved, sandboxRefunds } from '../support/invariants';
import { countOf, keyCodes, productWithShop, timelineTypes, type PlacedOrder } from '../support/orders';

/**
 * The provider's notices replayed at every stage of an order (the same event again, and the same
 * payment resent under a new event id): nothing changes twice. Timeline lines for duplicates are
 * fine; a second refund, a status change or a second delivery is not.
 */
describe('duplicate and late payment notices', () => {
  const ctx = productWithShop();

  const statuses = (view: OrderView) => timelineTypes(view).filter((t) => t.startsWith('status:'));
  const refundsOf = async (orderId: string) => (await sandboxRefunds(ctx.product.store)).filter((r) => r.orderId === orderId);
  const deliveredClaims = (orderId: string) => ctx.product.store.claims.countDocuments({ orderId, state: 'delivered' });
  const outboxCount = (orderId: string, type: string) => ctx.product.store.outbox.countDocuments({ orderId, type });
  const strayRun = (orderId: string, paymentId: string) => ctx.product.client.workflow.getHandle(`stray-payment-${orderId}-${paymentId}`);

  /** The same event again, and the same payment resent by the provider under a new event id. */
  async function replay(...notices: PaymentNotice[]): Promise<void> {
    for (const n of notices) {
      await ctx.shop.notify(n);
      await ctx.shop.notify({ ...n, eventId: `${n.eventId}-resent` });
    }
  }

  afterEach(async () => {
    // Over every order so far: each successful payment delivered or refunded, exactly once.
    await expectMoneyConserved(ctx.product.store, await sandboxRefunds(ctx.product.store));
  });

  it('awaiting payment, paid, delivered, completed and closed: one payment taken, one delivery, no refund', async () => {
    const { shop } = ctx;
    // Windows long enough that the checks of the delivered order, replays included, run before the
    // refund window ends on a busy machine (at 1 s it sometimes ended first: COMPLETED, not DELIVERED).
    await shop.product('dup-card', { refundWindow: '5s', complaintWindow: '6s' }, keyCodes(3, 'DUP'));
    const order = await shop.order('dup-card');

    const failed = await shop.pay(order, { paymentId: 'pay-0', status: 'failed' });
    await replay(failed);
    let view = await shop.noticesHandled(order);
    expect(view.status).toBe('AWAITING_PAYMENT');
    const failedLines = (v: OrderView) => v.timeline.filter((e) => e.detail?.includes('pay-0')).length;
    expect(failedLines(view)).toBe(2); // one line per distinct event; the same event again adds none

    const paid = await shop.pay(order);
    await replay(paid, failed); // while it is being paid and delivered
    await shop.waitFor(order.orderId, 'DELIVERED');
    await replay(paid, failed);
    view = await shop.noticesHandled(order);
    expect(view.status).toBe('DELIVERED');
    expect(countOf(timelineTypes(view), 'payment_received')).toBe(1);
    expect(statuses(view)).toEqual(['status:PAID', 'status:DELIVERING', 'status:DELIVERED']);
    expect(failedLines(view)).toBe(2);
    expect(view.keys).toHaveLength(1);

    const closed = await shop.waitClosed(ctx.product.client, order.orderId, 'COMPLETED');
    await replay(paid, failed);
    expect(await strayRun(order.orderId, paid.paymentId).result()).toBe('already_applied');

    view = await shop.view(order.orderId);
    expect(view).toEqual(closed);
    expect(statuses(view)).toEqual(['status:PAID', 'status:DELIVERING', 'status:DELIVERED', 'status:COMPLETED']);
    expect(await deliveredClaims(order.orderId)).toBe(1);
    expect(await outboxCount(order.orderId, 'order.delivered')).toBe(1);
    expect(await refundsOf(order.orderId)).toEqual([]);
    await expectKeysConserved(ctx.product.store, ctx.product.vault, 'dup-card');
  });

  it('paid and waiting for stock: replays reserve nothing, and the restock delivers once', async () => {
    const { shop } = ctx;
    await shop.product('dup-empty');
    const order = await shop.order('dup-empty');
    const paid = await shop.pay(order);
    await shop.waitFor(order.orderId, 'OUT_OF_STOCK');

    await replay(paid);
    let view = await shop.noticesHandled(order);
    expect(view.status).toBe('OUT_OF_STOCK');
    expect(await ctx.product.store.claims.countDocuments({ orderId: order.orderId })).toBe(0);

    await shop.importKeys('dup-empty', keyCodes(2, 'DUPE'));
    await shop.waitFor(order.orderId, 'DELIVERED');
    await replay(paid);
    view = await shop.noticesHandled(order);
    expect(countOf(timelineTypes(view), 'payment_received')).toBe(1);
    expect(countOf(statuses(view), 'status:DELIVERED')).toBe(1);
    expect(await deliveredClaims(order.orderId)).toBe(1);
    expect(await refundsOf(order.orderId)).toEqual([]);
    expect(await shop.stock('dup-empty')).toEqual({ available: 1, reserved: 0, delivered: 1, revoked: 0, invalid: 0 });
  });

  it('refunded and closed: the payment it was refunded for is not refunded again', async () => {
    const { shop } = ctx;
    await shop.product('dup-refund', {}, keyCodes(1, 'DUPR'));
    const order = await shop.order('dup-refund');
    const paid = await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'not needed' })).status).toBe(202);
    expect((await shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: true })).status).toBe(200);
    await shop.waitClosed(ctx.product.client, order.orderId, 'REFUNDED');

    await replay(paid);
    expect(await strayRun(order.orderId, paid.paymentId).result()).toBe('already_applied');
    expect((await refundsOf(order.orderId)).map((r) => r.paymentId)).toEqual([paid.paymentId]);
    expect((await shop.view(order.orderId)).status).toBe('REFUNDED');
  });

  it('cancelled and closed: a late success is refunded once, however often it comes', async () => {
    const { shop } = ctx;
    await shop.product('dup-cancel', {}, keyCodes(1, 'DUPC'));
    const order: PlacedOrder = await shop.order('dup-cancel');
    expect((await shop.storefront.post(`/v1/orders/${order.orderId}/cancel`, {})).status).toBe(200);
    await shop.waitClosed(ctx.product.client, order.orderId, 'CANCELLED');

    const late = await shop.pay(order, { paymentId: 'pay-late' });
    expect(await strayRun(order.orderId, 'pay-late').result()).toBe('refunded');
    await replay(late);
    expect(await strayRun(order.orderId, 'pay-late').result()).toBe('refunded');
    expect((await refundsOf(order.orderId)).map((r) => r.paymentId)).toEqual(['pay-late']);
    expect(await shop.stock('dup-cancel')).toMatchObject({ available: 1, delivered: 0 });
  });
});
