import {
  actRefusal,
  affectedBy,
  coversOutage,
  declaredFor,
  incidentStaffOf,
  ordersOf,
  visibleTo,
  detectedCause,
  detectedIncident,
  incidentToOpen,
  harmOf,
  lateForWatch,
  newIncident,
  paymentToMakeGood,
  publicStatus,
  reconcileSummary,
  resolve,
  resolveRefusal,
  watchFrom,
  type IncidentInput,
  type OrderFacts,
} from '../../domain/incident';

/** The incident decisions, without a server: what an incident hurt, when one opens by itself, what the public sees. */
const T0 = '2026-12-01T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const SLO = 60_000;

const declared = (fields: Partial<IncidentInput> = {}): IncidentInput => ({
  incidentId: 'i1',
  title: 'Payment notices delayed',
  cause: 'payment_provider',
  startedAt: at(0),
  publicNote: 'Payments are slow to confirm.',
  openedBy: 'ops-key',
  openedAt: at(600),
  ...fields,
});

const order = (fields: Partial<OrderFacts>): OrderFacts => ({ status: 'DELIVERED', createdAt: at(10), timeline: [], ...fields });

describe('how an order was hurt', () => {
  it('by the delivery promise, from payment to keys', () => {
    const now = at(1000);
    expect(harmOf(order({ paidAt: at(20), deliveredAt: at(30) }), SLO, now)).toBeUndefined();
    expect(harmOf(order({ paidAt: at(20), deliveredAt: at(81) }), SLO, now)).toBe('delivered_late');
    expect(harmOf(order({ status: 'OUT_OF_STOCK', paidAt: at(20) }), SLO, now)).toBe('undelivered');
    expect(harmOf(order({ status: 'DELIVERING', paidAt: at(20) }), SLO, at(50))).toBeUndefined();
    expect(harmOf(order({ status: 'REFUNDED', paidAt: at(20) }), SLO, now)).toBe('refunded_without_keys');
    expect(harmOf(order({ status: 'REFUNDED', paidAt: at(20), deliveredAt: at(25) }), SLO, now)).toBeUndefined();
    expect(harmOf(order({ status: 'AWAITING_PAYMENT' }), SLO, now)).toBeUndefined();
  });

  it('cancelled at its due time without a notice, also once made good since; not when a person cancelled it', () => {
    expect(harmOf(order({ status: 'CANCELLED', timeline: [{ type: 'payment_due' }] }), SLO, at(1000))).toBe('cancelled_without_notice');
    expect(harmOf(order({ status: 'CANCELLED', timeline: [{ type: 'status:CANCELLED' }] }), SLO, at(1000))).toBeUndefined();
    const madeGood = order({ status: 'DELIVERED', paidAt: at(900), deliveredAt: at(901), timeline: [{ type: 'payment_due' }, { type: 'payment_found_late' }] });
    expect(harmOf(madeGood, SLO, at(1000))).toBe('cancelled_without_notice');
  });

  it('counts for an incident when made in its window and its cause explains the harm', () => {
    const late = order({ paidAt: at(20), deliveredAt: at(200) });
    const refunded = order({ status: 'REFUNDED', paidAt: at(20) });
    const cancelled = order({ status: 'CANCELLED', timeline: [{ type: 'payment_due' }] });
    const payment = newIncident(declared({ endedAt: at(500) }));
    expect(affectedBy(payment, late, SLO, at(1000))).toBe('delivered_late');
    expect(affectedBy(payment, cancelled, SLO, at(1000))).toBe('cancelled_without_notice');
    expect(affectedBy(payment, refunded, SLO, at(1000))).toBeUndefined();
    expect(affectedBy(payment, { ...late, createdAt: at(501) }, SLO, at(1000))).toBeUndefined();
    expect(affectedBy(payment, { ...late, createdAt: at(-1) }, SLO, at(1000))).toBeUndefined();
    const supplier = newIncident(declared({ cause: 'supplier' }));
    expect(affectedBy(supplier, refunded, SLO, at(1000))).toBe('refunded_without_keys');
    expect(affectedBy(supplier, cancelled, SLO, at(1000))).toBeUndefined();
    // Open, with no end: its window runs to now.
    expect(affectedBy(supplier, { ...late, createdAt: at(900) }, SLO, at(1000))).toBe('delivered_late');
  });
});

