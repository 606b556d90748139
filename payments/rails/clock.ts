/**
 * An instant as Beijing wall-clock time, which Alipay (`yyyy-MM-dd HH:mm:ss`) and WeChat Pay
 * (RFC 3339 with +08:00) take for expiry times. China has no daylight saving.
 */
export function beijingTime(iso: string, separator: ' ' | 'T'): string {
  const shifted = new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19);
  return separator === ' ' ? shifted.replace('T', ' ') : `${shifted}+08:00`;
}
