import { isDuplicateKeyError, type Store } from '../db/store';
import type { Money } from '../domain/money';
import type { Checkout, PaymentMethod } from '../domain/payment';
import { railOf, type Rails } from './rails';

export interface CheckoutFor {
  orderId: string;
  method: PaymentMethod;
  amount: Money;
  dueAt: string;
  sku: string;
  quantity: number;
}

/**
 * The order's checkout at its rail, made once: the API tries at creation, the workflow until it
 * exists, and whichever is first is what the buyer pays with (a provider asked twice for one order
 * answers the same order: out_trade_no and Stripe's idempotency key are the order id).
 */
export async function openCheckout(store: Store, rails: Rails, order: CheckoutFor): Promise<{ checkout: Checkout; providerRef?: string }> {
  if (order.method === 'generic') return { checkout: null };
  const kept = await store.checkouts.findById(order.orderId).lean();
  if (kept) return { checkout: kept.checkout as Checkout, ...(kept.providerRef ? { providerRef: kept.providerRef } : {}) };
  const opened = await railOf(rails, order.method).checkout({
    orderId: order.orderId,
    amount: order.amount,
    dueAt: order.dueAt,
    subject: `${order.quantity} × ${order.sku}`,
  });
  try {
    await store.checkouts.create({
      _id: order.orderId,
      method: order.method,
      checkout: opened.checkout as Record<string, string>,
      ...(opened.providerRef ? { providerRef: opened.providerRef } : {}),
      createdAt: new Date(),
    });
    return opened;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return openCheckout(store, rails, order);
  }
}

/** What we ask the provider by for an order (Stripe's PaymentIntent id), if a checkout was made. */
export async function providerRefOf(store: Store, orderId: string): Promise<string | undefined> {
  return (await store.checkouts.findById(orderId).lean())?.providerRef;
}
