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
 * survive a stock-out, so a slot's count is for the whole order; a replacement (after a complaint)
 * gets a fresh allowance but keeps counting, so every claim of the order has its own number.
 */
export class KeyPicker {
  private readonly attempts: number[];
  private readonly allowanceFrom: number[];

  constructor(private readonly order: OrderRecord) {
    this.attempts = new Array<number>(order.input.quantity).fill(0);
    this.allowanceFrom = new Array<number>(order.input.quantity).fill(0);
  }

  /** Keys for the first delivery: the order shows DELIVERING while they are checked. */
  pick(): Promise<Fulfilment> {
    return this.pickAll(true);
  }

  /** New keys for keys the buyer reported bad: the order's status does not move meanwhile. */
  pickReplacements(): Promise<Fulfilment> {
    for (let slot = 0; slot < this.attempts.length; slot++) {
      this.attempts[slot] += 1; // the delivered key's own number stays used
      this.allowanceFrom[slot] = this.attempts[slot];
    }
    return this.pickAll(false);
  }

  private async pickAll(firstDelivery: boolean): Promise<Fulfilment> {
    const { order } = this;
    const { orderId, sku, policy } = order.input;
    const ready: DeliveredKey[] = [];
    for (let slot = 0; slot < order.input.quantity; slot++) {
      for (;;) {
        if (this.attempts[slot] - this.allowanceFrom[slot] >= policy.maxKeyAttempts) return { outcome: 'keys_exhausted', slot };
        const key = await store.reserveKey({ orderId, sku, slot, attempt: this.attempts[slot] + 1 });
        if (!key) return { outcome: 'out_of_stock' };
        if (firstDelivery && order.status !== 'DELIVERING') await order.moveTo('DELIVERING');
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
