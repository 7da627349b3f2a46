/**
 * The exact single-job planner (DESIGN §5): a dynamic programme over slots × work done ×
 * {paused, running on site s}. It minimises Σ running-slot emissions + Σ resume overheads
 * (a migration costs what a resume costs) and finishes within `horizonSlots`.
 *
 * Backward recursion, with R_s(t,w) = best cost from slot t having done w work slots while
 * running on site s, and P(t,w) the same while paused:
 *   run_s    = runG_s[t] + R_s(t+1, w+1)
 *   resume_s = resumeG_s[t] + R_s(t+k, w)          (k = overhead slots; k = 0: + run_s)
 *   P(t,w)   = min(P(t+1,w) + idleG[t], min_s resume_s)
 *   R_s(t,w) = min(run_s, P(t+1,w) + idleG[t], min_{s'≠s} resume_s')
 * with R = P = 0 once w = W. Only the band W−(T−t) ≤ w ≤ t is feasible, so a 7-day plan
 * at 5-min slots for 24 h of work (T = 2016, W = 288) visits about 0.5 M cells per state.
 * Scratch memory belongs to the caller's `ExactScratch` (one per `plan()` call, released
 * when it returns) and is reused between the jobs of that call: no allocation in the loops.
 * Large jobs keep a window of rows with checkpoints instead of the full table (./exact-table.ts).
 */

/** Per-site costs for one job, grams, indexed by slot (length ≥ horizon). Infinity = not allowed. */
export interface SiteCosts {
  /** Emissions of running slot t on this site. */
  runG: Float64Array;
  /** Emissions of a resume (or a migration here) whose overhead starts at slot t. */
  resumeG: Float64Array;
}

import { choiceAt } from './exact-fill';
import { ExactScratch } from './exact-scratch';
import { checkJobLimit, type JobLimit } from './limits';
import { buildTable, type DpInputs, type TableLayout, type ValueTable } from './exact-table';

export type ExactStart = { phase: 'queued' } | { phase: 'running'; site: number } | { phase: 'paused' };

export interface ExactProblem {
  /** T: usable slots from now to the deadline minus the margin. */
  horizonSlots: number;
  /** W: slots of useful work still needed. */
  workSlots: number;
  /** k: slots a resume or migration spends before useful work (0 = cost only, no time). */
  overheadSlots: number;
  sites: readonly SiteCosts[];
  /** Emissions of one paused slot (suspend mode keeps drawing power); absent = 0. */
  idleG?: Float64Array;
  start: ExactStart;
}

export interface ExactSolution {
  feasible: boolean;
  /** Total emissions of the plan, g, overheads included. */
  costG: number;
  /** Per slot: the site index running (work or overhead), or −1 when idle. */
  siteAt: Int16Array;
  /** Per slot: 1 where the slot is resume/migration overhead. */
  overheadAt: Uint8Array;
  resumes: number;
}

function infeasible(T: number): ExactSolution {
  return { feasible: false, costG: Infinity, siteAt: new Int16Array(T).fill(-1), overheadAt: new Uint8Array(T), resumes: 0 };
}

/** How to solve: the scratch to fill (one per `plan()` call; default a fresh one released on return). */
export interface SolveOptions {
  scratch?: ExactScratch;
  /** Value layout; default `auto` (tests force `window` on small problems). */
  layout?: TableLayout;
  /** Refuse (`PlanLimitError`) a problem over this many state-cells; absent = no limit. */
  limit?: JobLimit;
}

/**
 * Solves one job exactly. The values live in a full table or, for large jobs, a window with
 * checkpoints (./exact-table.ts); both give the same plan. Only values are stored; the
 * forward pass recomputes its choices (`choiceAt`).
 * @example one site, runG = [5, 1, 1, 5] (g), W = 2, no overhead, queued → runs slots 1–2, cost 2 g.
 */
export function solveExact(p: ExactProblem, options: SolveOptions = {}): ExactSolution {
  const T = p.horizonSlots;
  const W = p.workSlots;
  const S = p.sites.length;
  if (W <= 0) return { feasible: true, costG: 0, siteAt: new Int16Array(T).fill(-1), overheadAt: new Uint8Array(T), resumes: 0 };
  if (W > T || S === 0) return infeasible(T);
  checkJobLimit(options.limit, T, W, S);
  if (cannotFinish(p)) return infeasible(T);
  const scratch = options.scratch ?? new ExactScratch();
  try {
    return solveWith(p, scratch, options.layout);
  } finally {
    if (options.scratch === undefined) scratch.release();
  }
}

/**
 * True when fewer than W slots before the horizon let some site run the job (runG not
 * Infinity): each work slot needs one, so the DP's value would be Infinity whatever it
 * computed. Most jobs planned behind a full queue are such (issue 14: 13,800 of 20,000
 * solves when 10,000 jobs are re-planned on 8 sites, three quarters of the DP's cells).
 */
export function cannotFinish(p: ExactProblem): boolean {
  const W = p.workSlots;
  const runs = p.sites.map((site) => site.runG);
  let runnable = 0;
  for (let t = 0; t < p.horizonSlots && runnable < W; t++) {
    if (someRunsAt(runs, t)) runnable++;
  }
  return runnable < W;
}

/**
 * True when some site can run slot t (its runG is finite). Plain loops here and in `hasOdd`:
 * a `some` callback per slot was a closure per slot and job, and a typed array's `some` boxes
 * each value it passes (issue 13: one `plan()` of the burst's 1,000 queued jobs allocated
 * 25 MB, 21 MB of it there; 4.7 MB now).
 */
function someRunsAt(runs: readonly Float64Array[], t: number): boolean {
  for (let s = 0; s < runs.length; s++) if (runs[s]![t] !== Infinity) return true;
  return false;
}

