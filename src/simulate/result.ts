/**
 * RESULT.json of `carbond simulate` (issue 4, a stable interface):
 * `{ policy, jobs: [{ id, segments: [{ site, start, end }], energyKWh, emissionsG, baselineG, deadlineMet }],
 *    summary: { emissionsG, baselineG, savedPct, deadlineMisses, pauses, plannerMsP50, plannerMsMax } }`.
 * Baseline: the same work from submission on the home site without a pause, on the actual trace.
 */
import { isoUtc } from '../core/clock';
import type { PolicyName } from '../../scheduler';
import type { SimulateOutcome } from './engine';

export interface SimJobResult {
  id: string;
  segments: { site: string; start: string; end: string }[];
  energyKWh: number;
  emissionsG: number;
  baselineG: number;
  deadlineMet: boolean;
  /** Extra (not in the stable contract, additive): pauses and migrations of this job. */
  pauses: number;
  migrations: number;
}

export interface SimSummary {
  emissionsG: number;
  baselineG: number;
  savedPct: number;
  deadlineMisses: number;
  pauses: number;
  plannerMsP50: number;
  plannerMsMax: number;
}

export interface SimResult {
  policy: PolicyName;
  jobs: SimJobResult[];
  summary: SimSummary;
}

/** Median of `xs` (0 when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

export function buildResult(policy: PolicyName, out: SimulateOutcome): SimResult {
  const jobs = out.states.map((s): SimJobResult => {
    const home = out.actuals.get(s.job.homeSite)!;
    const baselineG = home.emissionsG(s.job.powerW, s.job.submitAtMs, s.job.submitAtMs + s.job.durationMs);
    return {
      id: s.job.id,
      segments: s.segments.filter((g) => g.endMs > g.startMs).map((g) => ({ site: g.site, start: isoUtc(g.startMs), end: isoUtc(g.endMs) })),
      energyKWh: round(s.energyKWh, 6),
      emissionsG: round(s.emissionsG, 3),
      baselineG: round(baselineG, 3),
      deadlineMet: s.finishedAtMs !== undefined && s.finishedAtMs <= s.job.deadlineMs,
      pauses: s.pauses,
      migrations: s.migrations,
    };
  });
  const emissionsG = jobs.reduce((a, j) => a + j.emissionsG, 0);
  const baselineG = jobs.reduce((a, j) => a + j.baselineG, 0);
  return {
    policy,
    jobs,
    summary: {
      emissionsG: round(emissionsG, 3),
      baselineG: round(baselineG, 3),
      savedPct: baselineG > 0 ? round(((baselineG - emissionsG) / baselineG) * 100, 3) : 0,
      deadlineMisses: jobs.filter((j) => !j.deadlineMet).length,
      pauses: jobs.reduce((a, j) => a + j.pauses, 0),
      plannerMsP50: round(median(out.plannerMs), 3),
      plannerMsMax: round(out.plannerMs.reduce((a, b) => Math.max(a, b), 0), 3),
    },
  };
}
