/** Money is integer minor units with an ISO 4217 currency: 19.99 CNY is {amount: 1999, currency: "CNY"}. */
export interface Money {
  amount: number;
  currency: string;
}

export function multiply(price: Money, quantity: number): Money {
  return { amount: price.amount * quantity, currency: price.currency };
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.amount === b.amount && a.currency === b.currency;
}

/** Minor units per major unit differ by currency: 2 for CNY, 0 for JPY, 3 for KWD. */
function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(m: Money): string {
  const digits = fractionDigits(m.currency);
  return `${(m.amount / 10 ** digits).toFixed(digits)} ${m.currency}`;
}

/**
 * A provider's decimal amount in major units ("99.00" yuan) as minor units, exactly: digits only,
 * never through a float. Undefined when the text is not such an amount in that currency's precision.
 */
export function fromMajorUnits(text: string, currency: string): Money | undefined {
  const digits = fractionDigits(currency);
  const match = /^(\d{1,13})(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, whole, fraction = ''] = match;
  if (fraction.length > digits && /[^0]/.test(fraction.slice(digits))) return undefined;
  const minor = Number(whole) * 10 ** digits + Number(fraction.slice(0, digits).padEnd(digits, '0') || '0');
  return Number.isSafeInteger(minor) ? { amount: minor, currency } : undefined;
}

/** Minor units as the decimal text providers take ("99.00" for 9900 CNY); exact, never a float. */
export function toMajorUnits(money: Money): string {
  const digits = fractionDigits(money.currency);
  if (digits === 0) return String(money.amount);
  const scale = 10 ** digits;
  return `${Math.floor(money.amount / scale)}.${String(money.amount % scale).padStart(digits, '0')}`;
}
