import { ApplicationFailure } from '@temporalio/activity';
import type { KeyDoc } from '../db/schemas';
import type { ActivityDeps } from './deps';
import { callJson, isSuccess, safeUrl } from './http';

export interface KeyVerdict {
  valid: boolean;
  /** Why a key was refused, in words safe for the timeline (never the code). */
  reason?: string;
}

export function validationActivities({ store, vault, config }: ActivityDeps) {
  return {
    /**
     * Decide whether a reserved key may leave: it fits the product's pattern, no other order ever
     * received it, and the supplier (when the product names one) says it is valid. A supplier that
     * errors or times out is not a verdict: the activity fails and is retried with backoff.
     */
    async checkKey({ orderId, keyId }: { orderId: string; keyId: string }): Promise<KeyVerdict> {
      const [key, claim] = await Promise.all([store.keys.findById(keyId).lean(), store.claims.findById(keyId).lean()]);
      if (!key) throw ApplicationFailure.nonRetryable(`key ${keyId} does not exist`, 'UnknownKey');
      if (!claim || claim.orderId !== orderId) {
        throw ApplicationFailure.nonRetryable(`key ${keyId} is not held by order ${orderId}`, 'KeyNotHeld');
      }
      if (claim.state === 'revoked') return { valid: false, reason: 'already delivered to another order' };
      const { bySupplier: _, ...verdict } = await verdictOn(key);
      return verdict;
    },

    /**
     * A buyer reports the order's keys invalid (a key_invalid complaint): each key the order holds
     * is checked again as it was before it left (our own checks, and the supplier's when the product
     * has one). Invalid when any one is; a supplier that errors is retried, until the complaint's
     * AUTO_RECHECK_WAIT runs out.
     */
    async recheckDeliveredKeys({ orderId }: { orderId: string }): Promise<KeyVerdict & { checked: number; supplier: boolean }> {
      const held = await store.claims.find({ orderId, state: 'delivered' }, { _id: 1 }).lean();
      if (held.length === 0) throw ApplicationFailure.nonRetryable(`order ${orderId} holds no delivered key to re-check`, 'NothingToRecheck');
      const keys = await store.keys.find({ _id: { $in: held.map((c) => c._id) } }).lean();
      let supplier = false;
      for (const key of keys) {
        const verdict = await verdictOn(key);
        supplier ||= verdict.bySupplier === true;
        if (!verdict.valid) return { valid: false, ...(verdict.reason ? { reason: verdict.reason } : {}), checked: keys.length, supplier };
      }
      return { valid: true, checked: keys.length, supplier };
    },
  };

  /** Whether a key may be (or may have been) handed out: its pattern, no twin in inventory, and the supplier's word when there is a supplier. */
  async function verdictOn(key: KeyDoc): Promise<KeyVerdict & { bySupplier?: boolean }> {
    const keyId = key._id;
    // Defence in depth: the same code under another key id would have been refused at import,
    // but a code another order already received must never leave again, however it got here.
    const [product, twin] = await Promise.all([
      store.products.findById(key.sku).lean(),
      store.keys.exists({ fingerprint: key.fingerprint, _id: { $ne: keyId } }),
    ]);
    if (!product) throw ApplicationFailure.nonRetryable(`product ${key.sku} does not exist`, 'UnknownProduct');

    const code = vault.open(key.code);
    if (product.keyPattern && !new RegExp(product.keyPattern).test(code)) {
      return { valid: false, reason: 'does not match the product key pattern' };
    }
    if (twin) return { valid: false, reason: 'the same code exists twice in inventory' };

    if (!product.validationUrl) return { valid: true };
    const answer = await callJson('POST', product.validationUrl, config.outboundHttpTimeoutMs, { sku: key.sku, code });
    if (!isSuccess(answer.status)) {
      throw ApplicationFailure.retryable(
        `supplier check at ${safeUrl(product.validationUrl)} answered ${answer.status}`,
        'SupplierUnavailable',
      );
    }
    const valid = (answer.body as { valid?: unknown } | undefined)?.valid;
    if (typeof valid !== 'boolean') {
      throw ApplicationFailure.retryable(
        `supplier check at ${safeUrl(product.validationUrl)} gave no boolean "valid"`,
        'SupplierUnavailable',
      );
    }
    return valid ? { valid, bySupplier: true } : { valid, reason: 'the supplier reports the key invalid', bySupplier: true };
  }
}
