import type { DeliveredKey } from '../../../domain/order';
import { ApplicationFailure, CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import type { KeyVerdict } from '../../../activities/validation';
import { localChecks, supplier } from '../activities';
import type { Versions } from '../versions';
import type { OrderRecord } from './record';

export type Fulfilment =
  | { outcome: 'ready'; keys: DeliveredKey[] }
  | { outcome: 'out_of_stock' }
  | { outcome: 'keys_exhausted'; slot: number }
  /** Given up while a supplier was being asked, because the order no longer wants the keys (a refund was granted). */
  | { outcome: 'stopped' };

/** A store step run as a local activity that gave up for good (its error is final): named like an activity's failure. */
export class LocalStepFailed extends Error {
  constructor(
    readonly step: string,
    readonly failure: ApplicationFailure,
  ) {
    super(`${step} gave up: ${failure.message}`);
    this.name = 'LocalStepFailed';
  }
}

export interface PickerState {
  attempts: number[];
  allowanceFrom: number[];
}

/**
 * Reserve a checked key for every slot of the order, or report why not. A key that fails its check
 * is marked invalid and never leaves; its slot takes another, up to the attempt limit. Attempts
 * survive a stock-out, so a slot's count is for the whole order; a replacement (after a complaint)
 * gets a fresh allowance but keeps counting, so every claim of the order has its own number.
 */
export class KeyPicker {
  private readonly attempts: number[];
  private stopWhen: (() => boolean) | undefined;
  private readonly allowanceFrom: number[];

  constructor(
    private readonly order: OrderRecord,
    private readonly versions: Versions,
    resumed?: PickerState,
  ) {
    this.attempts = resumed ? [...resumed.attempts] : new Array<number>(order.input.quantity).fill(0);
    this.allowanceFrom = resumed ? [...resumed.allowanceFrom] : new Array<number>(order.input.quantity).fill(0);
  }

  /** Each slot's attempts so far, for a new run of the order's workflow. */
  state(): PickerState {
    return { attempts: [...this.attempts], allowanceFrom: [...this.allowanceFrom] };
  }

  /**
   * Keys for the first delivery: the order shows DELIVERING while they are checked. When `stopWhen`
   * becomes true while a supplier is being asked (it may be down for hours), the check is cancelled
   * and the keys held are left for the caller to release: nobody has seen them.
   */
  pick(stopWhen?: () => boolean): Promise<Fulfilment> {
    this.stopWhen = stopWhen;
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
    const { orderId, sku } = order.input;
    // First a key for every slot, all or none, then the checks: an order that cannot have them all
    // holds nothing another order could use, and a stock-out moves nothing and asks no supplier.
    const slots = this.attempts.map((attempt, slot) => ({ slot, attempt: attempt + 1 }));
    const spent = slots.find(({ slot }) => this.exhausted(slot));
    if (spent) return { outcome: 'keys_exhausted', slot: spent.slot };
    if (this.checksInOneStep()) return this.reserveChecked(firstDelivery);
    const held = await order.store.reserveKeys({ orderId, sku, slots });
    if (!held) return { outcome: 'out_of_stock' };
    for (let slot = 0; slot < held.length; slot++) {
      for (;;) {
        // Checked locally, the keys are ready a moment later: DELIVERING is told with the next step's
        // write, not in a write of its own (nobody could act on it meanwhile).
        if (firstDelivery && order.status !== 'DELIVERING') await order.moveTo('DELIVERING', undefined, undefined, this.checksLocally());
        const key = held[slot];
        const verdict = await this.check(key.keyId);
        if (verdict === 'stopped') return { outcome: 'stopped' };
        if (verdict.valid) break;
        this.attempts[slot] += 1;
        await order.store.markKeyInvalid({ orderId, keyId: key.keyId });
        order.note('key_invalid', `key ${key.keyId} (${key.masked}) refused: ${verdict.reason ?? 'invalid'}`);
        const next = await this.reserve(slot);
        if (next.outcome !== 'ready') return next;
        held[slot] = next.key;
      }
    }
    return { outcome: 'ready', keys: held };
  }

  /**
   * Keys reserved and checked by one local step (our own checks only): what the order then notes is
   * what the step did, in the order it did it (versioned: orders begun before take a step for each).
   */
  private async reserveChecked(firstDelivery: boolean): Promise<Fulfilment> {
    const { order } = this;
    const { orderId, sku } = order.input;
    const slots = this.attempts.map((attempt, slot) => ({ slot, attempt: attempt + 1, lastAttempt: this.lastAttempt(slot) }));
    // Not cut short when the order stops wanting the keys (see pick): the step writes claims, and
    // holds no supplier's call that could keep it for long; the caller gives back what it took.
    const result = await localChecks.reserveCheckedKeys({ orderId, sku, slots }).catch((err: unknown) => {
      // Only the key's check gives up for good (UnknownKey, KeyNotHeld, UnknownProduct): named as such.
      throw err instanceof ApplicationFailure && err.nonRetryable ? new LocalStepFailed('checkKey', err) : err;
    });
    if (firstDelivery && result.held && order.status !== 'DELIVERING') await order.moveTo('DELIVERING', undefined, undefined, true);
    for (const key of result.refused) {
      this.attempts[key.slot] += 1;
      order.note('key_invalid', `key ${key.keyId} (${key.masked}) refused: ${key.reason}`);
    }
    if (result.outcome === 'ready') return { outcome: 'ready', keys: result.keys };
    return result.outcome === 'keys_exhausted' ? { outcome: 'keys_exhausted', slot: result.slot } : { outcome: 'out_of_stock' };
  }

  /** Reserved and checked in one step: local checks, on orders begun since it shipped. */
  private checksInOneStep(): boolean {
    return this.checksLocally() && this.versions.has(CHECKED_KEYS_IN_ONE_STEP);
  }

  /**
   * Who checks a key: the supplier's patient activity when the product names a supplier (or the order
   * predates knowing), else a local one beside the order's other store steps (versioned: orders
   * begun before check every key through the task queue).
   */
  private checksLocally(): boolean {
    const { input, shortPath } = this.order;
    return shortPath && input.supplierCheck === false && this.versions.has(LOCAL_KEY_CHECK);
  }

  private checker(): (args: { orderId: string; keyId: string }) => Promise<KeyVerdict> {
    if (!this.checksLocally()) return (args) => supplier.checkKey(args);
    return (args) =>
      localChecks.checkKey(args).catch((err: unknown) => {
        // A local activity's final failure comes as its own error, not wrapped as an activity's is.
        throw err instanceof ApplicationFailure && err.nonRetryable ? new LocalStepFailed('checkKey', err) : err;
      });
  }

  /** The supplier's verdict on a key, unless the order stops wanting it first. */
  private async check(keyId: string): Promise<KeyVerdict | 'stopped'> {
    const { orderId } = this.order.input;
    const stopWhen = this.stopWhen;
    const checkKey = this.checker();
    if (!stopWhen) return checkKey({ orderId, keyId });
    if (stopWhen()) return 'stopped';
    const scope = new CancellationScope();
    let settled = false;
    const checking = scope.run(() => checkKey({ orderId, keyId })).finally(() => (settled = true));
    const stop = condition(() => settled || stopWhen()).then(() => 'stopped' as const);
    const first = await Promise.race([checking, stop]);
    if (first !== 'stopped' || settled) return checking;
    // checkKey only reads; the attempt still running may finish or not, its verdict is not wanted.
    scope.cancel();
    await checking.catch((err: unknown) => {
      if (!isCancellation(err)) throw err;
    });
    return 'stopped';
  }

  /** The slot's next key, unless its attempts are used up or the stock is out. */
  private async reserve(slot: number): Promise<{ outcome: 'ready'; key: DeliveredKey } | Exclude<Fulfilment, { outcome: 'ready' }>> {
    const { orderId, sku } = this.order.input;
    if (this.exhausted(slot)) return { outcome: 'keys_exhausted', slot };
    const key = await this.order.store.reserveKey({ orderId, sku, slot, attempt: this.attempts[slot] + 1 });
    return key ? { outcome: 'ready', key } : { outcome: 'out_of_stock' };
  }

  private exhausted(slot: number): boolean {
    return this.attempts[slot] >= this.lastAttempt(slot);
  }

  /** The last attempt number the slot's allowance reaches. */
  private lastAttempt(slot: number): number {
    return this.allowanceFrom[slot] + this.order.input.policy.maxKeyAttempts;
  }
}

/** Patch id: keys of a product without a supplier are checked by a local activity (see KeyPicker.checker). */
export const LOCAL_KEY_CHECK = 'local-key-check';
/**
 * Patch id: fewer and lighter steps from payment to keys. Such keys are reserved and checked in one
 * local step (see KeyPicker.reserveChecked); any order's keys are marked delivered by the write that
 * shows them (OrderRecord.handOver); passing statuses leave the search attributes alone
 * (OrderRecord.moveTo); the refund and complaint windows take one timer at a time (watchWindows).
 */
export const CHECKED_KEYS_IN_ONE_STEP = 'checked-keys-in-one-step';
