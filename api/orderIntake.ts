import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { newOrderInput } from '../domain/order';
import { isDuplicateKeyError } from '../db/store';
import { hashToken, newId, newSecretToken } from '../db/vault';
import type { ApiDeps } from './deps';
import { conflict, notFound } from './errors';
import type { CreateOrder } from './schemas';

export interface OrderCreated {
  orderId: string;
  orderToken: string;
  status: string;
  amount: { amount: number; currency: string };
  paymentDueAt: string;
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
): Promise<OrderCreated> {
  const { store, vault, orders, config } = deps;
  const product = await store.products.findById(request.sku).lean();
  if (!product) throw notFound(`product ${request.sku} does not exist`);

  let orderId = newId();
  let token = newSecretToken();
  let created = true;
  if (idempotencyKey !== undefined) {
    const requestHash = createHash('sha256').update(JSON.stringify([request.sku, request.quantity, request.buyer.email])).digest('hex');
    const _id = `${storefront}:${idempotencyKey}`;
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

  let access = await store.orderAccess.findById(orderId).lean();
  if (!access) {
    try {
      await store.orderAccess.create({
        _id: orderId,
        tokenHash: hashToken(token),
        email: vault.seal(request.buyer.email),
        storefront,
        createdAt: new Date(),
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    access = await store.orderAccess.findById(orderId).lean();
  }
  const input = newOrderInput({
    orderId,
    product: { ...product, sku: product._id },
    quantity: request.quantity,
    buyerEmail: request.buyer.email,
    createdAt: access!.createdAt.toISOString(),
    terms: config,
  });
  await orders.start(input);
  const view = created ? undefined : await orders.view(orderId);
  return {
    orderId,
    orderToken: token,
    status: view?.status ?? 'AWAITING_PAYMENT',
    amount: view?.amount ?? input.amount,
    paymentDueAt: view?.paymentDueAt ?? input.paymentDueAt,
    created,
  };
}
