/**
 * `--finish-by HH:MM [--tz ZONE]`: the next occurrence of a wall-clock time in a zone,
 * DST-correct (luxon). A time skipped by a spring-forward gap moves forward by the gap,
 * as luxon does (02:30 on a 02:00→03:00 night becomes 03:30).
 */
import { DateTime } from 'luxon';

/** Parses `HH:MM` (24 h); undefined when malformed. */
export function parseHhMm(text: string): { hour: number; minute: number } | undefined {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}

/** True when luxon knows the IANA zone name. */
export function isValidZone(zone: string): boolean {
  return DateTime.fromMillis(0, { zone }).isValid;
}

/**
 * The first instant strictly after `nowMs` whose wall time in `zone` is `hour:minute`.
 * @example nextOccurrenceMs(Date.parse('2026-03-08T05:00:00Z'), 7, 0, 'America/New_York') === Date.parse('2026-03-08T11:00:00Z') // EDT began at 02:00
 */
export function nextOccurrenceMs(nowMs: number, hour: number, minute: number, zone: string): number {
  const now = DateTime.fromMillis(nowMs, { zone });
  let candidate = now.set({ hour, minute, second: 0, millisecond: 0 });
  if (candidate.toMillis() <= nowMs) candidate = now.plus({ days: 1 }).set({ hour, minute, second: 0, millisecond: 0 });
  return candidate.toMillis();
}
