import type { OrderView } from '../domain/order';
import { CoalescedReads } from './coalescedReads';
import type { Store } from './store';

/** An order's read-model row as the order view needs it. */
export interface ViewRow {
  _id: string;
  seq: number;
  view: OrderView;
  lateNotes?: boolean;
}

/** What a poll asks first: the step the order's row stands at, and whether notes were added after it closed. */
type RowStep = Pick<ViewRow, '_id' | 'seq' | 'lateNotes'>;

/** Steps are read at most this often per API process: during a sale, one command for every buyer asking meanwhile. */
const STEP_READ_GAP_MS = 10;

/** Views kept per API process: far more than the orders a sale's buyers poll at once. */
const KEPT_VIEWS = 5_000;

/**
 * Order views as buyers' pages poll them. Each ask reads the step the order's row stands at (its
 * `seq`, a few bytes back), with every other ask of the moment (CoalescedReads); the view itself is
 * read only when that step is not the one of the view kept here from the last read. The order's
 * workflow writes each step's view and `seq` together, so a kept view at the step the row stands at
 * is the row's view; and the step is read after the ask, so an answer is never older than a read of
 * its own would have been. An order with notes added after it closed (db/orderNotes.ts) is read
 * whole each time, notes too.
 */
export class OrderViewReads {
  private readonly steps: CoalescedReads<RowStep>;
  private readonly rows: CoalescedReads<ViewRow>;
  /** The last view read of each order, by its step; oldest first (a Map keeps insertion order). */
  private readonly kept = new Map<string, { seq: number; view: OrderView }>();

  constructor(store: Store) {
    this.steps = new CoalescedReads((ids) => store.orderViews.find({ _id: { $in: ids } }, { seq: 1, lateNotes: 1 }).lean<RowStep[]>(), (row) => row._id, 500, STEP_READ_GAP_MS);
    this.rows = new CoalescedReads((ids) => store.orderViews.find({ _id: { $in: ids } }, { seq: 1, view: 1, lateNotes: 1 }).lean<ViewRow[]>(), (row) => row._id);
  }

  /** The order's row, or undefined when there is no such order. */
  async get(orderId: string): Promise<ViewRow | undefined> {
    const step = await this.steps.get(orderId);
    if (!step) return undefined;
    const kept = this.kept.get(orderId);
    if (kept && kept.seq === step.seq && !step.lateNotes) return { _id: orderId, seq: kept.seq, view: kept.view };
    const row = await this.rows.get(orderId);
    this.kept.delete(orderId);
    if (row && !row.lateNotes) this.keep(orderId, row);
    return row;
  }

  private keep(orderId: string, row: ViewRow): void {
    if (this.kept.size >= KEPT_VIEWS) this.kept.delete(this.kept.keys().next().value as string);
    this.kept.set(orderId, { seq: row.seq, view: row.view });
  }
}
