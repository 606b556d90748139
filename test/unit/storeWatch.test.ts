import { afterLook, STRIKES_TO_REOPEN } from '../../db/storeWatch';

/*
 * When a process connects to its store again: only when its own client has failed in looks in a
 * row while fresh clients reached the server, never while the store is down for everyone.
 */
describe('a store client that no longer finds its server', () => {
  it('is connected again after failing twice in a row while fresh clients succeeded', () => {
    expect(STRIKES_TO_REOPEN).toBe(2);
    const first = afterLook(0, false, true);
    expect(first).toEqual({ strikes: 1, reopen: false });
    expect(afterLook(first.strikes, false, true)).toEqual({ strikes: 0, reopen: true });
  });

  it('is left alone when it succeeds, and a success forgives an earlier failure', () => {
    expect(afterLook(0, true, undefined)).toEqual({ strikes: 0, reopen: false });
    expect(afterLook(1, true, undefined)).toEqual({ strikes: 0, reopen: false });
  });

  it('is left alone while the store is down for fresh clients too, however long', () => {
    let strikes = 0;
    for (let look = 0; look < 10; look++) {
      const judged = afterLook(strikes, false, false);
      expect(judged.reopen).toBe(false);
      strikes = judged.strikes;
    }
    // A fresh client failing in between starts the count again.
    expect(afterLook(afterLook(0, false, true).strikes, false, false)).toEqual({ strikes: 0, reopen: false });
  });
});
