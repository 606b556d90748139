import type { DeliveredKey } from '../../domain/order';
import { store, supplier } from '../activities';
import type { OrderRecord } from './record';

export type Fulfilment =
  | { outcome: 'ready'; keys: DeliveredKey[] }
  | { outcome: 'out_of_stock' }
  | { outcome: 'keys_exhausted'; slot: number };

/**
 * Reserve a checked key for every slot of the order, or report why not. A key that fails its check
 * is marked invalid and never leaves; its slot takes another, up to the attempt limit. Attempts
 * survive a stock-out, so a slot's count is for the whole order.
 */
export class KeyPicker {
  private readonly attempts: number[];

  constructor(private readonly order: OrderRecord) {
    this.attempts = new Array<number>(order.input.quantity).fill(0);
  }

  async pick(): Promise<Fulfilment> {
    const { order } = this;
    const { orderId, sku, policy } = order.input;
    const ready: DeliveredKey[] = [];
    for (let slot = 0; slot < order.input.quantity; slot++) {
      for (;;) {
        if (this.attempts[slot] >= policy.maxKeyAttempts) return { outcome: 'keys_exhausted', slot };
        const key = await store.reserveKey({ orderId, sku, slot, attempt: this.attempts[slot] + 1 });
        if (!key) return { outcome: 'out_of_stock' };
        if (order.status !== 'DELIVERING') await order.moveTo('DELIVERING');
        const verdict = await supplier.checkKey({ orderId, keyId: key.keyId });
        if (verdict.valid) {
          ready.push(key);
          break;
        }
        this.attempts[slot] += 1;
        await store.markKeyInvalid({ orderId, keyId: key.keyId });
        order.note('key_invalid', `key ${key.keyId} (${key.masked}) refused: ${verdict.reason ?? 'invalid'}`);
      }
    }
    return { outcome: 'ready', keys: ready };
  }
}
