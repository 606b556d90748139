import { ORDER_STATUSES, newOrderInput, type OrderStatus, type PaymentNotice } from '../../domain/order';
import { decide, isOver, lateFindRefusal, newOrderState, refusal, refundIdFor, type OrderEffect, type OrderEvent, type OrderState } from '../../domain/orderLife';

/**
 * The order's decisions, without a server: every event in every status, and the money rules the
 * order workflow carries out.
 */
const T0 = '2026-12-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const CNY = (amount: number) => ({ amount, currency: 'CNY' });

function input() {
  return newOrderInput({
    orderId: 'o1',
    product: { sku: 'steam-100', price: CNY(1000), refundWindow: '24h', complaintWindow: '7d' },
    quantity: 1,
    buyerEmail: 'buyer@example.com',
    createdAt: T0,
    terms: { paymentTimeoutMs: 900_000, restockWaitMs: 3_600_000, maxKeyAttempts: 3, refundDecisionWaitMs: 172_800_000, orderHistoryEvents: 10_000 },
    supplierCheck: false,
  });
}

const notice = (paymentId: string, amount = 1000, eventId = `ev-${paymentId}`): PaymentNotice => ({ eventId, orderId: 'o1', paymentId, status: 'succeeded', amount: CNY(amount) });
const KEY = { keyId: 'k1', masked: 'AB**-****-**YZ' };
const ATTEMPTS = { attempts: [0], allowanceFrom: [0] };

/** Apply events in turn from a new order; answers the last decision and every effect on the way. */
function run(events: OrderEvent[], start: OrderState = newOrderState(input())) {
  let state = start;
  const effects: OrderEffect[] = [];
  events.forEach((event, i) => {
    const decision = decide(state, event, at(i + 1));
    state = decision.state;
    effects.push(...decision.effects);
  });
  return { state, effects };
}

const paid: OrderEvent[] = [{ type: 'created' }, { type: 'paymentNotice', notice: notice('p1') }];
const delivered: OrderEvent[] = [...paid, { type: 'keysTaken', result: { outcome: 'ready', keys: [KEY] }, refused: [], attempts: ATTEMPTS }];
const outOfStock: OrderEvent[] = [
  ...paid,
  { type: 'keysTaken', result: { outcome: 'out_of_stock' }, refused: [], attempts: ATTEMPTS },
  { type: 'keysTaken', result: { outcome: 'out_of_stock' }, refused: [], attempts: ATTEMPTS },
];
const refundRequested: OrderEvent[] = [...delivered, { type: 'refundRequested', actor: 'buyer', reason: 'does not work' }];
const refunding: OrderEvent[] = [...refundRequested, { type: 'refundDecided', actor: 'agent', approve: true }];

/** A way to reach each status. */
const REACH: Record<OrderStatus, OrderEvent[]> = {
  AWAITING_PAYMENT: [{ type: 'created' }],
  PAID: paid,
  DELIVERING: [...paid, { type: 'keysHeld' }],
  DELIVERED: delivered,
  COMPLETED: [...delivered, { type: 'refundWindowEnded' }],
  OUT_OF_STOCK: outOfStock,
  REFUND_REQUESTED: refundRequested,
  REFUNDING: refunding,
  REFUNDED: [...refunding, { type: 'refundProgress', refundId: refundIdFor('o1', 'p1'), outcome: 'paid' }],
  CANCELLED: [{ type: 'created' }, { type: 'cancel', actor: 'shop' }],
};

