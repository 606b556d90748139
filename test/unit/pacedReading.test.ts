import { PacedReading } from '../../api/pacedReading';

/** A read the test finishes by hand, on a clock the test moves. */
function harness() {
  let clock = 0;
  const reads: { resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
  const reading = new PacedReading<number>(
    () => new Promise<number>((resolve, reject) => reads.push({ resolve, reject })),
    { share: 0.1, waitMs: 20 },
    () => clock,
  );
  return {
    reading,
    reads,
    advance: (ms: number) => (clock += ms),
    /** Let the reading's own continuations run. */
    settle: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

describe('a store reading paced for the metrics', () => {
  it('the first ask waits for the first reading, however long it takes', async () => {
    const { reading, reads, advance } = harness();
    const asked = reading.get();
    expect(reads).toHaveLength(1);
    advance(5_000);
    reads[0].resolve(7);
    await expect(asked).resolves.toEqual({ value: 7, at: 5_000 });
  });

  it('after a read of d ms, reads again only 10·d ms after it ended, and answers from the last reading meanwhile', async () => {
    const { reading, reads, advance, settle } = harness();
    const first = reading.get();
    advance(2_000); // the count took 2 s: the next may start 20 s after it ended
    reads[0].resolve(1);
    await first;
    advance(19_000);
    await expect(reading.get()).resolves.toEqual({ value: 1, at: 2_000 });
    expect(reads).toHaveLength(1);
    advance(1_000);
    const second = reading.get();
    expect(reads).toHaveLength(2);
    reads[1].resolve(2);
    await expect(second).resolves.toEqual({ value: 2, at: 22_000 });
    await settle();
  });

  it('an ask does not wait past its limit for a slow read: it takes the last reading', async () => {
    const { reading, reads, advance } = harness();
    const first = reading.get();
    reads[0].resolve(1);
    await first;
    advance(1);
    const slow = reading.get();
    expect(reads).toHaveLength(2);
    await expect(slow).resolves.toEqual({ value: 1, at: 0 }); // after waitMs (20 ms of real time)
    // Asks while it runs start nothing more.
    await reading.get();
    expect(reads).toHaveLength(2);
    reads[1].resolve(5);
    await expect(reading.get()).resolves.toMatchObject({ value: 5 });
  });

  it('a failed read fails the asks waiting for it; a later one reads again', async () => {
    const { reading, reads, advance } = harness();
    const first = reading.get();
    reads[0].reject(new Error('store down'));
    await expect(first).rejects.toThrow('store down');
    advance(1);
    const again = reading.get();
    expect(reads).toHaveLength(2);
    reads[1].resolve(3);
    await expect(again).resolves.toMatchObject({ value: 3 });
  });
});
