import { beijingTime, providerPaidAt, unixPaidAt } from '../../payments/rails/clock';

/** When a provider says the buyer paid, read from each rail's own way of writing a time. */
describe("a provider's payment time", () => {
  const instant = '2026-12-01T02:03:04.000Z';

  it("reads Alipay's and 易支付's Beijing wall clock, WeChat Pay's RFC 3339 and Stripe's unix seconds as the same instant", () => {
    expect(providerPaidAt(beijingTime(instant, ' '))).toBe(instant);
    expect(providerPaidAt('2026-12-01 10:03:04')).toBe(instant);
    expect(providerPaidAt(beijingTime(instant, 'T'))).toBe(instant);
    expect(providerPaidAt('2026-12-01T02:03:04Z')).toBe(instant);
    expect(providerPaidAt('2026-12-01T02:03:04.000Z')).toBe(instant);
    expect(unixPaidAt(Date.parse(instant) / 1000)).toBe(instant);
  });

  it('is nothing when the provider said nothing usable', () => {
    for (const said of [undefined, null, '', 'yesterday', '2026-12-01', '2026-13-45 99:00:00', '2026-12-01T02:03:04', 1764554584]) expect(providerPaidAt(said)).toBeUndefined();
    for (const said of [undefined, '1764554584', 0, -5, Number.NaN]) expect(unixPaidAt(said)).toBeUndefined();
  });
});
