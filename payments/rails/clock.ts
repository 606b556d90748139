/**
 * An instant as Beijing wall-clock time, which Alipay (`yyyy-MM-dd HH:mm:ss`) and WeChat Pay
 * (RFC 3339 with +08:00) take for expiry times. China has no daylight saving.
 */
export function beijingTime(iso: string, separator: ' ' | 'T'): string {
  const shifted = new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19);
  return separator === ' ' ? shifted.replace('T', ' ') : `${shifted}+08:00`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const BEIJING_WALL_CLOCK = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/**
 * When a provider says a payment was made, as an ISO instant, or undefined when it said nothing
 * usable: an RFC 3339 time (WeChat Pay's `success_time`, a generic provider's `paidAt`), or a
 * Beijing wall-clock `yyyy-MM-dd HH:mm:ss` (Alipay's `send_pay_date`, 易支付's `endtime`).
 */
export function providerPaidAt(said: unknown): string | undefined {
  if (typeof said !== 'string') return undefined;
  const rfc3339 = BEIJING_WALL_CLOCK.test(said) ? `${said.replace(' ', 'T')}+08:00` : RFC3339.test(said) ? said : undefined;
  const ms = rfc3339 ? Date.parse(rfc3339) : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** A unix time in seconds (Stripe's `created`) as an ISO instant. */
export function unixPaidAt(seconds: unknown): string | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined;
}