const ALL_EVENTS: OrderEvent[] = [
  { type: 'created' },
  { type: 'paymentNotice', notice: notice('p9') },
  { type: 'paymentNotice', notice: notice('p8', 1) },
  { type: 'paymentDue' },
  { type: 'reconciled', found: [] },
  { type: 'checkoutOpened', checkout: { url: 'https://pay.example/x' } },
  { type: 'providerOrderClosed', closed: true },
  { type: 'cancel', actor: 'shop' },
  { type: 'cancelledInTemporal' },
  { type: 'keysHeld' },
  { type: 'keysTaken', result: { outcome: 'ready', keys: [KEY] }, refused: [], attempts: ATTEMPTS },
  { type: 'keysTaken', result: { outcome: 'out_of_stock' }, refused: [], attempts: ATTEMPTS },
  { type: 'restockOffered' },
  { type: 'restockLook' },
  { type: 'restockDeadline' },
  { type: 'refundRequested', actor: 'buyer', reason: 'x' },
  { type: 'refundDecided', actor: 'agent', approve: true },
  { type: 'refundDecided', actor: 'agent', approve: false, note: 'works' },
  { type: 'refundDecisionDue', request: 1 },
  { type: 'refundWindowEnded' },
  { type: 'complaintWindowEnded' },
  { type: 'complaintClosed', complaintId: 'c1' },
  { type: 'remedyRequested', request: { complaintId: 'c1', remedy: 'refund', actor: 'agent' } },
  { type: 'remedyRequested', request: { complaintId: 'c1', remedy: 'replace', actor: 'agent' } },
  { type: 'refundProgress', refundId: refundIdFor('o1', 'p1'), outcome: 'refused', reason: 'account frozen' },
  { type: 'refundProgress', refundId: refundIdFor('o1', 'p1'), outcome: 'paid' },
  { type: 'disputed', dispute: { source: 'stripe_dispute', id: 'dp1', complaintId: 'c2', reason: 'fraudulent' } },
  { type: 'paymentFoundLate', notice: notice('p7'), incidentId: 'i1' },
];

describe('decide: every event in every status', () => {
  for (const status of ORDER_STATUSES) {
    it(`${status}: each event leaves a consistent order`, () => {
      const { state } = run(REACH[status]);
      expect(state.view.status).toBe(status);
      for (const event of ALL_EVENTS) {
        const { state: next, effects } = decide(state, event, at(100));
        // Money: the order's own refund only for a paid order, and one per payment.
        const ownRefunds = effects.filter((e) => e.type === 'refund' && e.awaited);
        expect(ownRefunds.length).toBeLessThanOrEqual(1);
        if (ownRefunds.length > 0) expect(state.view.paymentId).toBeDefined();
        if (state.ownRefund) expect(ownRefunds).toEqual([]);
        // A closed order stays closed; a completed one is refunded only on a complaint or by the bank.
        if (status === 'REFUNDED' || status === 'CANCELLED') expect(next.view.status).toBe(status);
        if (status === 'COMPLETED') expect(['COMPLETED', 'REFUNDING', 'REFUNDED']).toContain(next.view.status);
        // The timeline only grows, and the input never changes.
        expect(next.view.timeline.slice(0, state.view.timeline.length)).toEqual(state.view.timeline);
        expect(next.input).toEqual(state.input);
        // Never changes the state it was given.
        expect(state.view.status).toBe(status);
      }
    });
  }
});

describe('the validators ask the same table', () => {
  const FITS: Record<string, OrderStatus[]> = {
    cancel: ['AWAITING_PAYMENT'],
    refundRequest: ['DELIVERED', 'OUT_OF_STOCK'],
    refundDecision: ['REFUND_REQUESTED'],
    restockOffer: ['OUT_OF_STOCK'],
  };
  for (const [ask, fits] of Object.entries(FITS)) {
    it(`${ask} fits ${fits.join(', ')} only`, () => {
      for (const status of ORDER_STATUSES) {
        const { state } = run(REACH[status]);
        const question = ask === 'refundRequest' ? { type: ask, reason: 'broken' } : ask === 'refundDecision' ? { type: ask, approve: true } : { type: ask };
        const refused = refusal(state, question as never, at(50));
        if (fits.includes(status)) expect(refused).toBeUndefined();
        else expect(refused).toMatch(new RegExp(status === 'REFUND_REQUESTED' && ask === 'refundRequest' ? 'already pending' : status));
      }
    });
  }

  it('a complaint is filed on paid orders, one at a time, within its window', () => {
    expect(refusal(run(REACH.AWAITING_PAYMENT).state, { type: 'fileComplaint' }, at(5))).toMatch(/paid orders/);
    const { state } = run([...delivered, { type: 'complaintFiled', complaintId: 'c1', actor: 'buyer', filing: { category: 'key_invalid', description: 'x', evidence: [], policy: { firstResponseMs: 1, resolutionMs: 2, autoCloseMs: 3, maxReopens: 1 } as never } }]);
    expect(refusal(state, { type: 'fileComplaint' }, at(10))).toMatch(/complaint c1 is already open/);
    expect(refusal(run(delivered).state, { type: 'fileComplaint' }, at(8 * 24 * 3600))).toMatch(/complaint window closed/);
  });

  it('a refund is not requested without a reason, nor after its window', () => {
    const { state } = run(delivered);
    expect(refusal(state, { type: 'refundRequest', reason: ' ' }, at(10))).toBe('a reason is required');
    expect(refusal(state, { type: 'refundRequest', reason: 'x' }, at(25 * 3600))).toMatch(/refund window closed/);
  });
});

