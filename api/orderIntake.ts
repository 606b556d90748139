import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { listingOf, newOrderInput } from '../domain/order';
import type { Checkout, OrderPayment, PaymentMethod } from '../domain/payment';
import { openCheckout, type CheckoutFor } from '../payments/checkouts';
import type { Rails } from '../payments/rails';
import type { OrderAccessDoc } from '../db/schemas';
import { isDuplicateKeyError } from '../db/store';
import { hashToken, newId, newSecretToken } from '../db/vault';
import type { ApiDeps } from './deps';
import { badRequest, conflict, couponNotApplicable, merchantSuspended, notFound, productUnavailable } from './errors';
import { holdCoupon } from '../db/coupons';
import { normalCode, refusalMessage } from '../domain/coupons';
import { multiply, type Money } from '../domain/money';
import { onSale } from '../db/catalog';
import { merchantField } from '../db/merchants';
import { DEFAULT_MERCHANT, stockId } from '../domain/merchant';
import type { CreateOrder } from './schemas';
import { within } from './within';

export interface OrderCreated {
  orderId: string;
  orderToken: string;
  status: string;
  amount: { amount: number; currency: string };
  paymentDueAt: string;
  payment: OrderPayment;
  /** With a coupon only. */
  listPrice?: Money;
  discount?: Money;
  coupon?: string;
  /** False when an Idempotency-Key replayed an earlier order. */
  created: boolean;
}

/**
 * Take a storefront's order: price it from the catalog, give the buyer a token, start the workflow.
 * The same Idempotency-Key with the same body gives back the same order and token; a crash between
 * steps is mended by the retry, since every step is keyed by the order id.
 */
export async function takeOrder(
  deps: ApiDeps,
  storefront: string,
  request: z.infer<typeof CreateOrder>,
  idempotencyKey: string | undefined,
  merchantId: string = DEFAULT_MERCHANT,
): Promise<OrderCreated> {
  const { store, vault, orders, config } = deps;
  const [product, suspended] = await Promise.all([
    store.products.findById(stockId(merchantId, request.sku)).lean(),
    store.merchants.exists({ _id: merchantId, status: 'SUSPENDED' }),
  ]);
  if (!product) throw notFound(`product ${request.sku} does not exist`);
  // Storefront names are a merchant's own: two merchants' storefronts may share one.
  const idempotencyId = idempotencyKey === undefined ? undefined : `${merchantId === DEFAULT_MERCHANT ? '' : `${merchantId}/`}${storefront}:${idempotencyKey}`;
  // A retry of an order taken before the suspension still answers that order, like one off sale.
  const retried = async () => idempotencyId !== undefined && (await store.idempotency.exists({ _id: idempotencyId })) !== null;
  if (suspended && !(await retried())) throw merchantSuspended(merchantId);
  // A retry of an order taken before the product went off sale still answers that order.
  if (!onSale(product) && !(await retried())) {
    throw productUnavailable(request.sku);
  }
  const method = request.payment?.method ?? config.rails.defaultMethod;
  // The merchant's own accounts take its money: a rail it has no account for is not there for it.
  const rails = await deps.merchantRails.of(merchantId);
  refuseRailThatCannotTake(rails, method, product.price.currency);

  let orderId = newId();
  let token = newSecretToken();
  let created = true;
  if (idempotencyId !== undefined) {
    const requestHash = createHash('sha256')
      .update(JSON.stringify([request.sku, request.quantity, request.buyer.email, ...(method === 'generic' ? [] : [method]), ...(request.buyer.locale ? [{ locale: request.buyer.locale }] : []), ...(request.coupon ? [{ coupon: normalCode(request.coupon) }] : [])]))
      .digest('hex');
    const _id = idempotencyId;
    try {
      await store.idempotency.create({ _id, requestHash, orderId, token: vault.seal(token), createdAt: new Date() });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const earlier = await store.idempotency.findById(_id).lean();
      if (!earlier) throw err;
      if (earlier.requestHash !== requestHash) {
        throw conflict(`Idempotency-Key "${idempotencyKey}" was used for a different order request`, { orderId: earlier.orderId });
      }
      orderId = earlier.orderId;
      token = vault.open(earlier.token);
      created = false;
    }
  }

  const coupon = request.coupon ? await heldCoupon(deps, merchantId, request, orderId, multiply(product.price, request.quantity)) : undefined;

  // A retried request (same Idempotency-Key) finds the access its first try wrote, and that time.
  let access: Pick<OrderAccessDoc, 'createdAt' | 'storefront' | 'emailHash' | 'merchantId'> = {
    createdAt: new Date(),
    storefront,
    emailHash: vault.lookupHash(request.buyer.email),
    ...merchantField(merchantId),
  };
  try {
    await store.orderAccess.create({
      _id: orderId,
      tokenHash: hashToken(token),
      email: vault.seal(request.buyer.email),
      ...(request.buyer.locale ? { locale: request.buyer.locale } : {}),
      ...access,
    });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    access = (await store.orderAccess.findById(orderId).lean()) ?? access;
  }
  const input = newOrderInput({
    orderId,
    product: { ...product, sku: request.sku },
    quantity: request.quantity,
    buyerEmail: request.buyer.email,
    createdAt: access.createdAt.toISOString(),
    terms: config,
    method,
    listing: listingOf(access),
    supplierCheck: Boolean(product.validationUrl),
    buyerLocale: request.buyer.locale,
    ...(coupon ? { coupon } : {}),
  });
  await orders.start(input);
  await orders.showNew(input);
  const view = created ? undefined : await orders.view(orderId);
  const checkout = await firstCheckout(deps, rails, {
    orderId,
    method: input.payment?.method ?? 'generic',
    amount: input.amount,
    dueAt: input.paymentDueAt,
    sku: input.sku,
    quantity: input.quantity,
  });
  return {
    orderId,
    orderToken: token,
    status: view?.status ?? 'AWAITING_PAYMENT',
    amount: view?.amount ?? input.amount,
    paymentDueAt: view?.paymentDueAt ?? input.paymentDueAt,
    payment: { method: input.payment?.method ?? 'generic', checkout: checkout ?? view?.payment?.checkout ?? null },
    ...(input.coupon ? { listPrice: input.coupon.listPrice, discount: input.coupon.discount, coupon: input.coupon.code } : {}),
    created,
  };
}

