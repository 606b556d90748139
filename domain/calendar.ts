/**
 * Calendar days in a shop's time zone (an IANA name like "Asia/Shanghai"), as the sales report
 * counts them: a day is `YYYY-MM-DD` there, and lasts from its local midnight to the next one (23
 * or 25 hours across a daylight-saving change).
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one costs far more than using it, and reports ask per hour. */
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** Whether the runtime knows the zone: Intl refuses an unknown name with a RangeError. */
export function isTimeZone(name: string): boolean {
  try {
    formatIn(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in the zone. */
function wallClock(ms: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = Object.fromEntries(formatIn(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second) };
}

/** How far the zone's clock is ahead of UTC at an instant, in ms (+8 h in Shanghai). */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (ms % 1000));
}

/** The day an instant falls on in the zone, `YYYY-MM-DD`. */
export function dayIn(ms: number, timeZone: string): string {
  const w = wallClock(ms, timeZone);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/**
 * The instant a day begins in the zone. Found from the offset near that midnight, then checked
 * once more at the result: an offset change in the hours around midnight moves it.
 */
export function startOfDayIn(day: string, timeZone: string): number {
  const [year, month, date] = day.split('-').map(Number);
  const midnightUtc = Date.UTC(year, month - 1, date);
  let start = midnightUtc - offsetAt(midnightUtc, timeZone);
  start = midnightUtc - offsetAt(start, timeZone);
  // Where midnight itself is skipped (a spring-forward at 00:00), the day begins at the first instant it has.
  while (dayIn(start, timeZone) !== day) start += 15 * 60_000;
  while (dayIn(start - 1, timeZone) === day) start -= 15 * 60_000;
  return start;
}

/** The day after `day`, `YYYY-MM-DD` (calendar arithmetic, no zone needed). */
export function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

/** Every day from `first` to `last`, both included. */
export function daysFrom(first: string, last: string): string[] {
  const days: string[] = [];
  for (let d = first; d <= last; d = nextDay(d)) days.push(d);
  return days;
}
