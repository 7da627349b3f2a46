/**
 * What a tick does with one schedule: a pure function of the schedule and `now`.
 *
 * Missed-occurrence policy (README "Recurring schedules"): of the occurrences due since the last
 * one handled (or since the schedule was added), only the newest is considered: it is submitted
 * when its job can still finish by its deadline (`now + estimate + safety margin ≤ deadline`),
 * and skipped with that reason otherwise; the older ones (missed while the daemon was down, or
 * between two ticks further apart than the schedule) are skipped and logged, never submitted late.
 */
import { formatDurationMs } from '../../core/units';
import { parseHhMm } from '../../jobs/finish-by';
import type { ScheduleRecord } from '../../ledger/schedules';
import { countOccurrencesBetween, latestOccurrenceIn, nextOccurrenceAfter, occurrenceDeadlineMs, type CronTimes } from './cron-time';

/** Most older occurrences counted for the log line (an every-minute schedule down a month has 43,200). */
export const MAX_COUNTED_MISSED = 1_000;

export type ScheduleDecision =
  | { kind: 'idle'; nextMs: number | undefined }
  | { kind: 'submit' | 'skip'; occurrenceMs: number; deadlineMs: number; reason: string; missedOlder: number };

/** The deadline rule of a schedule, parsed. */
export function deadlineRuleOf(s: Pick<ScheduleRecord, 'finishBy' | 'withinMs'>): { finishBy?: { hour: number; minute: number }; withinMs?: number } {
  if (s.withinMs !== null) return { withinMs: s.withinMs };
  return { finishBy: parseHhMm(s.finishBy ?? '') ?? { hour: 0, minute: 0 } };
}

/**
 * The decision for `schedule` at `nowMs`. `needMs` is the time its job needs before the
 * deadline: its estimate plus the daemon's safety margin.
 * @example a `30 2 * * *` schedule with --finish-by 07:00 and a 6 h estimate, checked at 03:30 after a
 * night down: 02:30 is due, 03:30 + 6 h + 10 min margin > 07:00 → skip "cannot finish by its deadline".
 */
export function decide(schedule: ScheduleRecord, cron: CronTimes, nowMs: number, needMs: number): ScheduleDecision {
  const sinceMs = schedule.lastOccurrenceMs ?? schedule.createdAtMs;
  const occurrenceMs = latestOccurrenceIn(cron, schedule.tz, sinceMs, nowMs);
  if (occurrenceMs === undefined) return { kind: 'idle', nextMs: nextOccurrenceAfter(cron, schedule.tz, Math.max(sinceMs, nowMs)) };
  const deadlineMs = occurrenceDeadlineMs(occurrenceMs, schedule.tz, deadlineRuleOf(schedule));
  const missedOlder = countOccurrencesBetween(cron, schedule.tz, sinceMs, occurrenceMs, MAX_COUNTED_MISSED);
  const leftMs = deadlineMs - nowMs;
  if (nowMs + needMs <= deadlineMs) {
    const late = nowMs - occurrenceMs;
    return { kind: 'submit', occurrenceMs, deadlineMs, missedOlder, reason: late > 0 ? `occurrence ${new Date(occurrenceMs).toISOString()}, submitted ${formatDurationMs(late)} late` : `occurrence ${new Date(occurrenceMs).toISOString()}` };
  }
  return {
    kind: 'skip', occurrenceMs, deadlineMs, missedOlder,
    reason: `cannot finish by its deadline ${new Date(deadlineMs).toISOString()}: needs ${formatDurationMs(needMs)} (estimate and margin) but ${leftMs > 0 ? `only ${formatDurationMs(leftMs)} is` : 'no time is'} left`,
  };
}