describe('money that waits never blocks money that is owed', () => {
  it('a wrong-amount payment is given back by its own refund, not waited for; the right one pays the order', () => {
    const { state, effects } = run([{ type: 'created' }, { type: 'paymentNotice', notice: notice('wrong', 1) }, { type: 'paymentNotice', notice: notice('right') }]);
    expect(effects.filter((e) => e.type === 'refund')).toEqual([expect.objectContaining({ paymentId: 'wrong', awaited: false, refundId: refundIdFor('o1', 'wrong') })]);
    expect(state.view.status).toBe('PAID');
    expect(effects.some((e) => e.type === 'takeKeys')).toBe(true);
  });

  it('that refund refused by the provider changes nothing of the order but its timeline', () => {
    const before = run([...delivered, { type: 'paymentNotice', notice: notice('second') }]).state;
    const { state } = run([{ type: 'refundProgress', refundId: refundIdFor('o1', 'second'), outcome: 'refused', reason: 'frozen' }], before);
    expect(state.view.status).toBe('DELIVERED');
    expect(state.view.attention).toBeUndefined();
    expect(isOver(state)).toBe(false); // delivered: the windows are still open
  });

  it("the order's own refused refund shows attention until it goes through", () => {
    const refundId = refundIdFor('o1', 'p1');
    const refused = run([...refunding, { type: 'refundProgress', refundId, outcome: 'refused', reason: 'frozen' }]).state;
    expect(refused.view.status).toBe('REFUNDING');
    expect(refused.view.attention?.reason).toMatch(/refused refund .* frozen/);
    const paidOut = run([{ type: 'refundProgress', refundId, outcome: 'paid' }], refused);
    expect(paidOut.state.view.status).toBe('REFUNDED');
    expect(paidOut.state.view.attention).toBeUndefined();
    expect(paidOut.effects).toContainEqual({ type: 'revokeKeys', keyIds: ['k1'] });
  });

  it('the same notice twice is taken once; a second payment is given back', () => {
    const { effects, state } = run([...paid, { type: 'paymentNotice', notice: notice('p1') }, { type: 'paymentNotice', notice: notice('p1', 1000, 'other-event') }, { type: 'paymentNotice', notice: notice('p2') }]);
    expect(effects.filter((e) => e.type === 'refund')).toEqual([expect.objectContaining({ paymentId: 'p2', awaited: false })]);
    expect(state.view.timeline.filter((e) => e.type === 'payment_duplicate_notice')).toHaveLength(1);
  });

  it('a payment after a cancel goes back; the order stays cancelled', () => {
    const { state, effects } = run([...REACH.CANCELLED, { type: 'paymentNotice', notice: notice('late') }]);
    expect(state.view.status).toBe('CANCELLED');
    expect(effects).toContainEqual(expect.objectContaining({ type: 'refund', paymentId: 'late', awaited: false }));
  });
});

describe('the order waiting for stock', () => {
  it('looks once more at once, then waits; a restock offer tries again; the deadline refunds', () => {
    const first = run([...paid, { type: 'keysTaken', result: { outcome: 'out_of_stock' }, refused: [], attempts: ATTEMPTS }]);
    expect(first.state.view.status).toBe('OUT_OF_STOCK');
    expect(first.state.keys.taking).toBe('first');
    const waiting = run(outOfStock);
    expect(waiting.effects).toContainEqual(expect.objectContaining({ type: 'timer', name: 'restockDeadline' }));
    expect(run([{ type: 'restockOffered' }], waiting.state).effects).toContainEqual({ type: 'takeKeys', purpose: 'first' });
    const deadline = run([{ type: 'restockDeadline' }], waiting.state);
    expect(deadline.state.view.status).toBe('REFUNDING');
    expect(deadline.effects).toContainEqual(expect.objectContaining({ type: 'refund', awaited: true }));
  });

  it('the buyer asking for the money back while a key try runs: the keys go back to stock, then the refund', () => {
    const trying = run([{ type: 'restockOffered' }], run(outOfStock).state);
    const asked = run([{ type: 'refundRequested', actor: 'buyer', reason: 'waited long enough' }], trying.state);
    expect(asked.effects).toContainEqual({ type: 'stopTakingKeys' });
    expect(asked.effects.some((e) => e.type === 'refund')).toBe(false);
    const answered = run([{ type: 'keysTaken', result: { outcome: 'ready', keys: [KEY] }, refused: [], attempts: ATTEMPTS }], asked.state);
    expect(answered.effects).toContainEqual({ type: 'releaseKeys' });
    expect(answered.state.view.status).toBe('REFUNDING');
    expect(answered.state.view.keys).toEqual([]);
  });
});