/**
 * The order's coupon held for it, with the price it gives, or a 409 naming why it does not apply
 * (another merchant's code is one this merchant does not know: `unknown`).
 * A retry of the same order (its Idempotency-Key) finds the hold its first try took. A hold whose
 * order never starts (the API dies between the two, and the storefront never retries) stays held.
 */
async function heldCoupon(deps: ApiDeps, merchantId: string, request: z.infer<typeof CreateOrder>, orderId: string, listPrice: Money) {
  const code = request.coupon as string;
  const outcome = await holdCoupon(deps.store, deps.vault, { merchantId, code, orderId, buyerEmail: request.buyer.email, listPrice, at: new Date().toISOString() });
  if ('refused' in outcome) throw couponNotApplicable(refusalMessage(normalCode(code), outcome.refused, outcome.coupon), outcome.refused);
  return outcome.held;
}

/** How long a storefront waits for the provider at creation; the workflow keeps trying after. */
const CHECKOUT_WAIT_MS = 5_000;

/**
 * The buyer's checkout, if the provider answers soon. A provider down now does not stop the order:
 * the workflow retries, and the order view shows the checkout once it exists.
 */
async function firstCheckout(deps: Pick<ApiDeps, 'store' | 'logger' | 'config'>, rails: Rails, order: CheckoutFor): Promise<Checkout> {
  if (order.method === 'generic') return null;
  const attempt = openCheckout(deps.store, rails, order).then((opened) => opened.checkout);
  const wait = Math.min(CHECKOUT_WAIT_MS, deps.config.outboundHttpTimeoutMs + 500);
  try {
    return await within(attempt, wait, null);
  } catch (err) {
    deps.logger.warn({ orderId: order.orderId, rail: order.method, why: (err as Error).message }, 'checkout not made yet; the order retries it');
    return null;
  } finally {
    attempt.catch(() => undefined);
  }
}

/** An order may name only a rail that is on, and one that takes the product's currency. */
function refuseRailThatCannotTake(rails: Rails, method: PaymentMethod, currency: string): void {
  if (method === 'generic') return;
  const rail = rails[method];
  if (!rail) throw badRequest(`the ${method} rail is not configured on this shop`, [{ path: 'payment.method', reason: `${method} is not configured for this merchant` }]);
  if (rail.currencies && !rail.currencies.includes(currency)) {
    throw badRequest(`the ${method} rail takes ${rail.currencies.join(', ')} only`, [{ path: 'payment.method', reason: `${method} cannot take ${currency}` }]);
  }
}
