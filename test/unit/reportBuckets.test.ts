import { dayOfHour, hourOf, hourOfDay, hoursBetween, monthOfHour, monthsBetween, startOfHour } from '../../db/report/entries';

const at = (iso: string) => Date.parse(iso);

describe("the report ledger's buckets", () => {
  it('names an instant by its UTC hour, and the hour by its day, month and hour of the day', () => {
    const hour = hourOf(at('2025-12-31T23:59:59.999Z'));
    expect(hour).toBe('2025-12-31T23');
    expect([dayOfHour(hour), monthOfHour(hour), hourOfDay(hour)]).toEqual(['2025-12-31', '2025-12', '23']);
    expect(startOfHour(hour)).toBe(at('2025-12-31T23:00:00.000Z'));
  });

  it('lists the hours a period overlaps, cut ends included and the end excluded', () => {
    expect(hoursBetween(at('2025-03-01T05:37:00Z'), at('2025-03-01T08:00:00Z'))).toEqual(['2025-03-01T05', '2025-03-01T06', '2025-03-01T07']);
    expect(hoursBetween(at('2025-03-01T05:00:00Z'), at('2025-03-01T05:00:00.001Z'))).toEqual(['2025-03-01T05']);
    expect(hoursBetween(at('2025-03-01T00:00:00Z'), at('2025-04-01T00:00:00Z'))).toHaveLength(31 * 24);
  });

  it('lists the months a period overlaps, across a year and a leap day', () => {
    expect(monthsBetween(at('2023-11-30T12:00:00Z'), at('2024-03-01T00:00:00Z'))).toEqual(['2023-11', '2023-12', '2024-01', '2024-02']);
    expect(monthsBetween(at('2024-02-29T23:00:00Z'), at('2024-03-01T00:00:00.001Z'))).toEqual(['2024-02', '2024-03']);
  });
});