describe('refund requests', () => {
  it('nobody decides in time: approved by the system; an earlier request’s deadline does nothing', () => {
    const rejectedThenAsked = run([...refundRequested, { type: 'refundDecided', actor: 'agent', approve: false, note: 'works for me' }, { type: 'refundRequested', actor: 'buyer', reason: 'still broken' }]);
    expect(run([{ type: 'refundDecisionDue', request: 1 }], rejectedThenAsked.state).state.view.status).toBe('REFUND_REQUESTED');
    const due = run([{ type: 'refundDecisionDue', request: 2 }], rejectedThenAsked.state);
    expect(due.state.view.status).toBe('REFUNDING');
    expect(due.state.view.refund).toMatchObject({ status: 'APPROVED', decidedBy: 'system' });
  });

  it('a provider dispute holds the refund; a lost one ends the order refunded by the bank, with no refund of ours', () => {
    const disputed = run([...refundRequested, { type: 'disputed', dispute: { source: 'stripe_dispute', id: 'dp1', complaintId: 'c2', reason: 'fraudulent' } }]);
    expect(refusal(disputed.state, { type: 'refundDecision', approve: true }, at(30))).toMatch(/disputed/);
    const lost = run([{ type: 'disputed', dispute: { source: 'stripe_dispute', id: 'dp1', complaintId: 'c2', reason: 'fraudulent', outcome: 'lost' } }], disputed.state);
    expect(lost.state.view.status).toBe('REFUNDED');
    expect(lost.effects.some((e) => e.type === 'refund')).toBe(false);
    expect(lost.effects).toContainEqual({ type: 'revokeKeys', keyIds: ['k1'] });
  });
});

describe('the order ends', () => {
  it('when its windows are over and nothing is open', () => {
    const completed = run([...delivered, { type: 'refundWindowEnded' }]).state;
    expect(completed.view.status).toBe('COMPLETED');
    expect(isOver(completed)).toBe(false);
    expect(isOver(run([{ type: 'complaintWindowEnded' }], completed).state)).toBe(true);
    expect(isOver(run(REACH.CANCELLED).state)).toBe(true);
    expect(isOver(run(refunding).state)).toBe(false);
  });
});

describe('an order paid from when the buyer paid', () => {
  it('a payment found by asking the provider at the due time is paid from the provider\'s time, so its wait for the lost notice counts', () => {
    const found = { ...notice('p1', 1000, 'reconciled:p1:succeeded'), paidAt: at(0.5) };
    const { state } = run([{ type: 'created' }, { type: 'paymentDue' }, { type: 'reconciled', found: [found] }]);
    expect(state.view).toMatchObject({ status: 'PAID', paidAt: at(0.5) });
    expect(state.view.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['payment_due', 'payment_received']));
  });

  it('a notice without a time, or a provider clock ahead of ours, is paid from when the order heard it', () => {
    expect(run(paid).state.view.paidAt).toBe(at(2));
    expect(run([{ type: 'created' }, { type: 'paymentNotice', notice: { ...notice('p1'), paidAt: at(60) } }]).state.view.paidAt).toBe(at(2));
    expect(run([{ type: 'created' }, { type: 'paymentNotice', notice: { ...notice('p1'), paidAt: 'not a time' } }]).state.view.paidAt).toBe(at(2));
  });

  it('an incident\'s reconciliation pays a cancelled order from the provider\'s time', () => {
    const cancelled = run([{ type: 'created' }, { type: 'paymentDue' }, { type: 'reconciled', found: [] }]).state;
    const revived = run([{ type: 'paymentFoundLate', notice: { ...notice('late1', 1000, 'reconciled:late1:succeeded'), paidAt: at(0.5) }, incidentId: 'inc1' }], cancelled);
    expect(revived.state.view.paidAt).toBe(at(0.5));
  });
});

