import { renderBuyerEmail } from '../../domain/buyerEmail';
import { buyersOf, compensationKey, compensationRefusal, compensationSummary, couponTermsOf, sameCompensation } from '../../domain/compensation';

const CNY = (amount: number) => ({ amount, currency: 'CNY' });

describe("an incident's compensation (pure)", () => {
  it('is one buyer per email hash, with their latest order; orders without a known buyer are left out', () => {
    const orders = [
      { orderId: 'o1', emailHash: 'ann' },
      { orderId: 'o2', emailHash: 'bob' },
      { orderId: 'o3' },
      { orderId: 'o4', emailHash: 'ann' },
    ];
    expect(buyersOf(orders)).toEqual([
      { emailHash: 'ann', orderId: 'o4', merchantId: 'default' },
      { emailHash: 'bob', orderId: 'o2', merchantId: 'default' },
    ]);
    expect(buyersOf([])).toEqual([]);
    expect(compensationKey('inc1', 'ann')).toBe('incident:inc1:ann');
  });

  it('is one coupon per buyer in each merchant of their affected orders (a platform-wide incident)', () => {
    const orders = [
      { orderId: 'o1', emailHash: 'ann', merchantId: 'shop-a' },
      { orderId: 'o2', emailHash: 'ann', merchantId: 'shop-b' },
      { orderId: 'o3', emailHash: 'ann', merchantId: 'shop-a' },
      { orderId: 'o4', emailHash: 'ann', merchantId: 'default' },
    ];
    expect(buyersOf(orders)).toEqual([
      { emailHash: 'ann', orderId: 'o3', merchantId: 'shop-a' },
      { emailHash: 'ann', orderId: 'o2', merchantId: 'shop-b' },
      { emailHash: 'ann', orderId: 'o4', merchantId: 'default' },
    ]);
    // The first shop keeps the key it had; another merchant's names it, so each grant is its own coupon.
    expect(compensationKey('inc1', 'ann', 'default')).toBe('incident:inc1:ann');
    expect(compensationKey('inc1', 'ann', 'shop-a')).toBe('incident:inc1:ann:shop-a');
  });

  it('makes the coupon valid from the grant for validFor, with the money off asked', () => {
    expect(couponTermsOf({ percentOff: 10, validFor: '30d' }, '2026-12-01T00:00:00.000Z')).toEqual({
      percentOff: 10,
      validFrom: '2026-12-01T00:00:00.000Z',
      validUntil: '2026-12-31T00:00:00.000Z',
    });
    expect(couponTermsOf({ amountOff: CNY(500), minSpend: CNY(2000), validFor: '12h' }, '2026-12-01T00:00:00.000Z')).toEqual({
      amountOff: CNY(500),
      minSpend: CNY(2000),
      validFrom: '2026-12-01T00:00:00.000Z',
      validUntil: '2026-12-01T12:00:00.000Z',
    });
  });

  it('answers a repeat of the same terms, and refuses other terms naming what was granted', () => {
    const first = { percentOff: 10, validFor: '30d' };
    expect(compensationRefusal(undefined, first)).toBeUndefined();
    expect(compensationRefusal(first, { validFor: '30d', percentOff: 10 })).toBeUndefined();
    expect(compensationRefusal(first, { percentOff: 10, validFor: '7d' })).toMatch(/already compensated with 10% off, valid for 30d/);
    expect(compensationRefusal(first, { amountOff: CNY(100), validFor: '30d' })).toBeDefined();
    expect(sameCompensation({ amountOff: CNY(100), validFor: '1d' }, { amountOff: { amount: 100, currency: 'USD' }, validFor: '1d' })).toBe(false);
    expect(sameCompensation({ amountOff: CNY(100), minSpend: CNY(1), validFor: '1d' }, { amountOff: CNY(100), validFor: '1d' })).toBe(false);
    expect(compensationSummary({ terms: { amountOff: CNY(500), minSpend: CNY(2000), validFor: '30d' }, coupons: 2, at: 'a', by: 'ops', validUntil: 'u' })).toMatch(/^2 single-use coupon\(s\).*off on a spend of at least .*valid for 30d \(until u\)$/);
  });

  it("writes the coupon's email with its code and terms in both languages, escaped in the HTML", () => {
    const facts = { orderId: 'ord1', sku: 'steam', productName: 'Steam', quantity: 1, coupon: { code: 'G<ABC>', percentOff: 10, validUntil: '2026-12-31T00:00:00.000Z' } };
    const en = renderBuyerEmail('coupon_granted', 'en', facts);
    expect(en.subject).toBe('Our apologies: a coupon for you');
    expect(en.text).toContain('  G<ABC>\n10% off your next order; single use, valid until 2026-12-31 00:00 UTC.');
    expect(en.text).toContain('ord1');
    expect(en.html).toContain('<code style="font-size:16px">G&lt;ABC&gt;</code>');
    expect(en.html).not.toContain('G<ABC>');
    const zh = renderBuyerEmail('coupon_granted', 'zh-CN', { ...facts, coupon: { code: 'GX', amountOff: CNY(500), minSpend: CNY(2000) } });
    expect(zh.subject).toBe('致歉：送您一张优惠券');
    expect(zh.text).toContain('满 20.00 CNY 下一单立减 5.00 CNY；仅限使用一次。');
    expect(() => renderBuyerEmail('coupon_granted', 'en', { orderId: 'o', sku: 's', productName: 'p', quantity: 1 })).toThrow(/needs its coupon/);
  });
});
