/**
 * A zone's status as `carbond status` shows it, at a given time: the stored record plus
 * the age of its data and whether that age passes the zone's `staleAfterMs`.
 * Pure, so the daemon and the CLI (reading the ledger while the daemon is down) agree.
 */
import type { ZoneStatus } from './store';

const MINUTE_MS = 60_000;

/**
 * The status of `zone` at `nowMs` from its stored record (undefined = never refreshed).
 * @example stored lastOkAtMs 10:00, now 12:00, staleAfter 1 h → dataAgeMs 7_200_000, stale,
 *          reason 'data older than 60 min' (unless a failure reason is stored).
 */
export function zoneStatusAt(zone: string, stored: ZoneStatus | undefined, staleAfterMs: number, nowMs: number): ZoneStatus {
  if (!stored) return { zone, provider: null, lastOkAtMs: null, lastAttemptAtMs: nowMs, dataAgeMs: null, stale: true, reason: 'not refreshed yet' };
  const dataAgeMs = stored.lastOkAtMs === null ? null : nowMs - stored.lastOkAtMs;
  const tooOld = dataAgeMs === null || dataAgeMs > staleAfterMs;
  const reason = stored.reason ?? (tooOld ? `data older than ${Math.round(staleAfterMs / MINUTE_MS)} min` : null);
  return { ...stored, zone, dataAgeMs, stale: stored.stale || tooOld, reason };
}
