/** Per-zone signal status (`zone_status`): the `ZoneStatusStore` of `forecasts/`. */
import type { SignalStore, ZoneStatus, ZoneStatusStore } from '../../forecasts';
import type { Db } from './db';
import { ledgerPointStore } from './intensity';

interface StatusRow {
  zone: string;
  provider: string | null;
  last_ok_at: number | null;
  last_attempt_at: number;
  stale: number;
  reason: string | null;
}

/** Whether the ledger has `zone_status` (migration 2): a read-only older ledger may not. */
export function hasZoneStatusTable(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zone_status'").get() !== undefined;
}

/** Inserts or replaces the status of `status.zone`. */
export function saveZoneStatus(db: Db, status: ZoneStatus): void {
  db.prepare(`INSERT INTO zone_status (zone, provider, last_ok_at, last_attempt_at, stale, reason) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT(zone) DO UPDATE SET provider = excluded.provider, last_ok_at = excluded.last_ok_at,
      last_attempt_at = excluded.last_attempt_at, stale = excluded.stale, reason = excluded.reason`)
    .run(status.zone, status.provider, status.lastOkAtMs, status.lastAttemptAtMs, status.stale ? 1 : 0, status.reason);
}

/** Every stored zone status, by zone. `dataAgeMs` is null here: the caller knows `now`. */
export function loadZoneStatuses(db: Db): ZoneStatus[] {
  const rows = db.prepare('SELECT zone, provider, last_ok_at, last_attempt_at, stale, reason FROM zone_status ORDER BY zone').all() as StatusRow[];
  return rows.map((r) => ({ zone: r.zone, provider: r.provider, lastOkAtMs: r.last_ok_at, lastAttemptAtMs: r.last_attempt_at, dataAgeMs: null, stale: r.stale === 1, reason: r.reason }));
}

export function ledgerZoneStatusStore(db: Db): ZoneStatusStore {
  return { saveZoneStatus: (s) => saveZoneStatus(db, s), loadZoneStatuses: () => loadZoneStatuses(db) };
}

/** Points and statuses in the ledger: what `createSignalService({ store })` takes in the daemon. */
export function ledgerSignalStore(db: Db): SignalStore {
  return { ...ledgerPointStore(db), ...ledgerZoneStatusStore(db) };
}
