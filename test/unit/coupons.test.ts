import { couponKey, couponRefusal, oncePerBuyer, priceWith, refusalMessage, termsProblems, type Coupon, type CouponUse } from '../../domain/coupons';

/** Whether a coupon applies and what it takes off, without a store. */
const CNY = (amount: number) => ({ amount, currency: 'CNY' });
const use = (fields: Partial<CouponUse> = {}): CouponUse => ({ at: '2026-12-01T12:00:00.000Z', listPrice: CNY(10_000), buyerEmailHashes: ['h-alice'], orderedBefore: false, ...fields });
const coupon = (fields: Partial<Coupon> = {}): Coupon => ({ code: 'SPRING', amountOff: CNY(2_000), ...fields });

describe('couponRefusal', () => {
  it('applies a coupon whose terms all hold', () => {
    expect(couponRefusal(coupon({ minSpend: CNY(10_000), validFrom: '2026-12-01T00:00:00Z', validUntil: '2026-12-02T00:00:00Z', firstOrderOnly: true, buyerEmailHash: 'h-alice' }), use())).toBeUndefined();
  });

  it.each([
    ['unknown', undefined, use()],
    ['not_yet_valid', coupon({ validFrom: '2026-12-01T12:00:00.001Z' }), use()],
    ['expired', coupon({ validUntil: '2026-12-01T12:00:00.000Z' }), use()],
    ['issued_to_another_buyer', coupon({ buyerEmailHash: 'h-bob' }), use()],
    ['currency', coupon({ amountOff: { amount: 100, currency: 'USD' } }), use()],
    ['currency', coupon({ amountOff: undefined, percentOff: 10, minSpend: { amount: 100, currency: 'USD' } }), use()],
    ['minimum_spend', coupon({ minSpend: CNY(10_001) }), use()],
    ['first_order_only', coupon({ firstOrderOnly: true }), use({ orderedBefore: true })],
  ] as const)('refuses by name: %s', (reason, c, u) => {
    expect(couponRefusal(c, u)).toBe(reason);
  });

  it('valid from its first moment until (not including) its last', () => {
    const window = coupon({ validFrom: '2026-12-01T12:00:00.000Z', validUntil: '2026-12-01T13:00:00.000Z' });
    expect(couponRefusal(window, use({ at: '2026-12-01T12:00:00.000Z' }))).toBeUndefined();
    expect(couponRefusal(window, use({ at: '2026-12-01T12:59:59.999Z' }))).toBeUndefined();
    expect(couponRefusal(window, use({ at: '2026-12-01T13:00:00.000Z' }))).toBe('expired');
  });

  it('a buyer is recognised under any key of the ring', () => {
    expect(couponRefusal(coupon({ buyerEmailHash: 'h-old' }), use({ buyerEmailHashes: ['h-new', 'h-old'] }))).toBeUndefined();
  });

  it('names each refusal in words', () => {
    expect(refusalMessage('SPRING', 'minimum_spend', coupon({ minSpend: CNY(10_001) }))).toBe('coupon SPRING needs a spend of at least 100.01 CNY');
    expect(refusalMessage('SPRING', 'used_up', coupon({ maxRedemptions: 3 }))).toContain('(3)');
  });
});

describe('priceWith', () => {
  it('takes an amount off', () => {
    expect(priceWith({ amountOff: CNY(2_000) }, CNY(10_000))).toEqual({ listPrice: CNY(10_000), discount: CNY(2_000), amount: CNY(8_000) });
  });

  it('takes a percent off, rounded down to a whole minor unit', () => {
    expect(priceWith({ percentOff: 15 }, CNY(1_999))).toEqual({ listPrice: CNY(1_999), discount: CNY(299), amount: CNY(1_700) });
  });

  it('never below 1 minor unit', () => {
    expect(priceWith({ amountOff: CNY(50_000) }, CNY(10_000))).toEqual({ listPrice: CNY(10_000), discount: CNY(9_999), amount: CNY(1) });
    expect(priceWith({ percentOff: 100 }, CNY(500)).amount).toEqual(CNY(1));
  });
});

describe('termsProblems', () => {
  it('wants exactly one of amountOff and percentOff', () => {
    expect(termsProblems({}).map((p) => p.path)).toEqual(['amountOff']);
    expect(termsProblems({ amountOff: CNY(1), percentOff: 5 }).map((p) => p.path)).toEqual(['amountOff']);
    expect(termsProblems({ percentOff: 5 })).toEqual([]);
  });

  it('names every bad field', () => {
    const problems = termsProblems({ amountOff: CNY(0), minSpend: { amount: 100, currency: 'USD' }, maxRedemptions: 0, validFrom: '2026-12-02T00:00:00Z', validUntil: '2026-12-01T00:00:00Z' });
    expect(problems.map((p) => p.path)).toEqual(['maxRedemptions', 'amountOff.amount', 'minSpend.currency', 'validUntil']);
    expect(termsProblems({ amountOff: { amount: 1.5, currency: 'CNY' } })).toEqual([{ path: 'amountOff.amount', reason: 'must be a whole number of minor units' }]);
  });

  it('a first-order or issued coupon is once per buyer; a plain one is not', () => {
    expect(oncePerBuyer({ firstOrderOnly: true })).toBe(true);
    expect(oncePerBuyer({ buyerEmailHash: 'h' })).toBe(true);
    expect(oncePerBuyer({ amountOff: CNY(1) })).toBe(false);
  });
});

describe('couponKey', () => {
  it("is the code for the first shop (its coupons keep their ids) and the merchant's own for any other", () => {
    expect([couponKey('default', 'WELCOME10'), couponKey(undefined, 'WELCOME10'), couponKey('acme-cards', 'WELCOME10')]).toEqual(['WELCOME10', 'WELCOME10', 'acme-cards:WELCOME10']);
  });
});
