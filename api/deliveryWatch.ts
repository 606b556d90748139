import type { OrderStatus, OrderView } from '../domain/order';
import type { Store } from '../db/store';

/** Statuses of an order whose keys may still come without anyone acting: a buyer's wait goes on. */
const ON_ITS_WAY: OrderStatus[] = ['AWAITING_PAYMENT', 'PAID', 'DELIVERING'];

/**
 * How often the waiting buyers' orders are looked at, all in one read: a buyer learns of the keys
 * half this late on average; the read costs the store far less than the buyers' own polls did.
 */
const LOOK_EVERY_MS = 25;
/** The most order ids one read asks for (the embedded store searches its index for up to 500). */
const BATCH = 500;

/**
 * Buyers waiting for their keys (`GET /v1/orders/:id/keys?wait=N`). Instead of a request per buyer
 * per poll, one read of the read model every LOOK_EVERY_MS covers every order being waited on, so
 * what a sale's waiting buyers cost the store does not grow with their number. Nothing runs while
 * nobody waits.
 */
export class DeliveryWatch {
  private readonly waiting = new Map<string, Set<(view?: OrderView) => void>>();
  private timer: NodeJS.Timeout | undefined;
  private looking = false;

  constructor(private readonly store: Store) {}

  static onItsWay(status: OrderStatus): boolean {
    return ON_ITS_WAY.includes(status);
  }

  /**
   * Resolves once the order's read model shows it past the way to its keys (delivered, or anything
   * needing someone: out of stock, refunding, cancelled), with the view it shows; or with nothing
   * after `ms`, or when `gone` fires (the buyer left).
   */
  until(orderId: string, ms: number, gone?: (stop: () => void) => void): Promise<OrderView | undefined> {
    return new Promise((resolve) => {
      const waiters = this.waiting.get(orderId) ?? new Set<(view?: OrderView) => void>();
      this.waiting.set(orderId, waiters);
      const wake = (view?: OrderView) => {
        clearTimeout(timeout);
        waiters.delete(wake);
        if (waiters.size === 0 && this.waiting.get(orderId) === waiters) this.waiting.delete(orderId);
        resolve(view);
      };
      const timeout = setTimeout(() => wake(), ms);
      waiters.add(wake);
      gone?.(() => wake());
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.looking || this.waiting.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.look();
    }, LOOK_EVERY_MS);
  }

  private async look(): Promise<void> {
    this.looking = true;
    try {
      const ids = [...this.waiting.keys()];
      for (let i = 0; i < ids.length; i += BATCH) {
        // With their views: the woken buyers' answers need no read of their own.
        const moved = await this.store.orderViews.find({ _id: { $in: ids.slice(i, i + BATCH) }, status: { $nin: ON_ITS_WAY } }, { _id: 1, view: 1 }).lean();
        for (const { _id, view } of moved) for (const wake of [...(this.waiting.get(_id) ?? [])]) wake(view);
      }
    } catch {
      // The store is unreachable for a moment: the waiters time out and answer as they can.
    } finally {
      this.looking = false;
      this.schedule();
    }
  }
}
