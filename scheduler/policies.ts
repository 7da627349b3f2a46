/**
 * The four policies, on one code path (DESIGN §5): each turns a job's costed problem into a
 * per-slot schedule in the same form, so capacity, the guard, decisions and reasons are
 * shared. `carbond` is the exact planner; the others are the comparisons of the benchmark.
 */
import { solveExact, type ExactProblem, type ExactSolution, type SolveOptions } from './exact';
import type { PolicyName } from './types';

/** Default percentile for `threshold`: run when the signal is in the cleanest 30 %. */
export const DEFAULT_THRESHOLD_PERCENTILE = 30;

/** What a policy sees: the costed problem plus the site it would stay on. */
export interface PolicyProblem extends ExactProblem {
  /** Site index the simple policies use (current site, else home, else the first allowed). */
  preferredSite: number;
  /** Intensity per slot on the preferred site, g/kWh (for `threshold`). */
  intensityGPerKWh: Float64Array;
  thresholdPercentile?: number;
}

/** Runs `p` with the named policy (`options` reach the exact planner: scratch, per-job limit). */
export function schedule(policy: PolicyName, p: PolicyProblem, options: SolveOptions = {}): ExactSolution {
  switch (policy) {
    case 'carbond':
      return solveExact(p, options);
    case 'baseline':
      return runNow(p, p.preferredSite);
    case 'window':
      return p.start.phase === 'queued' ? bestWindow(p) : runNow(p, p.start.phase === 'running' ? p.start.site : p.preferredSite);
    case 'threshold':
      return belowThreshold(p);
  }
}

function emptySolution(T: number): ExactSolution {
  return { feasible: true, costG: 0, siteAt: new Int16Array(T).fill(-1), overheadAt: new Uint8Array(T), resumes: 0 };
}

/** Fills `sol` with a run on `site` from slot `from`: overhead first when `resume`, then work. */
function layRun(p: ExactProblem, sol: ExactSolution, site: number, from: number, work: number, resume: boolean): number {
  const costs = p.sites[site]!;
  let t = from;
  if (resume) {
    sol.costG += costs.resumeG[t] ?? Infinity;
    sol.resumes++;
    for (let i = 0; i < p.overheadSlots; i++, t++) {
      sol.siteAt[t] = site;
      sol.overheadAt[t] = 1;
    }
  }
  for (let i = 0; i < work && t < p.horizonSlots; i++, t++) {
    sol.siteAt[t] = site;
    sol.costG += costs.runG[t]!;
  }
  return t;
}

/**
 * Runs from the first slot the site can take the job, without a pause (the baseline, and
 * what the deadline guard and fail-open do). Cost Infinity when it cannot finish in time.
 */
export function runNow(p: ExactProblem, site: number): ExactSolution {
  const sol = emptySolution(p.horizonSlots);
  const resume = p.start.phase === 'paused' || (p.start.phase === 'running' && p.start.site !== site);
  let from = 0;
  while (from < p.horizonSlots && !Number.isFinite((resume ? p.sites[site]!.resumeG : p.sites[site]!.runG)[from]!)) from++;
  const end = layRun(p, sol, site, from, p.workSlots, resume);
  sol.feasible = end - from >= p.workSlots + (resume ? p.overheadSlots : 0) && Number.isFinite(sol.costG);
  if (!sol.feasible) sol.costG = Infinity;
  return sol;
}

/** Best contiguous start on any allowed site (CATS / Carbon Aware SDK style); ties go to the earliest. */
function bestWindow(p: ExactProblem): ExactSolution {
  const T = p.horizonSlots;
  const W = p.workSlots;
  let best = Infinity;
  let bestSite = -1;
  let bestStart = 0;
  p.sites.forEach((site, s) => {
    let sum = 0;
    for (let t = 0; t < T; t++) {
      sum += site.runG[t]!;
      if (t >= W) sum -= site.runG[t - W]!;
      if (t >= W - 1 && sum < best - 1e-9) {
        best = sum;
        bestSite = s;
        bestStart = t - W + 1;
      }
    }
  });
  if (bestSite < 0) return { ...emptySolution(T), feasible: false, costG: Infinity };
  const sol = emptySolution(T);
  layRun(p, sol, bestSite, bestStart, W, false);
  return sol;
}

/**
 * Runs on the preferred site whenever the intensity is at or below the percentile of the
 * slots before the deadline, and whenever the remaining work would otherwise no longer fit.
 * @example percentile 30 of [100, 200, 300, 400] is 190 g/kWh (linear interpolation).
 */
function belowThreshold(p: PolicyProblem): ExactSolution {
  const T = p.horizonSlots;
  const site = p.preferredSite;
  const threshold = percentile(p.intensityGPerKWh.subarray(0, T), p.thresholdPercentile ?? DEFAULT_THRESHOLD_PERCENTILE);
  const sol = emptySolution(T);
  let running = p.start.phase === 'running' && p.start.site === site;
  let started = p.start.phase !== 'queued';
  let left = p.workSlots;
  for (let t = 0; t < T && left > 0; t++) {
    const needResume = started && !running;
    const mustRun = T - t <= left + (needResume ? p.overheadSlots : 0);
    if (!mustRun && p.intensityGPerKWh[t]! > threshold) {
      running = false;
      continue;
    }
    if (needResume) {
      t = layRun(p, sol, site, t, 0, true);
      if (t >= T) break;
    }
    sol.siteAt[t] = site;
    sol.costG += p.sites[site]!.runG[t]!;
    running = true;
    started = true;
    left--;
  }
  if (left > 0) {
    sol.feasible = false;
    sol.costG = Infinity;
  }
  return sol;
}

/** Percentile (0–100) by linear interpolation between order statistics. */
export function percentile(values: ArrayLike<number>, pct: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const pos = (Math.min(100, Math.max(0, pct)) / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
