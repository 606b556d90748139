import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config';
import { dayIn, daysFrom, isTimeZone, nextDay, startOfDayIn } from '../../domain/calendar';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe("days in the shop's time zone", () => {
  it('names the day an instant falls on there', () => {
    // 23:30 in Shanghai is still the 1st; half an hour later it is the 2nd, while UTC is on the 1st.
    expect(dayIn(at('2026-03-01T15:30:00Z'), 'Asia/Shanghai')).toBe('2026-03-01');
    expect(dayIn(at('2026-03-01T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-03-02');
    expect(dayIn(at('2026-03-01T16:00:00Z'), 'UTC')).toBe('2026-03-01');
    expect(dayIn(at('2026-03-01T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-03-01');
    expect(dayIn(at('2026-03-01T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-03-02');
    expect(dayIn(at('2024-12-31T23:59:59.999Z'), 'UTC')).toBe('2024-12-31');
  });

  it('finds the instant a day begins there, across offsets and daylight-saving changes', () => {
    expect(new Date(startOfDayIn('2026-03-02', 'Asia/Shanghai')).toISOString()).toBe('2026-03-01T16:00:00.000Z');
    expect(new Date(startOfDayIn('2026-03-02', 'UTC')).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(startOfDayIn('2026-03-02', 'Asia/Kolkata')).toISOString()).toBe('2026-03-01T18:30:00.000Z');
    expect(new Date(startOfDayIn('2026-03-02', 'Pacific/Kiritimati')).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    // New York springs forward on 8 March 2026 (a 23-hour day) and falls back on 1 November (25 hours).
    expect(new Date(startOfDayIn('2026-03-08', 'America/New_York')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfDayIn('2026-03-09', 'America/New_York') - startOfDayIn('2026-03-08', 'America/New_York')).toBe(23 * HOUR);
    expect(startOfDayIn('2026-11-02', 'America/New_York') - startOfDayIn('2026-11-01', 'America/New_York')).toBe(25 * HOUR);
    // São Paulo once sprang forward at midnight: that day began at 01:00 local, 03:00 UTC.
    expect(new Date(startOfDayIn('2018-11-04', 'America/Sao_Paulo')).toISOString()).toBe('2018-11-04T03:00:00.000Z');
    for (const zone of ['Asia/Shanghai', 'America/New_York', 'Asia/Kolkata', 'Europe/London']) {
      for (const day of ['2026-01-01', '2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01', '2028-02-29']) {
        const start = startOfDayIn(day, zone);
        const dayBefore = new Date(Date.parse(`${day}T00:00:00Z`) - 24 * HOUR).toISOString().slice(0, 10);
        expect([dayIn(start, zone), dayIn(start - 1, zone)]).toEqual([day, dayBefore]);
      }
    }
  });

  it('counts days on the calendar', () => {
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(daysFrom('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(daysFrom('2026-03-02', '2026-03-01')).toEqual([]);
  });

  it('knows a zone from a name that is not one, and the configuration refuses the latter naming SHOP_TIME_ZONE', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'kamiflow-tz-')), KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
    expect(loadConfig(env).shopTimeZone).toBe('Asia/Shanghai');
    expect(loadConfig({ ...env, SHOP_TIME_ZONE: 'Europe/Berlin' }).shopTimeZone).toBe('Europe/Berlin');
    let refused: unknown;
    try {
      loadConfig({ ...env, SHOP_TIME_ZONE: 'Beijing' });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual(['SHOP_TIME_ZONE: must be an IANA time zone like "Asia/Shanghai" or "UTC"']);
  });
});
