import { ApplicationFailure } from '@temporalio/activity';
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
      return valid ? { valid } : { valid, reason: 'the supplier reports the key invalid' };
    },
  };
}
