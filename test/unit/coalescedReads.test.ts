import { CoalescedReads } from '../../db/coalescedReads';

/** A store whose reads the test answers by hand, recording what each asked for. */
function manualStore(gapMs = 0) {
  const reads: { ids: string[]; answer: (rows: { id: string; v: number }[]) => void; fail: (err: Error) => void }[] = [];
  const reader = new CoalescedReads<{ id: string; v: number }>(
    (ids) => new Promise((resolve, reject) => reads.push({ ids, answer: resolve, fail: reject })),
    (row) => row.id,
    3,
    gapMs,
  );
  return { reads, reader };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('coalesced reads by id', () => {
  it('reads the ids asked for during a read together in the next one, each id once', async () => {
    const { reads, reader } = manualStore();
    const a = reader.get('a');
    await settle();
    const [b1, b2, c] = [reader.get('b'), reader.get('b'), reader.get('c')];
    await settle();
    expect(reads.map((r) => r.ids)).toEqual([['a']]);
    reads[0].answer([{ id: 'a', v: 1 }]);
    expect(await a).toEqual({ id: 'a', v: 1 });
    await settle();
    expect(reads.map((r) => r.ids)).toEqual([['a'], ['b', 'c']]);
    reads[1].answer([{ id: 'c', v: 3 }, { id: 'b', v: 2 }]);
    expect(await Promise.all([b1, b2, c])).toEqual([{ id: 'b', v: 2 }, { id: 'b', v: 2 }, { id: 'c', v: 3 }]);
  });

  it('never answers an ask with a read that began before it: an id asked again mid-read is read again', async () => {
    const { reads, reader } = manualStore();
    const early = reader.get('a');
    await settle();
    const late = reader.get('a');
    reads[0].answer([{ id: 'a', v: 1 }]);
    expect(await early).toEqual({ id: 'a', v: 1 });
    await settle();
    expect(reads).toHaveLength(2);
    reads[1].answer([{ id: 'a', v: 2 }]);
    expect(await late).toEqual({ id: 'a', v: 2 });
  });

  it('answers undefined for an id with no row, and splits a crowd into reads of at most `most` ids', async () => {
    const { reads, reader } = manualStore();
    const first = reader.get('x');
    await settle();
    const crowd = ['p', 'q', 'r', 's'].map((id) => reader.get(id));
    reads[0].answer([]);
    expect(await first).toBeUndefined();
    await settle();
    expect(reads[1].ids).toEqual(['p', 'q', 'r']);
    reads[1].answer([{ id: 'p', v: 1 }, { id: 'q', v: 2 }, { id: 'r', v: 3 }]);
    await settle();
    expect(reads[2].ids).toEqual(['s']);
    reads[2].answer([{ id: 's', v: 4 }]);
    expect((await Promise.all(crowd)).map((row) => row?.v)).toEqual([1, 2, 3, 4]);
  });

  it('fails the asks of a failed read only, and reads on for later ones', async () => {
    const { reads, reader } = manualStore();
    const doomed = reader.get('a');
    await settle();
    const later = reader.get('b');
    reads[0].fail(new Error('store unreachable'));
    await expect(doomed).rejects.toThrow('store unreachable');
    await settle();
    reads[1].answer([{ id: 'b', v: 2 }]);
    expect(await later).toEqual({ id: 'b', v: 2 });
  });

  it('with a gap, begins reads at least that far apart, the next one taking every ask of the meantime', async () => {
    jest.useFakeTimers();
    try {
      const { reads, reader } = manualStore(50);
      const a = reader.get('a');
      expect(reads.map((r) => r.ids)).toEqual([['a']]);
      reads[0].answer([{ id: 'a', v: 1 }]);
      expect(await a).toEqual({ id: 'a', v: 1 });
      const [b, c] = [reader.get('b'), reader.get('c')];
      await jest.advanceTimersByTimeAsync(49);
      expect(reads).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(reads.map((r) => r.ids)).toEqual([['a'], ['b', 'c']]);
      reads[1].answer([{ id: 'b', v: 2 }, { id: 'c', v: 3 }]);
      expect(await Promise.all([b, c])).toEqual([{ id: 'b', v: 2 }, { id: 'c', v: 3 }]);
      // Long after the last read, an ask is read at once.
      await jest.advanceTimersByTimeAsync(500);
      reader.get('d');
      expect(reads).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
