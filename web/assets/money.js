// Money as people type and read it: in major units (yuan), while the API keeps integer minor
// units (fen). Each currency's number of decimals comes from Intl (2 for CNY, 0 for JPY).

const locale = (lang) => (lang === 'zh' ? 'zh-CN' : 'en');

export function fractionDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** ¥68.00 / CN¥68.00, from {amount: 6800, currency: 'CNY'}. */
export function formatMoney(m, lang) {
  if (!m) return '';
  const digits = fractionDigits(m.currency);
  const major = m.amount / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale(lang), { style: 'currency', currency: m.currency }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${m.currency}`;
  }
}

/** "68.00" from {amount: 6800, currency: 'CNY'}: what a price field shows, exactly, never through a float. */
export function majorText(m) {
  const digits = fractionDigits(m.currency);
  if (digits === 0) return String(m.amount);
  const scale = 10 ** digits;
  return `${Math.floor(m.amount / scale)}.${String(m.amount % scale).padStart(digits, '0')}`;
}

/**
 * What someone typed as a price, in minor units: "68", "68.00", "¥68.5", "1,299.00" in CNY are
 * 6800, 6800, 6850, 129900. Undefined when it is not an amount in that currency's precision
 * ("68.005" yuan, "12a", a negative).
 */
export function parseMajor(text, currency) {
  const digits = fractionDigits(currency);
  const cleaned = String(text).trim().replace(/^[¥￥$€£]|\s/g, '').replace(/,(?=\d{3}(\D|$))/g, '');
  const match = /^(\d{1,13})(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return undefined;
  const [, whole, fraction = ''] = match;
  if (fraction.length > digits && /[^0]/.test(fraction.slice(digits))) return undefined;
  const minor = Number(whole) * 10 ** digits + Number(fraction.slice(0, digits).padEnd(digits, '0') || '0');
  return Number.isSafeInteger(minor) ? minor : undefined;
}
