import type { OrderView } from '../domain/order';
import { CoalescedReads } from './coalescedReads';
import type { OrderVersionDoc } from './schemas';
import type { Store } from './store';

/** An order's read-model row as the order view needs it. */
export interface ViewRow {
  _id: string;
  seq: number;
  view: OrderView;
  lateNotes?: boolean;
}

/** Versions are read at most this often per API process: during a sale, one command for every buyer asking meanwhile. */
const VERSION_READ_GAP_MS = 10;

/** Views kept per API process: far more than the orders a sale's buyers poll at once. */
const KEPT_VIEWS = 5_000;

/**
 * Order views as buyers' pages poll them: fresh, and cheap for the store. Each ask reads the step
 * the order stands at (its order_versions row, a few bytes), with every other ask of the moment
 * (CoalescedReads); the view row itself, about four times the store's work, is read only when that
 * step is newer than the view kept here from the last read. Both reads begin after the ask, and the
 * order writes its version and its row before it shows the step to anyone, so an answer is never
 * older than what its asker was told (a view kept at a step is served only while the version says
 * no newer one was written). An order with no version row (written before them, or
 * with notes added after it closed, db/orderNotes.ts) is read whole each time.
 */
export class OrderViewReads {
  private readonly versions: CoalescedReads<OrderVersionDoc>;
  private readonly rows: CoalescedReads<ViewRow>;
  /** The last view read of each order, by its step; oldest first (a Map keeps insertion order). */
  private readonly kept = new Map<string, { seq: number; view: OrderView }>();

  constructor(store: Store) {
    this.versions = new CoalescedReads((ids) => store.orderVersions.find({ _id: { $in: ids } }).lean<OrderVersionDoc[]>(), (row) => row._id, 500, VERSION_READ_GAP_MS);
    this.rows = new CoalescedReads((ids) => store.orderViews.find({ _id: { $in: ids } }, { seq: 1, view: 1, lateNotes: 1 }).lean<ViewRow[]>(), (row) => row._id);
  }

  /** The order's row, or undefined when there is no such order. */
  async get(orderId: string): Promise<ViewRow | undefined> {
    const version = await this.versions.get(orderId);
    const kept = version ? this.kept.get(orderId) : undefined;
    if (version && kept && kept.seq >= version.seq) return { _id: orderId, seq: kept.seq, view: kept.view };
    const row = await this.rows.get(orderId);
    this.kept.delete(orderId);
    if (row && version && !row.lateNotes) this.keep(orderId, row);
    return row;
  }

  private keep(orderId: string, row: ViewRow): void {
    if (this.kept.size >= KEPT_VIEWS) this.kept.delete(this.kept.keys().next().value as string);
    this.kept.set(orderId, { seq: row.seq, view: row.view });
  }
}
