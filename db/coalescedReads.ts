/**
 * Reads of rows by id, coalesced: at most one read is in flight, and every id asked for while it
 * runs is read together in the next one. A sale's buyers each asking about their own order every
 * few tens of milliseconds then cost the store a read per round trip, not one per buyer. Every
 * answer comes from a read that began after it was asked for, so nothing is staler than a read of
 * its own would have been (a buyer who just acted sees the action).
 */
interface Waiter<Row> {
  resolve: (row: Row | undefined) => void;
  reject: (err: unknown) => void;
}

export class CoalescedReads<Row> {
  private queued = new Map<string, Waiter<Row>[]>();
  private reading = false;
  private lastStart = -Infinity;
  private timer?: NodeJS.Timeout;

  constructor(
    /** The rows of these ids that exist, in any order. */
    private readonly readMany: (ids: string[]) => Promise<Row[]>,
    private readonly idOf: (row: Row) => string,
    /** The most ids one read asks for. */
    private readonly most = 500,
    /**
     * Reads begin at least this far apart: an ask waits up to this long for the next read, which
     * takes every ask of the meantime along (a quick store would otherwise be sent a command per ask).
     */
    private readonly gapMs = 0,
  ) {}

  /** The row of `id`, or undefined when there is none. */
  get(id: string): Promise<Row | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.queued.get(id);
      if (waiters) waiters.push({ resolve, reject });
      else this.queued.set(id, [{ resolve, reject }]);
      this.readNext();
    });
  }

  private readNext(): void {
    if (this.reading || this.queued.size === 0 || this.timer) return;
    const wait = this.lastStart + this.gapMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.readNext();
      }, wait);
      return;
    }
    this.lastStart = Date.now();
    const batch = new Map<string, Waiter<Row>[]>();
    for (const [id, waiters] of this.queued) {
      if (batch.size >= this.most) break;
      batch.set(id, waiters);
    }
    for (const id of batch.keys()) this.queued.delete(id);
    this.reading = true;
    this.readMany([...batch.keys()])
      .then(
        (rows) => {
          const byId = new Map(rows.map((row) => [this.idOf(row), row]));
          for (const [id, waiters] of batch) for (const w of waiters) w.resolve(byId.get(id));
        },
        (err: unknown) => {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
        },
      )
      .finally(() => {
        this.reading = false;
        this.readNext();
      });
  }
}
