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
 * Scratch memory is reused between calls: no allocation in the loops.
 */

/** Per-site costs for one job, grams, indexed by slot (length ≥ horizon). Infinity = not allowed. */
export interface SiteCosts {
  /** Emissions of running slot t on this site. */
  runG: Float64Array;
  /** Emissions of a resume (or a migration here) whose overhead starts at slot t. */
  resumeG: Float64Array;
}

import { choiceAt, fillFour, fillGeneric, fillThree, fillTwo, type FillShape } from './exact-fill';

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

let valueBuf = new Float64Array(0);
let queuedBuf = new Float64Array(0);
let queuedChoice = new Int16Array(0);

function ensureScratch(cells: number, slots: number): void {
  if (valueBuf.length < cells) {
    valueBuf = new Float64Array(Math.ceil(cells * 1.25));
  }
  if (queuedBuf.length < slots + 1) {
    queuedBuf = new Float64Array((slots + 1) * 2);
    queuedChoice = new Int16Array(queuedBuf.length);
  }
}

function infeasible(T: number): ExactSolution {
  return { feasible: false, costG: Infinity, siteAt: new Int16Array(T).fill(-1), overheadAt: new Uint8Array(T), resumes: 0 };
}

/**
 * Solves one job exactly. Layout: block b ∈ [0, S) holds R_b, block S holds P; cell
 * (b, t, w) lives at ((b·(T+1) + t)·(W+1) + w). Only values are stored; the forward pass
 * recomputes its choices (`choiceAt`).
 * @example one site, runG = [5, 1, 1, 5] (g), W = 2, no overhead, queued → runs slots 1–2, cost 2 g.
 */
export function solveExact(p: ExactProblem): ExactSolution {
  const T = p.horizonSlots;
  const W = p.workSlots;
  const S = p.sites.length;
  if (W <= 0) return { feasible: true, costG: 0, siteAt: new Int16Array(T).fill(-1), overheadAt: new Uint8Array(T), resumes: 0 };
  if (W > T || S === 0) return infeasible(T);
  const stride = W + 1;
  const block = (T + 1) * stride;
  ensureScratch(block * (S + 1), T);
  const k = Math.max(0, Math.floor(p.overheadSlots));
  const runs = p.sites.map((site) => site.runG);
  const resumes = p.sites.map((site) => site.resumeG);
  const shape: FillShape = { T, W, k, S, stride, block };
  if (S === 1) fillValuesOneSite(runs[0]!, resumes[0]!, p.idleG, k, T, W, stride, block);
  else if (S === 2) fillTwo(valueBuf, shape, runs, resumes, p.idleG);
  else if (S === 3) fillThree(valueBuf, shape, runs, resumes, p.idleG);
  else if (S === 4) fillFour(valueBuf, shape, runs, resumes, p.idleG);
  else fillGeneric(valueBuf, shape, runs, resumes, p.idleG);
  const start = p.start;
  let costG: number;
  if (start.phase === 'queued') costG = solveQueued(p, T, W, S, stride, block);
  else if (start.phase === 'running') costG = valueBuf[start.site * block] as number;
  else costG = valueBuf[S * block] as number;
  if (!Number.isFinite(costG)) return infeasible(T);
  return reconstruct(p, shape, costG);
}

/**
 * The same recursion specialised for one site (the common case, and the 5 ms budget):
 * R and P in two flat blocks, no inner loop over sites, no choices stored (`choiceAt`
 * recomputes the few the forward pass needs from the values, with the same arithmetic).
 */
function fillValuesOneSite(runG: Float64Array, resumeG: Float64Array, idle: Float64Array | undefined, k: number, T: number, W: number, stride: number, block: number): void {
  const V = valueBuf;
  const guard = Math.max(k, 1);
  V.fill(Infinity, T * stride, T * stride + W);
  V[T * stride + W] = 0;
  V.fill(Infinity, block + T * stride, block + T * stride + W);
  V[block + T * stride + W] = 0;
  for (let t = T - 1; t >= 0; t--) {
    const wLo = Math.max(0, W - (T - t));
    const wHi = Math.min(W - 1, t);
    const idleT = idle === undefined ? 0 : idle[t]!;
    const c = runG[t]!;
    const r = resumeG[t]!;
    const rRow = t * stride;
    const pRow = block + rRow;
    const rNext = rRow + stride;
    const pNext = pRow + stride;
    const rK = t + k <= T ? (t + k) * stride : -1;
    V[rRow + W] = 0;
    V[pRow + W] = 0;
    for (let g = Math.max(0, wLo - guard); g < wLo; g++) {
      V[rRow + g] = Infinity;
      V[pRow + g] = Infinity;
    }
    if (k === 1) {
      // Descending w: the value a resume reads at w is the one a run reads at w − 1.
      let up = V[rNext + wHi + 1]!;
      for (let w = wHi; w >= wLo; w--) {
        const here = V[rNext + w]!;
        const stay = V[pNext + w]! + idleT;
        const run = c + up;
        const resume = r + here;
        up = here;
        V[pRow + w] = resume <= stay ? resume : stay;
        V[rRow + w] = stay < run ? stay : run;
      }
      continue;
    }
    for (let w = wLo; w <= wHi; w++) {
      const stay = V[pNext + w]! + idleT;
      const run = c + V[rNext + w + 1]!;
      const resume = rK < 0 ? Infinity : r + (k === 0 ? run : V[rK + w]!);
      V[pRow + w] = resume <= stay ? resume : stay;
      V[rRow + w] = stay < run ? stay : run;
    }
  }
}

/** Q(t) = min(Q(t+1), min_s runG_s[t] + R_s(t+1, 1)): a fresh start costs no overhead. */
function solveQueued(p: ExactProblem, T: number, W: number, S: number, stride: number, block: number): number {
  const Q = queuedBuf;
  Q[T] = Infinity;
  for (let t = T - 1; t >= 0; t--) {
    let v = Q[t + 1]!;
    let c = -1;
    if (t + W <= T) {
      for (let s = 0; s < S; s++) {
        const run = p.sites[s]!.runG[t]! + valueBuf[s * block + (t + 1) * stride + 1]!;
        if (run < v || (run === v && c === -1 && run < Infinity)) {
          v = run;
          c = s;
        }
      }
    }
    Q[t] = v;
    queuedChoice[t] = c;
  }
  return Q[0]!;
}

function reconstruct(p: ExactProblem, shape: FillShape, costG: number): ExactSolution {
  const { T, W, S } = shape;
  const runs = p.sites.map((site) => site.runG);
  const resumeGs = p.sites.map((site) => site.resumeG);
  const siteAt = new Int16Array(T).fill(-1);
  const overheadAt = new Uint8Array(T);
  const k = Math.max(0, Math.floor(p.overheadSlots));
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
      const c = queuedChoice[t]!;
      if (c >= 0) {
        siteAt[t++] = c;
        w++;
        mode = c;
      } else t++;
      continue;
    }
    const c = choiceAt(valueBuf, shape, runs, resumeGs, p.idleG, mode, t, w);
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