describe('the product opens an incident itself', () => {
  it('when enough paid orders missed the promise and none is open, blaming what most of them point at', () => {
    expect(incidentToOpen({ lateOrders: 10, openIncident: false }, 10)).toBe('delivery');
    expect(incidentToOpen({ lateOrders: 10, learnedByAsking: 6, openIncident: false, openCauses: [] }, 10)).toBe('payment_provider');
    expect(incidentToOpen({ lateOrders: 9, learnedByAsking: 9, openIncident: false }, 10)).toBeUndefined();
  });

  it('never twice for one outage: an open incident that explains the late orders holds the next one back', () => {
    expect(incidentToOpen({ lateOrders: 50, learnedByAsking: 50, openIncident: true, openCauses: ['payment_provider'] }, 10)).toBeUndefined();
    expect(incidentToOpen({ lateOrders: 50, openIncident: true, openCauses: ['delivery'] }, 10)).toBeUndefined();
    expect(incidentToOpen({ lateOrders: 50, openIncident: true, openCauses: ['supplier'] }, 10)).toBeUndefined();
    expect(incidentToOpen({ lateOrders: 50, learnedByAsking: 25, openIncident: true, openCauses: ['other'] }, 10)).toBeUndefined();
    // A pass recorded before the watcher was told the open incidents' causes: the open one explains everything.
    expect(incidentToOpen({ lateOrders: 50, learnedByAsking: 25, openIncident: true }, 10)).toBeUndefined();
  });

  it('once more for a second outage: lost notices during a delivery incident, slow deliveries during a payment one', () => {
    expect(incidentToOpen({ lateOrders: 30, learnedByAsking: 10, openIncident: true, openCauses: ['delivery'] }, 10)).toBe('payment_provider');
    expect(incidentToOpen({ lateOrders: 30, learnedByAsking: 9, openIncident: true, openCauses: ['supplier'] }, 10)).toBeUndefined();
    expect(incidentToOpen({ lateOrders: 30, learnedByAsking: 20, openIncident: true, openCauses: ['payment_provider'] }, 10)).toBe('delivery');
    expect(incidentToOpen({ lateOrders: 30, learnedByAsking: 21, openIncident: true, openCauses: ['payment_provider'] }, 10)).toBeUndefined();
    expect(incidentToOpen({ lateOrders: 30, learnedByAsking: 15, openIncident: true, openCauses: ['payment_provider', 'delivery'] }, 10)).toBeUndefined();
  });

  it('counts an order late from when the buyer paid, and knows whether it learned of its payment by a notice or by asking', () => {
    const byNotice: OrderFacts = { status: 'DELIVERED', createdAt: at(0), paidAt: at(10), deliveredAt: at(100), timeline: [{ type: 'payment_received' }] };
    const byAsking: OrderFacts = { ...byNotice, timeline: [{ type: 'payment_due' }, { type: 'payment_received' }] };
    expect(lateForWatch(byNotice, SLO, at(200))).toBe('notice');
    expect(lateForWatch(byAsking, SLO, at(200))).toBe('provider');
    expect(lateForWatch({ ...byAsking, deliveredAt: at(20) }, SLO, at(200))).toBeUndefined();
    expect(lateForWatch({ ...byAsking, status: 'PAID', deliveredAt: undefined }, SLO, at(200))).toBe('provider');
    // Made good by an incident's reconciliation: that incident's already.
    expect(lateForWatch({ ...byAsking, timeline: [{ type: 'payment_due' }, { type: 'payment_found_late' }] }, SLO, at(200))).toBeUndefined();
    expect(lateForWatch({ ...byAsking, status: 'CANCELLED', paidAt: undefined, deliveredAt: undefined }, SLO, at(200))).toBeUndefined();
  });

  it('blames the payment provider when most late orders learned of their payment by asking it, delivery otherwise', () => {
    expect(detectedCause({ lateOrders: 10, learnedByAsking: 6 })).toBe('payment_provider');
    expect(detectedCause({ lateOrders: 10, learnedByAsking: 5 })).toBe('delivery');
    expect(detectedCause({ lateOrders: 10, learnedByAsking: 0 })).toBe('delivery');
    expect(detectedCause({ lateOrders: 10 })).toBe('delivery');
  });

  it('opens from the first late order\'s making when that is before the window, saying why in its timeline', () => {
    const lost = detectedIncident('i9', { lateOrders: 12, learnedByAsking: 10, firstCreatedAt: at(-600), openIncident: false }, at(0), at(300), SLO);
    expect(lost).toMatchObject({ cause: 'payment_provider', startedAt: at(-600), openedBy: 'system', openedAt: at(300) });
    expect(newIncident(lost).timeline).toEqual([
      { at: at(300), type: 'opened', actor: 'system', detail: expect.stringMatching(/^opened by the product: 12 paid order\(s\) waited longer than 60s .* 10 of them learned of their payment only by asking the provider/) },
    ]);
    const slow = detectedIncident('i10', { lateOrders: 12, learnedByAsking: 1, firstCreatedAt: at(60), openIncident: false }, at(0), at(300), SLO);
    expect(slow).toMatchObject({ cause: 'delivery', startedAt: at(0) });
    expect(slow.title).toMatch(/^Deliveries are slow/);
  });

  it('looks back 5 minutes, but not past the last incident it resolved', () => {
    const now = at(1000);
    expect(watchFrom(now)).toBe(at(700));
    expect(watchFrom(now, at(900))).toBe(at(900));
    expect(watchFrom(now, at(100))).toBe(at(700));
  });
});