describe('an incident finds a cancelled order paid at its provider', () => {
  const cancelledUnpaid: OrderEvent[] = [{ type: 'created' }, { type: 'paymentDue' }, { type: 'reconciled', found: [] }];
  const found = (paymentId = 'late1', amount = 1000): OrderEvent => ({ type: 'paymentFoundLate', notice: notice(paymentId, amount, `reconciled:${paymentId}:succeeded`), incidentId: 'inc1' });

  it('the order is paid with it and takes its keys; delivered, it is an order like any other', () => {
    const cancelled = run(cancelledUnpaid).state;
    expect(cancelled.view.status).toBe('CANCELLED');
    expect(lateFindRefusal(cancelled, notice('late1'))).toBeUndefined();
    const revived = run([found()], cancelled);
    expect(revived.state.view).toMatchObject({ status: 'PAID', paymentId: 'late1' });
    expect(revived.state.foundLateBy).toBe('inc1');
    expect(revived.effects).toContainEqual({ type: 'takeKeys', purpose: 'first' });
    expect(revived.state.view.timeline.map((e) => e.type)).toContain('payment_found_late');
    const delivered = run([{ type: 'keysTaken', result: { outcome: 'ready', keys: [KEY] }, refused: [], attempts: ATTEMPTS }], revived.state);
    expect(delivered.state.view.status).toBe('DELIVERED');
    expect(delivered.effects.some((e) => e.type === 'refund')).toBe(false);
  });

  it('without stock its money goes back at once: the buyer has waited enough', () => {
    const revived = run([...cancelledUnpaid, found()]).state;
    const { state, effects } = run([{ type: 'keysTaken', result: { outcome: 'out_of_stock' }, refused: [], attempts: ATTEMPTS }], revived);
    expect(state.view.status).toBe('REFUNDING');
    expect(effects).toContainEqual(expect.objectContaining({ type: 'refund', refundId: refundIdFor('o1', 'late1'), paymentId: 'late1', awaited: true }));
  });

  it('is refused for anything but an unpaid order cancelled at its due time, a success of its amount, once', () => {
    const cancelled = run(cancelledUnpaid).state;
    expect(lateFindRefusal(cancelled, { ...notice('x'), status: 'failed' })).toMatch(/did not succeed/);
    expect(lateFindRefusal(cancelled, notice('x', 999))).toMatch(/is not the order's/);
    expect(lateFindRefusal(run(REACH.CANCELLED).state, notice('x'))).toMatch(/cancelled by a person/);
    const revived = run([found()], cancelled).state;
    expect(lateFindRefusal(revived, notice('late1'))).toMatch(/the order is PAID/);
    // The same event again changes nothing.
    const again = run([found()], revived);
    expect(again.effects).toEqual([]);
    expect(again.state.view.timeline).toEqual(revived.view.timeline);
  });
});
describe('a coupon follows the money', () => {
  /** An order of list price 1000 with 200 off: the buyer pays 800. */
  function withCoupon() {
    const plain = input();
    return newOrderInput({
      orderId: 'o1',
      product: { sku: plain.sku, price: CNY(1000), refundWindow: '24h', complaintWindow: '7d' },
      quantity: 1,
      buyerEmail: 'buyer@example.com',
      createdAt: T0,
      terms: { paymentTimeoutMs: 900_000, restockWaitMs: 3_600_000, maxKeyAttempts: 3, refundDecisionWaitMs: 172_800_000, orderHistoryEvents: 10_000 },
      supplierCheck: false,
      coupon: { code: 'SPRING', listPrice: CNY(1000), discount: CNY(200), amount: CNY(800) },
    });
  }
  const start = () => newOrderState(withCoupon());
  const couponEffects = (effects: OrderEffect[]) => effects.filter((e) => e.type === 'redeemCoupon' || e.type === 'releaseCoupon');
  const paidWithCoupon: OrderEvent[] = [{ type: 'created' }, { type: 'paymentNotice', notice: notice('p1', 800) }];

  it('the view shows the list price, the discount and what is paid', () => {
    const { state } = run([{ type: 'created' }], start());
    expect(state.view).toMatchObject({ amount: CNY(800), listPrice: CNY(1000), discount: CNY(200), coupon: 'SPRING' });
    expect(timelineOf(state)).toContain('coupon_applied');
    expect(run([{ type: 'created' }]).state.view).not.toHaveProperty('coupon');
  });

  it('the payment of the discounted amount redeems it, once', () => {
    const { state, effects } = run([...paidWithCoupon, { type: 'paymentNotice', notice: notice('p1', 800) }, { type: 'paymentNotice', notice: notice('p2', 800) }], start());
    expect(state.view.paymentId).toBe('p1');
    expect(couponEffects(effects)).toEqual([{ type: 'redeemCoupon', code: 'SPRING', paymentId: 'p1' }]);
  });

  it('a payment of the list price is not the order’s: it goes back and redeems nothing', () => {
    const { state, effects } = run([{ type: 'created' }, { type: 'paymentNotice', notice: notice('p1', 1000) }], start());
    expect(state.view.status).toBe('AWAITING_PAYMENT');
    expect(couponEffects(effects)).toEqual([]);
    expect(effects).toContainEqual(expect.objectContaining({ type: 'refund', amount: CNY(1000), awaited: false }));
  });

  it.each([
    ['cancelled by the shop', [{ type: 'created' }, { type: 'cancel', actor: 'shop' }]],
    ['due with nothing paid', [{ type: 'created' }, { type: 'paymentDue' }, { type: 'reconciled', found: [] }]],
    ['cancelled in Temporal', [{ type: 'created' }, { type: 'cancelledInTemporal' }]],
  ] as [string, OrderEvent[]][])('an order %s gives the coupon back', (_why, events) => {
    const { state, effects } = run(events, start());
    expect(state.view.status).toBe('CANCELLED');
    expect(couponEffects(effects)).toEqual([{ type: 'releaseCoupon', code: 'SPRING', because: 'cancelled' }]);
    // A payment after the cancel goes back; the coupon is not redeemed by it.
    expect(couponEffects(run([{ type: 'paymentNotice', notice: notice('late', 800) }], state).effects)).toEqual([]);
  });

  it('a refund pays back what was paid, then gives the coupon back', () => {
    const { state, effects } = run(
      [
        ...paidWithCoupon,
        { type: 'keysTaken', result: { outcome: 'ready', keys: [KEY] }, refused: [], attempts: ATTEMPTS },
        { type: 'refundRequested', actor: 'buyer', reason: 'wrong region' },
        { type: 'refundDecided', actor: 'agent', approve: true },
        { type: 'refundProgress', refundId: refundIdFor('o1', 'p1'), outcome: 'paid' },
      ],
      start(),
    );
    expect(state.view.status).toBe('REFUNDED');
    expect(effects).toContainEqual(expect.objectContaining({ type: 'refund', amount: CNY(800), awaited: true }));
    expect(couponEffects(effects)).toEqual([
      { type: 'redeemCoupon', code: 'SPRING', paymentId: 'p1' },
      { type: 'releaseCoupon', code: 'SPRING', because: 'refunded' },
    ]);
  });

  it('a delivered order keeps it redeemed; a payment returned by the bank gives it back', () => {
    const delivery = run([...paidWithCoupon, { type: 'keysTaken', result: { outcome: 'ready', keys: [KEY] }, refused: [], attempts: ATTEMPTS }, { type: 'refundWindowEnded' }], start());
    expect(delivery.state.view.status).toBe('COMPLETED');
    expect(couponEffects(delivery.effects).map((e) => e.type)).toEqual(['redeemCoupon']);
    const lost = run([{ type: 'disputed', dispute: { source: 'stripe_dispute', id: 'dp1', complaintId: 'c2', reason: 'fraudulent', outcome: 'lost' } }], delivery.state);
    expect(lost.state.view.status).toBe('REFUNDED');
    expect(couponEffects(lost.effects)).toEqual([{ type: 'releaseCoupon', code: 'SPRING', because: 'refunded' }]);
  });

  it('a payment found after a cancel gave it back redeems it again; with no use left the order still goes through, noted', () => {
    const cancelled = run([{ type: 'created' }, { type: 'paymentDue' }, { type: 'reconciled', found: [] }], start()).state;
    const revived = run([{ type: 'paymentFoundLate', notice: notice('late1', 800, 'reconciled:late1:succeeded'), incidentId: 'inc1' }], cancelled);
    expect(revived.state.view).toMatchObject({ status: 'PAID', amount: CNY(800) });
    expect(couponEffects(revived.effects)).toEqual([{ type: 'redeemCoupon', code: 'SPRING', paymentId: 'late1' }]);
    const over = run([{ type: 'couponOverLimit', code: 'SPRING' }], revived.state);
    expect(over.state.view.status).toBe('PAID');
    expect(over.state.view.timeline.at(-1)).toMatchObject({ type: 'coupon_over_limit', detail: expect.stringContaining('coupon SPRING had no use left') });
    expect(over.effects).toEqual([{ type: 'write', events: [] }]);
  });
});

function timelineOf(state: OrderState): string[] {
  return state.view.timeline.map((e) => e.type);
}
