/**
 * A schedule's occurrences in its own time zone: node-cron parses and validates the
 * expression, luxon gives the zone's offsets. Pure: every function takes the time it works from.
 *
 * DST policy (README "Recurring schedules"):
 * - a wall time that a spring-forward skips (02:30 on a 02:00→03:00 night) happens at the instant
 *   the clocks jump (03:00 local); several skipped times collapse into that one occurrence;
 * - a wall time that a fall-back repeats (01:30 on a 02:00→01:00 night) happens once, at its
 *   first instance (01:30 summer time), never twice.
 * Day-of-month and day-of-week fields must both match, as node-cron matches them.
 */
import { parse, validateDetailed, type ParsedFields } from 'node-cron';
import { DateTime } from 'luxon';
import type { Issues } from '../../core/validation';

/** A parsed 5-field expression: the wall times of a day, and which days. */
export interface CronTimes {
  readonly expr: string;
  /** Minutes of the day (hour × 60 + minute), ascending. */
  readonly minutesOfDay: readonly number[];
  readonly fields: ParsedFields;
}

/** Furthest a search for an occurrence looks: 30 years of days (`0 0 29 2 1` comes every 28). */
const MAX_SCAN_DAYS = 366 * 30;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * `expr` checked by node-cron; a problem is an issue naming `field` and the value. A schedule
 * runs at whole minutes: the 6-field form (with seconds) is refused.
 */
export function compileCron(expr: string, field: string, issues: Issues): CronTimes | undefined {
  const words = expr.trim().split(/\s+/);
  if (words.length !== 5) {
    issues.add(field, 'must be a cron expression of 5 fields: minute hour day-of-month month day-of-week (e.g. "30 2 * * *")', expr);
    return undefined;
  }
  const checked = validateDetailed(expr);
  if (!checked.valid) {
    issues.add(field, `is not a valid cron expression: ${checked.errors.map((e) => e.message).join('; ')}`, expr);
    return undefined;
  }
  const fields = parse(expr);
  const minutesOfDay = [...fields.hour].sort((a, b) => a - b).flatMap((h) => [...fields.minute].sort((a, b) => a - b).map((m) => h * 60 + m));
  return { expr, minutesOfDay, fields };
}

/** True when luxon knows the IANA zone name. */
export function isKnownZone(zone: string): boolean {
  return zone.length > 0 && DateTime.fromMillis(0, { zone }).isValid;
}

/** A calendar day (no zone). */
interface Day { year: number; month: number; day: number }

function dayPlus(d: Day, days: number): Day {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

function localDay(ms: number, zone: string): Day {
  const t = DateTime.fromMillis(ms, { zone });
  return { year: t.year, month: t.month, day: t.day };
}

const offsetAt = (ms: number, zone: string): number => DateTime.fromMillis(ms, { zone }).offset;

/**
 * The instant a wall time of `zone` names, by the policy above: the first instance of a repeated
 * time, the jump of a skipped one.
 * @example wallTimeMs({ year: 2026, month: 3, day: 8 }, 150, 'America/New_York') === Date.parse('2026-03-08T07:00:00Z') // 02:30 skipped → 03:00 EDT
 */
export function wallTimeMs(d: Day, minuteOfDay: number, zone: string): number {
  const asUtc = Date.UTC(d.year, d.month - 1, d.day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  // Offsets in force half a day either side: a zone changes offset at most once in that span.
  const offsets = [offsetAt(asUtc - DAY_MS / 2, zone), offsetAt(asUtc + DAY_MS / 2, zone)];
  const instances = offsets.map((o) => asUtc - o * MINUTE_MS).filter((ms, i) => offsetAt(ms, zone) === offsets[i]);
  if (instances.length > 0) return Math.min(...instances);
  // Skipped: the jump lies between the time read with the new offset and with the old one.
  let lo = asUtc - offsets[1]! * MINUTE_MS;
  let hi = asUtc - offsets[0]! * MINUTE_MS;
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(mid, zone) === offsets[0]) lo = mid;
    else hi = mid;
  }
  return hi;
}

const lastDayOfMonth = (d: Day): number => new Date(Date.UTC(d.year, d.month, 0)).getUTCDate();
const weekdayOf = (d: Day): number => new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();

/** The weekday nearest `target` within the month (node-cron's `W`). */
function nearestWeekday(d: Day, target: number): number {
  const weekday = weekdayOf({ ...d, day: target });
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === lastDayOfMonth(d) ? target - 2 : target + 1;
  return target;
}

/** A day-of-month token as node-cron reads it: a number, `L`, `L-n`, `nW`, `LW`. */
function domMatches(token: number | string, d: Day): boolean {
  if (typeof token === 'number') return token === d.day;
  const last = lastDayOfMonth(d);
  if (token === 'L') return d.day === last;
  const offset = /^L-(\d{1,2})$/.exec(token);
  if (offset) return d.day === last - Number(offset[1]);
  const w = /^(\d{1,2}|L)W$/.exec(token);
  if (w) {
    const target = w[1] === 'L' ? last : Number(w[1]);
    return target >= 1 && target <= last && nearestWeekday(d, target) === d.day;
  }
  return false;
}

