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

export function formatMoney(m: Money): string {
  return `${(m.amount / 100).toFixed(2)} ${m.currency}`;
}
