/**
 * An independent, naive recomputation of a report's figures straight from the ledger
 * tables (no code shared with src/accounting): for every sample, every intensity point
 * overlapping it, measured first, else the newest forecast.
 */
import type { Db } from '../../../src/ledger/db';

interface P { zone: string; start: number; duration_ms: number; g_per_kwh: number; kind: string; issued_at: number }
interface S { job_id: string; zone: string; start: number; duration_ms: number; energy_kwh: number; overhead: number }

function priceNaive(points: P[], zone: string, start: number, durationMs: number, kWh: number): { g: number; forecastG: number } {
  let g = 0;
  let forecastG = 0;
  // 1-second resolution walk is exact here: every boundary in the fixture is a whole second.
  const step = 1000;
  const zonePoints = points.filter((p) => p.zone === zone && p.start < start + durationMs && p.start + p.duration_ms > start);
  for (let t = start; t < start + durationMs; t += step) {
    const covering = zonePoints.filter((p) => p.start <= t && t < p.start + p.duration_ms);
    const measured = covering.filter((p) => p.kind === 'measured');
    const best = measured.length > 0 ? measured[0]! : covering.sort((a, b) => b.issued_at - a.issued_at)[0];
    if (!best) throw new Error(`fixture has no intensity for ${zone} at ${t}`);
    const share = (kWh * Math.min(step, start + durationMs - t)) / durationMs;
    g += share * best.g_per_kwh;
    if (best.kind === 'forecast') forecastG += share * best.g_per_kwh;
  }
  return { g, forecastG };
}

export interface Recomputed { energyKWh: number; actualG: number; baselineG: number; provisionalG: number; byJob: Map<string, { actualG: number; baselineG: number; energyKWh: number }> }

/** Recomputes totals and per-job figures (baseline: non-overhead samples laid end to end from submission at the home site's zone). */
export function recompute(db: Db, homeZone: Record<string, string>): Recomputed {
  const points = db.prepare('SELECT * FROM intensity_points').all() as P[];
  const jobs = db.prepare('SELECT id, submitted_at, home_site FROM jobs ORDER BY id').all() as Array<{ id: string; submitted_at: number; home_site: string }>;
  const out: Recomputed = { energyKWh: 0, actualG: 0, baselineG: 0, provisionalG: 0, byJob: new Map() };
  for (const j of jobs) {
    const samples = db.prepare('SELECT * FROM energy_samples WHERE job_id = ? ORDER BY start').all(j.id) as S[];
    let actualG = 0;
    let baselineG = 0;
    let energyKWh = 0;
    let cursor = j.submitted_at;
    for (const s of samples) {
      const a = priceNaive(points, s.zone, s.start, s.duration_ms, s.energy_kwh);
      actualG += a.g;
      out.provisionalG += a.forecastG;
      energyKWh += s.energy_kwh;
      if (s.overhead) continue;
      baselineG += priceNaive(points, homeZone[j.home_site]!, cursor, s.duration_ms, s.energy_kwh).g;
      cursor += s.duration_ms;
    }
    out.byJob.set(j.id, { actualG, baselineG, energyKWh });
    out.energyKWh += energyKWh;
    out.actualG += actualG;
    out.baselineG += baselineG;
  }
  return out;
}
