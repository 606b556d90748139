import { minuteOf, minutesBetween } from '../../db/projection';

describe('the minutes an order row is found by', () => {
  it('names an instant by its UTC minute, from a string or a Date', () => {
    expect(minuteOf('2026-12-04T03:05:59.999Z')).toBe('2026-12-04T03:05');
    expect(minuteOf(new Date('2026-12-04T11:05:00+08:00'))).toBe('2026-12-04T03:05');
  });

  it('covers every minute of a window, and the one after its end', () => {
    expect(minutesBetween('2026-12-04T03:00:10Z', '2026-12-04T03:02:59Z')).toEqual(['2026-12-04T03:00', '2026-12-04T03:01', '2026-12-04T03:02', '2026-12-04T03:03']);
  });

  it('crosses hours and days', () => {
    expect(minutesBetween('2026-12-31T23:59:30Z', '2027-01-01T00:00:05Z')).toEqual(['2026-12-31T23:59', '2027-01-01T00:00', '2027-01-01T00:01']);
  });

  it('holds the minute of every instant inside the window', () => {
    const from = '2026-12-04T03:00:10Z';
    const to = '2026-12-04T03:05:10Z';
    const minutes = new Set(minutesBetween(from, to));
    for (let t = Date.parse(from); t <= Date.parse(to); t += 7_000) expect(minutes.has(minuteOf(new Date(t)))).toBe(true);
  });
});
