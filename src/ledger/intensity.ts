/**
 * Carbon-intensity points in the ledger: the `PointStore` of `forecasts/` (every point a
 * provider served is kept, with provider and `issuedAt`, so nothing known is re-fetched).
 */
import type { IntensityPoint, PointStore } from '../../forecasts';
import type { Db } from './db';

interface PointRow {
  zone: string;
  start: number;
  duration_ms: number;
  g_per_kwh: number;
  kind: 'measured' | 'forecast';
  issued_at: number;
  provider: string;
  signal: 'average' | 'marginal';
  estimated: number;
}

function toPoint(r: PointRow): IntensityPoint {
  const p: IntensityPoint = { zone: r.zone, startMs: r.start, durationMs: r.duration_ms, gPerKWh: r.g_per_kwh, kind: r.kind, issuedAtMs: r.issued_at, provider: r.provider, signal: r.signal };
  return r.estimated ? { ...p, estimated: true } : p;
}

/** Inserts points (a known point, same key, is left as is) in one transaction; returns how many were new. */
export function insertIntensityPoints(db: Db, points: readonly IntensityPoint[], fetchedAtMs: number): number {
  const stmt = db.prepare(`INSERT OR IGNORE INTO intensity_points
    (zone, start, duration_ms, g_per_kwh, kind, issued_at, provider, signal, fetched_at, estimated)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  return db.transaction((): number => {
    let added = 0;
    for (const p of points) {
      added += stmt.run(p.zone, p.startMs, p.durationMs, p.gPerKWh, p.kind, p.issuedAtMs, p.provider, p.signal, fetchedAtMs, p.estimated ? 1 : 0).changes;
    }
    return added;
  })();
}

/** Every point of `zone` with start in `[fromMs, toMs)`, ordered by start then issuedAt. */
export function intensityPointsBetween(db: Db, zone: string, fromMs: number, toMs: number): IntensityPoint[] {
  const rows = db.prepare(`SELECT zone, start, duration_ms, g_per_kwh, kind, issued_at, provider, signal, estimated
    FROM intensity_points WHERE zone = ? AND start >= ? AND start < ? ORDER BY start, issued_at`).all(zone, fromMs, toMs) as PointRow[];
  return rows.map(toPoint);
}

/** End of the latest measured point of `zone` (UTC ms), or undefined. */
export function measuredUntil(db: Db, zone: string): number | undefined {
  const row = db.prepare(`SELECT MAX(start + duration_ms) AS until FROM intensity_points WHERE zone = ? AND kind = 'measured'`).get(zone) as { until: number | null };
  return row.until ?? undefined;
}

/** The ledger as a `PointStore`. */
export function ledgerPointStore(db: Db): PointStore {
  return {
    savePoints: (points, fetchedAtMs) => insertIntensityPoints(db, points, fetchedAtMs),
    loadPoints: (zone, fromMs, toMs) => intensityPointsBetween(db, zone, fromMs, toMs),
    measuredUntilMs: (zone) => measuredUntil(db, zone),
  };
}