describe('whose incident it is', () => {
  const shopA = incidentStaffOf({ role: 'ops', merchantId: 'shop-a' });
  const shopB = incidentStaffOf({ role: 'agent', merchantId: 'shop-b' });
  const firstShop = incidentStaffOf({ role: 'ops', merchantId: 'default' });
  const platform = incidentStaffOf({ role: 'platform', merchantId: 'shop-a' });

  it("a merchant's ops declare its own; a platform key declares a platform-wide one", () => {
    expect(declaredFor(shopA)).toBe('shop-a');
    expect(declaredFor(firstShop)).toBe('default');
    expect(declaredFor(platform)).toBeUndefined();
  });

  it("another merchant's is not there; a platform-wide one is every merchant's to read", () => {
    expect(visibleTo({ merchantId: 'shop-a' }, shopA)).toBe(true);
    expect(visibleTo({ merchantId: 'shop-a' }, shopB)).toBe(false);
    expect(visibleTo({ merchantId: 'shop-a' }, firstShop)).toBe(false);
    expect(visibleTo({}, shopB)).toBe(true);
  });

  it('a platform-wide one is acted on by the operator (the platform, the first shop) only', () => {
    expect(actRefusal({}, shopA)).toMatch(/platform-wide/);
    expect(actRefusal({}, platform)).toBeUndefined();
    expect(actRefusal({}, firstShop)).toBeUndefined();
    expect(actRefusal({ merchantId: 'shop-a' }, shopA)).toBeUndefined();
  });

  it("counts a merchant's incident's orders of that merchant, and of a platform-wide one each merchant's own, the operator's every merchant's", () => {
    expect(ordersOf({ merchantId: 'shop-a' })).toBe('shop-a');
    expect(ordersOf({ merchantId: 'shop-a' }, platform)).toBe('shop-a');
    expect(ordersOf({})).toBeUndefined();
    expect(ordersOf({}, shopB)).toBe('shop-b');
    expect(ordersOf({}, firstShop)).toBeUndefined();
    expect(ordersOf({}, platform)).toBeUndefined();
  });

  it("an outage is covered by an open platform-wide incident or the first shop's, not another merchant's", () => {
    expect(coversOutage({}, 'default')).toBe(true);
    expect(coversOutage({ merchantId: 'default' }, 'default')).toBe(true);
    expect(coversOutage({ merchantId: 'shop-a' }, 'default')).toBe(false);
  });
});

describe('an incident resolved', () => {
  it('once, with the note the public reads, its window ending then unless ops gave its end', () => {
    const open = newIncident(declared());
    expect(open.status).toBe('OPEN');
    expect(resolveRefusal(open)).toBeUndefined();
    const done = resolve(open, 'Fixed: the provider resent every notice.', 'ops-key', at(1200));
    expect(done).toMatchObject({ status: 'RESOLVED', endedAt: at(1200), resolvedAt: at(1200), publicNote: 'Fixed: the provider resent every notice.' });
    expect(done.timeline.map((e) => e.type)).toEqual(['opened', 'resolved']);
    expect(resolveRefusal(done)).toMatch(/resolved at/);
    expect(resolve(newIncident(declared({ endedAt: at(500) })), 'ok', 'ops-key', at(1200)).endedAt).toBe(at(500));
  });
});

describe('what the public sees', () => {
  it('open incidents and those resolved in the last 30 days, newest first, with nothing about anyone', () => {
    const now = '2026-12-31T00:00:00.000Z';
    const open = newIncident(declared({ incidentId: 'secret-id-1', startedAt: '2026-12-30T00:00:00.000Z' }));
    const recent = resolve(newIncident(declared({ incidentId: 'secret-id-2', startedAt: '2026-12-20T00:00:00.000Z' })), 'All good now.', 'ops-key', '2026-12-21T00:00:00.000Z');
    const old = resolve(newIncident(declared({ incidentId: 'secret-id-3', startedAt: '2026-11-01T00:00:00.000Z' })), 'Long ago.', 'ops-key', '2026-11-02T00:00:00.000Z');
    const shown = publicStatus([old, recent, open], now);
    expect(shown.open.map((i) => i.startedAt)).toEqual([open.startedAt]);
    expect(shown.resolved).toEqual([{ title: recent.title, cause: 'payment_provider', status: 'RESOLVED', startedAt: recent.startedAt, endedAt: recent.endedAt, publicNote: 'All good now.' }]);
    expect(JSON.stringify(shown)).not.toMatch(/secret-id|ops-key|timeline/);
  });
});

describe('reconciliation', () => {
  it('makes good a success of the order amount only', () => {
    const amount = { amount: 500, currency: 'CNY' };
    expect(paymentToMakeGood([{ paymentId: 'f', status: 'failed', amount }], amount)).toBeUndefined();
    expect(paymentToMakeGood([{ paymentId: 'w', status: 'succeeded', amount: { amount: 499, currency: 'CNY' } }], amount)).toBeUndefined();
    expect(paymentToMakeGood([{ paymentId: 'f', status: 'failed', amount }, { paymentId: 'p', status: 'succeeded', amount }], amount)?.paymentId).toBe('p');
    expect(reconcileSummary(['made_good', 'not_paid', 'made_good', 'already_handled'])).toBe(
      '4 order(s) cancelled without a payment notice asked at their provider: 2 paid there and made good, 1 not paid, 1 already handled',
    );
  });
});
