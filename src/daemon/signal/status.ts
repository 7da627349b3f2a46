/**
 * The zones part of `carbond status`: per configured zone, which provider served it, when it
 * last succeeded, how old its data is, and why it is stale. Reads `zone_status` only, so it
 * works on the read-only ledger while the daemon is down.
 */
import type { StatusContributor } from '../status/contribute';

/** One zone in `carbond status --json` → `zones[]`. */
export interface ZoneSignalStatus {
  zone: string;
  /** Provider entry whose data the zone uses; null when none ever answered. */
  provider: string | null;
  /** ISO-8601 UTC of the last successful refresh, or null. */
  lastOkAt: string | null;
  /** Age of that data at status time, ms; null when none. */
  dataAgeMs: number | null;
  stale: boolean;
  reason: string | null;
  [field: string]: unknown;
}

export const zonesStatus: StatusContributor = {
  name: 'zones',
  contribute: (input, report) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { zoneStatusAt } = require('../../../forecasts/status') as typeof import('../../../forecasts/status');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadZoneStatuses } = require('../../ledger/zone-status') as typeof import('../../ledger/zone-status');
    const hasTable = input.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zone_status'").get() !== undefined;
    const stored = new Map((hasTable ? loadZoneStatuses(input.db) : []).map((s) => [s.zone, s]));
    for (const [zone, z] of Object.entries(input.config().zones).sort(([a], [b]) => a.localeCompare(b))) {
      const s = zoneStatusAt(zone, stored.get(zone), z.staleAfterMs, input.nowMs);
      const line: ZoneSignalStatus = { zone, provider: s.provider, lastOkAt: s.lastOkAtMs === null ? null : new Date(s.lastOkAtMs).toISOString(), dataAgeMs: s.dataAgeMs, stale: s.stale, reason: s.reason };
      report.zones.push(line);
      if (s.stale) report.notes.push(`zone ${zone} signal is stale: ${s.reason ?? 'no data'}`);
    }
  },
};
