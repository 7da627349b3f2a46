/**
 * The fallback for a job over the per-job limit (./limits.ts): the same exact DP on slots
 * f times longer, laid back onto the plan's slots. State-cells shrink by f², so f = 2 already
 * brings a 1-min 7-day job with a 14-day deadline (203 M) under the 64 M limit. Refusing the
 * job would leave it unplanned (and the guard would run it late, at any intensity); a
 * contiguous window would give up pausing. At f× the slot the plan is what `slotMinutes`
 * f× larger would give: close to the fine plan, feasible, never later.
 *
 * Coarse slot t' covers fine slots f·t' … f·t' + f − 1. A coarse resume spends k' = ⌈k/f⌉
 * coarse slots: the fine overhead (k slots, `resumeG`) then running slots without counted
 * progress. Laid back, those slots do count as work, and the runs past W fine work slots are
 * dropped, so the fine plan costs at most the coarse one.
 * @example f = 2, k = 1: a coarse resume at t' = 3 costs resumeG[6] + runG[7]; laid back,
 *   slot 6 is overhead and slot 7 work.
 */
import { solveExact, type ExactProblem, type ExactSolution, type SolveOptions } from './exact';
import { stateCellsOf } from './limits';

/** Smallest slot factor f ≥ 2 that brings the problem within `maxStateCells`. */
export function coarseFactor(p: ExactProblem, maxStateCells: number): number {
  let f = 2;
  while (stateCellsOf(Math.floor(p.horizonSlots / f), Math.ceil(p.workSlots / f), p.sites.length) > maxStateCells) f++;
  return f;
}

/** Sum of f fine values from f·t' (Infinity when any is, or past the end). */
function sumOf(a: Float64Array, from: number, f: number): number {
  let sum = 0;
  for (let j = 0; j < f; j++) sum += a[from + j] ?? Infinity;
  return sum;
}

/** The problem on slots f times longer. */
export function coarsen(p: ExactProblem, f: number): ExactProblem {
  const T = Math.floor(p.horizonSlots / f);
  const k = p.overheadSlots;
  const kC = Math.ceil(k / f);
  const sites = p.sites.map((site) => {
    const runG = new Float64Array(T);
    const resumeG = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      runG[t] = sumOf(site.runG, t * f, f);
      resumeG[t] = (site.resumeG[t * f] ?? Infinity) + sumOf(site.runG, t * f + k, kC * f - k);
    }
    return { runG, resumeG };
  });
  const idle = p.idleG;
  return {
    horizonSlots: T, workSlots: Math.ceil(p.workSlots / f), overheadSlots: kC, sites, start: p.start,
    ...(idle ? { idleG: Float64Array.from({ length: T }, (_, t) => sumOf(idle, t * f, f)) } : {}),
  };
}

/** Lays a coarse solution back onto the fine slots of `p` (see the file comment). */
export function layBack(p: ExactProblem, coarse: ExactSolution, f: number): ExactSolution {
  const T = p.horizonSlots;
  const siteAt = new Int16Array(T).fill(-1);
  const overheadAt = new Uint8Array(T);
  let prev = p.start.phase === 'running' ? p.start.site : -1;
  let started = p.start.phase !== 'queued';
  let overheadEnd = 0;
  let work = 0;
  let costG = 0;
  let resumes = 0;
  for (let tc = 0; tc < coarse.siteAt.length && work < p.workSlots; tc++) {
    const s = coarse.siteAt[tc]!;
    if (s < 0) {
      prev = -1;
      continue;
    }
    if (s !== prev && started) {
      // A resume or a move (a fresh start is free): the fine overhead first.
      resumes++;
      costG += p.sites[s]!.resumeG[tc * f]!;
      overheadEnd = tc * f + p.overheadSlots;
    }
    for (let t = tc * f; t < tc * f + f && work < p.workSlots; t++) {
      siteAt[t] = s;
      if (t < overheadEnd) overheadAt[t] = 1;
      else {
        costG += p.sites[s]!.runG[t]!;
        work++;
      }
    }
    prev = s;
    started = true;
  }
  const feasible = coarse.feasible && work >= p.workSlots && Number.isFinite(costG);
  return { feasible, costG: feasible ? costG : Infinity, siteAt, overheadAt, resumes };
}

/** Solves `p` exactly on slots `f` times longer and lays the plan back onto its slots. */
export function solveCoarse(p: ExactProblem, f: number, options: SolveOptions = {}): ExactSolution {
  return layBack(p, solveExact(coarsen(p, f), options), f);
}
