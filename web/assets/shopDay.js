// Days in the shop's time zone (SHOP_TIME_ZONE), as the API's sales report counts them
// (domain/calendar.ts): a day lasts from its midnight there to the next one, whatever the
// browser's own calendar says.
import { SHOP_TIME_ZONE } from '/console/rules.js';

const clock = new Intl.DateTimeFormat('en-US', { timeZone: SHOP_TIME_ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const wall = (ms) => Object.fromEntries(clock.formatToParts(new Date(ms)).map((p) => [p.type, Number(p.value)]));
const dayAt = (ms) => {
  const w = wall(ms);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
};
/** How far the shop's clock is ahead of UTC at an instant. */
const offsetAt = (ms) => {
  const w = wall(ms);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ms - (ms % 1000));
};

/** The instant (ISO) the shop's day `YYYY-MM-DD` begins; `after` days later for the day's end. */
export function shopDayStart(day, after = 0) {
  const midnight = Date.parse(`${day}T00:00:00Z`) + after * 86_400_000;
  const wanted = new Date(midnight).toISOString().slice(0, 10);
  // The offset near midnight, checked once more at the result: a change in the hours around midnight moves it.
  let start = midnight - offsetAt(midnight);
  start = midnight - offsetAt(start);
  // Where midnight itself is skipped, the day begins at the first instant it has.
  while (dayAt(start) !== wanted) start += 15 * 60_000;
  while (dayAt(start - 1) === wanted) start -= 15 * 60_000;
  return new Date(start).toISOString();
}
