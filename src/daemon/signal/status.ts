/**
 * The zones part of `carbond status`: per configured zone, which provider served it, when it
 * last succeeded, how old its data is, why it is stale, and the intensity in use now (the same
 * point the planner prices and the metrics show, labelled measured, forecast or estimated).
 * Reads the ledger only, so it works on the read-only ledger while the daemon is down.
 */
import type { FigureKind } from '../../../forecasts/types';
import type { Config } from '../../config/types';
import type { StatusContributor } from '../status/contribute';

/** The intensity a zone's plans use now. */
export interface ZoneIntensityInUse {
  gPerKWh: number;
  /** `estimated` for the static yearly average (and a provider's modelled value). */
  kind: FigureKind;
  /** Provider entry that served it (`static` for the yearly average). */
  provider: string;
}

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
  /** The point covering now in the series in use (last good data or the static estimate); null when none covers now. */
  intensity: ZoneIntensityInUse | null;
  [field: string]: unknown;
}

/** Entry names whose points are the static estimate (as the signal service counts them). */
function staticNames(config: Config): Set<string> {
  return new Set(Object.entries(config.providers).filter(([, p]) => p.type === 'static').map(([name]) => name).concat('static'));
}

export const zonesStatus: StatusContributor = {
  name: 'zones',
  contribute: (input, report) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { zoneStatusAt } = require('../../../forecasts/status') as typeof import('../../../forecasts/status');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { pointInUse, IN_USE_LOOKBACK_MS } = require('../../../forecasts/series') as typeof import('../../../forecasts/series');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { figureKind } = require('../../../forecasts/types') as typeof import('../../../forecasts/types');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { hasZoneStatusTable, loadZoneStatuses } = require('../../ledger/zone-status') as typeof import('../../ledger/zone-status');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { intensityPointsBetween } = require('../../ledger/intensity') as typeof import('../../ledger/intensity');
    const hasTable = hasZoneStatusTable(input.db);
    const stored = new Map((hasTable ? loadZoneStatuses(input.db) : []).map((s) => [s.zone, s]));
    const config = input.config();
    const statics = staticNames(config);
    // The yearly table is loaded only when a zone has nothing better (it costs ~0.2 s on the CLI's status path).
    const staticFallback = { pointFor: (...a: Parameters<import('../../../forecasts/static/provider').StaticProvider['pointFor']>) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { StaticProvider } = require('../../../forecasts/static/provider') as typeof import('../../../forecasts/static/provider');
      return new StaticProvider().pointFor(...a);
    } };
    for (const [zone, z] of Object.entries(config.zones).sort(([a], [b]) => a.localeCompare(b))) {
      const s = zoneStatusAt(zone, stored.get(zone), z.staleAfterMs, input.nowMs);
      const known = hasTable ? intensityPointsBetween(input.db, zone, input.nowMs - IN_USE_LOOKBACK_MS - 3_600_000, input.nowMs + 3_600_000) : [];
      const now = pointInUse(known, zone, input.nowMs, statics, staticFallback);
      const line: ZoneSignalStatus = {
        zone, provider: s.provider, lastOkAt: s.lastOkAtMs === null ? null : new Date(s.lastOkAtMs).toISOString(), dataAgeMs: s.dataAgeMs, stale: s.stale, reason: s.reason,
        intensity: now ? { gPerKWh: now.gPerKWh, kind: figureKind(now), provider: now.provider } : null,
      };
      report.zones.push(line);
      if (s.stale) report.notes.push(`zone ${zone} signal is stale: ${s.reason ?? 'no data'}`);
    }
  },
};
