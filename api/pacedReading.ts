import { within } from './within';

/** How a paced reading spends the store's time. */
export interface Pace {
  /** The most of the time reading may take: after a read of d ms the next starts no sooner than d ÷ share ms later. */
  share: number;
  /** How long an ask waits for a read in progress before it takes the last reading. */
  waitMs: number;
}

/** A tenth of the store's time at most; a scrape waits a second at most. */
export const METRICS_PACE: Pace = { share: 0.1, waitMs: 1_000 };

/**
 * A reading of the store that grows with the shop (counting every order row, say), taken for the
 * metrics without letting the scrapes set its cost. An ask starts a new read once the pace allows,
 * waits for it a moment, and otherwise answers with the last reading: on a small shop every scrape is
 * fresh, on a large one a read that takes 20 s is taken at most every 200 s, and no scrape waits for
 * it past Prometheus's timeout. The first ask waits for the first reading; a failed read fails the
 * asks that waited for it, and the next read is paced like any other.
 */
export class PacedReading<T> {
  private last: { value: T; at: number } | undefined;
  private reading: Promise<void> | undefined;
  private nextReadAt = 0;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly pace: Pace = METRICS_PACE,
    private readonly now: () => number = Date.now,
  ) {}

  /** The latest reading, and when it was taken. */
  async get(): Promise<{ value: T; at: number }> {
    if (!this.reading && this.now() >= this.nextReadAt) this.reading = this.readOnce();
    if (this.reading) {
      if (!this.last) await this.reading;
      else await within(this.reading, this.pace.waitMs, undefined);
    }
    if (!this.last) throw new Error('the store has not been read yet');
    return this.last;
  }

  private async readOnce(): Promise<void> {
    const started = this.now();
    try {
      this.last = { value: await this.read(), at: this.now() };
    } finally {
      this.nextReadAt = this.now() + (this.now() - started) / this.pace.share;
      this.reading = undefined;
    }
  }
}