/**
 * Runnable slots before each slot t = 0 … T (a scratch buffer), which narrow the DP's band to
 * the cells a plan can reach and finish from (./exact-fill.ts): behind a full queue a job's
 * first slots are taken, and its cells there were half the work of 10,000 jobs re-planned.
 * The cells left out hold Infinity or are only ever added to Infinity, so the values the
 * plan reads are the same. Not with NaN or −Infinity costs, whose sums that would change.
 */
function runnableBefore(dp: DpInputs, scratch: ExactScratch): Float64Array | undefined {
  if (dp.runs.some((a) => hasOdd(a, dp.T)) || dp.resumes.some((a) => hasOdd(a, dp.T)) || hasOdd(dp.idle, dp.T)) return undefined;
  const before = scratch.float64('runnable', dp.T + 1);
  before[0] = 0;
  for (let t = 0; t < dp.T; t++) before[t + 1] = before[t]! + (someRunsAt(dp.runs, t) ? 1 : 0);
  return before;
}

/** True when one of the first T values of `a` is NaN or −Infinity (see `someRunsAt` for why a loop). */
function hasOdd(a: Float64Array | undefined, T: number): boolean {
  if (a === undefined) return false;
  const n = Math.min(T, a.length);
  for (let t = 0; t < n; t++) {
    const g = a[t]!;
    if (g !== g || g === -Infinity) return true;
  }
  return false;
}

function solveWith(p: ExactProblem, scratch: ExactScratch, layout: TableLayout = 'auto'): ExactSolution {
  const T = p.horizonSlots;
  const dp: DpInputs = {
    T, W: p.workSlots, k: Math.max(0, Math.floor(p.overheadSlots)),
    runs: p.sites.map((site) => site.runG), resumes: p.sites.map((site) => site.resumeG), idle: p.idleG,
  };
  const runnable = runnableBefore(dp, scratch);
  if (runnable !== undefined) dp.runnable = runnable;
  const queued = p.start.phase === 'queued' ? new QueuedStart(T, scratch) : undefined;
  const table = buildTable(dp, scratch, (tbl, tLo, tHi) => queued?.fill(dp, tbl, tLo, tHi), layout);
  const start = p.start;
  const { S, block } = table.shape;
  let costG: number;
  if (queued) costG = queued.value[0]!;
  else if (start.phase === 'running') costG = table.V[start.site * block] as number;
  else costG = table.V[S * block] as number;
  if (!Number.isFinite(costG)) return infeasible(T);
  return reconstruct(p, dp, table, queued, costG);
}

/**
 * Q(t) = min(Q(t+1), min_s runG_s[t] + R_s(t+1, 1)): a fresh start costs no overhead. Its
 * two rows are scratch buffers, read only during this solve: every queued job of a burst
 * allocated two arrays of T + 1 here (issue 13), now the call's jobs share them.
 */
class QueuedStart {
  readonly value: Float64Array;
  /** Site started at slot t, −1 = wait (slots 0 … T − 1 are all written by `fill`). */
  readonly choice: Float64Array;
  constructor(T: number, scratch: ExactScratch) {
    this.value = scratch.float64('queued-value', T + 1);
    this.value[T] = Infinity;
    this.choice = scratch.float64('queued-choice', T + 1);
  }

  /** Slots [tLo, tHi), descending: reads row t + 1, which the table holds while it fills them. */
  fill(dp: DpInputs, table: ValueTable, tLo: number, tHi: number): void {
    const { stride, block, S } = table.shape;
    const base = table.shape.base ?? 0;
    for (let t = tHi - 1; t >= tLo; t--) {
      let v = this.value[t + 1]!;
      let c = -1;
      if (t + dp.W <= dp.T) {
        for (let s = 0; s < S; s++) {
          const run = dp.runs[s]![t]! + table.V[s * block + (t + 1 - base) * stride + 1]!;
          if (run < v || (run === v && c === -1 && run < Infinity)) {
            v = run;
            c = s;
          }
        }
      }
      this.value[t] = v;
      this.choice[t] = c;
    }
  }
}

/** The forward pass: from the start, the choice at each visited slot, recomputed from the values. */
function reconstruct(p: ExactProblem, dp: DpInputs, table: ValueTable, queued: QueuedStart | undefined, costG: number): ExactSolution {
  const { T, W, S } = table.shape;
  const siteAt = new Int16Array(T).fill(-1);
  const overheadAt = new Uint8Array(T);
  const k = dp.k;
  let mode = p.start.phase === 'queued' ? -2 : p.start.phase === 'running' ? p.start.site : S; // −2 queued, S paused
  let t = 0;
  let w = 0;
  let resumes = 0;
  const enter = (site: number): void => {
    resumes++;
    for (let i = 0; i < k; i++) {
      siteAt[t + i] = site;
      overheadAt[t + i] = 1;
    }
    t += k;
    mode = site;
    if (k === 0) {
      siteAt[t++] = site;
      w++;
    }
  };
  while (w < W && t < T) {
    if (mode === -2) {
      const c = queued!.choice[t]!;
      if (c >= 0) {
        siteAt[t++] = c;
        w++;
        mode = c;
      } else t++;
      continue;
    }
    table.rowsFor(t);
    const c = choiceAt(table.V, table.shape, dp.runs, dp.resumes, dp.idle, mode, t, w);
    if (mode === S) {
      if (c === 0) t++;
      else enter(c - 1);
    } else if (c === 0) {
      siteAt[t++] = mode;
      w++;
    } else if (c === 1) {
      mode = S;
      t++;
    } else enter(c - 2);
  }
  return { feasible: true, costG, siteAt, overheadAt, resumes };
}
