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
