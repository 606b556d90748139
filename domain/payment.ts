/**
 * The rails a shop takes money through. `generic` is our own signed JSON notice (a shop's own
 * translator, or the sandbox); the others speak each provider's own protocol.
 */
export const PAYMENT_METHODS = ['generic', 'alipay', 'wechatpay', 'stripe', 'epay'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** The failure type of a refund the provider refused for good: the order waits on a person. */
export const PROVIDER_REFUSED = 'ProviderRefused';

/** What the storefront shows the buyer to pay, per rail; null while the provider has not answered. */
export type Checkout =
  | { url: string } // alipay (signed page-pay request), epay (signed submit.php)
  | { codeUrl: string } // wechatpay Native: the QR code's content
  | { paymentIntentId: string; clientSecret: string } // stripe
  | null;

export interface OrderPayment {
  method: PaymentMethod;
  checkout: Checkout;
}

/** An order that predates rails was created on the generic rail. */
export function methodOf(order: { payment?: { method: PaymentMethod } }): PaymentMethod {
  return order.payment?.method ?? 'generic';
}