/** A day-of-week token: a number (0 = Sunday), `nL` (the last n-day of the month), `n#k` (the k-th). */
function dowMatches(token: number | string, d: Day): boolean {
  const weekday = weekdayOf(d);
  if (typeof token === 'number') return token % 7 === weekday;
  const lastOf = /^([0-7])L$/i.exec(token);
  if (lastOf) return Number(lastOf[1]) % 7 === weekday && d.day + 7 > lastDayOfMonth(d);
  const nth = /^([0-7])#([1-5])$/.exec(token);
  if (nth) return Number(nth[1]) % 7 === weekday && Math.floor((d.day - 1) / 7) + 1 === Number(nth[2]);
  return false;
}

function dayMatches(cron: CronTimes, d: Day): boolean {
  const f = cron.fields;
  return f.month.includes(d.month) && f.dayOfMonth.some((t) => domMatches(t, d)) && f.dayOfWeek.some((t) => dowMatches(t, d));
}

/**
 * Wall times of one day → instants. A day without an offset change (nearly every day) needs no
 * search: the instant is the wall time less the day's one offset.
 */
function dayResolver(d: Day, zone: string): (minuteOfDay: number) => number {
  const midnightUtc = Date.UTC(d.year, d.month - 1, d.day);
  const offset = offsetAt(midnightUtc - DAY_MS / 2, zone);
  if (offset !== offsetAt(midnightUtc + DAY_MS + DAY_MS / 2, zone)) return (m) => wallTimeMs(d, m, zone);
  return (m) => midnightUtc + m * MINUTE_MS - offset * MINUTE_MS;
}

/** Occurrences strictly after `afterMs`, ascending (within 30 years). */
function* occurrencesAfter(cron: CronTimes, zone: string, afterMs: number): Generator<number> {
  // From the day before: an instant early on a local day may still be the day before's last times (a repeated hour).
  const first = dayPlus(localDay(afterMs, zone), -1);
  for (let i = 0; i < MAX_SCAN_DAYS; i++) {
    const d = dayPlus(first, i);
    if (!dayMatches(cron, d)) continue;
    const resolve = dayResolver(d, zone);
    // Wall times map to instants in the same order (see the policy), so a day is searched by bisection.
    const times = cron.minutesOfDay;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (resolve(times[mid]!) > afterMs) hi = mid;
      else lo = mid + 1;
    }
    let previous = afterMs;
    for (let k = lo; k < times.length; k++) {
      const ms = resolve(times[k]!);
      if (ms > previous) yield (previous = ms);
    }
    afterMs = Math.max(afterMs, previous);
  }
}

/** The first occurrence strictly after `afterMs` (UTC epoch ms); undefined when none within 30 years. */
export function nextOccurrenceAfter(cron: CronTimes, zone: string, afterMs: number): number | undefined {
  const next = occurrencesAfter(cron, zone, afterMs).next();
  return next.done ? undefined : next.value;
}

/** The latest occurrence in (`afterMs`, `atOrBeforeMs`]; undefined when there is none. */
export function latestOccurrenceIn(cron: CronTimes, zone: string, afterMs: number, atOrBeforeMs: number): number | undefined {
  if (atOrBeforeMs <= afterMs) return undefined;
  const last = dayPlus(localDay(atOrBeforeMs, zone), 1);
  const days = Math.min(MAX_SCAN_DAYS, Math.ceil((atOrBeforeMs - afterMs) / DAY_MS) + 3);
  for (let i = 0; i < days; i++) {
    const d = dayPlus(last, -i);
    if (!dayMatches(cron, d)) continue;
    const resolve = dayResolver(d, zone);
    const times = cron.minutesOfDay;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) { // the first time past `atOrBeforeMs`
      const mid = (lo + hi) >> 1;
      if (resolve(times[mid]!) > atOrBeforeMs) hi = mid;
      else lo = mid + 1;
    }
    if (lo === 0) continue;
    const ms = resolve(times[lo - 1]!);
    return ms > afterMs ? ms : undefined;
  }
  return undefined;
}

/** How many occurrences lie in (`afterMs`, `beforeMs`), counting at most `cap`. */
export function countOccurrencesBetween(cron: CronTimes, zone: string, afterMs: number, beforeMs: number, cap: number): number {
  let n = 0;
  for (const t of occurrencesAfter(cron, zone, afterMs)) {
    if (t >= beforeMs || n >= cap) break;
    n += 1;
  }
  return n;
}

/**
 * The deadline of an occurrence: with `finishBy`, the first instant after it whose wall time in
 * `zone` is that HH:MM (by the same DST policy); with `withinMs`, the occurrence plus that.
 * @example occurrenceDeadlineMs(Date.parse('2026-03-29T00:30:00Z'), 'Europe/London', { finishBy: { hour: 7, minute: 0 } }) === Date.parse('2026-03-29T06:00:00Z') // 07:00 BST
 */
export function occurrenceDeadlineMs(occurrenceMs: number, zone: string, by: { finishBy?: { hour: number; minute: number }; withinMs?: number }): number {
  if (by.withinMs !== undefined) return occurrenceMs + by.withinMs;
  const { hour, minute } = by.finishBy!;
  const first = localDay(occurrenceMs, zone);
  for (let i = 0; ; i++) {
    const ms = wallTimeMs(dayPlus(first, i), hour * 60 + minute, zone);
    if (ms > occurrenceMs) return ms;
  }
}
