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
let choiceBuf = new Uint8Array(0);
let queuedBuf = new Float64Array(0);
let queuedChoice = new Int16Array(0);

function ensureScratch(cells: number, slots: number): void {
  if (valueBuf.length < cells) {
    valueBuf = new Float64Array(Math.ceil(cells * 1.25));
    choiceBuf = new Uint8Array(valueBuf.length);
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
 * (b, t, w) lives at ((b·(T+1) + t)·(W+1) + w). Choices: R: 0 run, 1 pause, 2+s' migrate;
 * P: 0 stay, 1+s resume on s.
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
  if (S === 1) fillValuesOneSite(runs[0]!, resumes[0]!, p.idleG, k, T, W, stride, block);
  else if (S === 2) fillValuesTwoSites(runs, resumes, p.idleG, k, T, W, stride, block);
  else fillValues(runs, resumes, p.idleG, k, T, W, S, stride, block);
  const start = p.start;
  let costG: number;
  if (start.phase === 'queued') costG = solveQueued(p, T, W, S, stride, block);
  else if (start.phase === 'running') costG = valueBuf[start.site * block] as number;
  else costG = valueBuf[S * block] as number;
  if (!Number.isFinite(costG)) return infeasible(T);
  return reconstruct(p, T, W, S, stride, block, costG);
}

/** Plain arguments (no object property reads inside): keeps V8 from deoptimising the hot loop. */
function fillValues(runs: readonly Float64Array[], resumes: readonly Float64Array[], idle: Float64Array | undefined, k: number, T: number, W: number, S: number, stride: number, block: number): void {
  const V = valueBuf;
  const C = choiceBuf;
  const guard = Math.max(k, 1);
  const pBase = S * block;
  const runT = new Float64Array(S);
  const resT = new Float64Array(S);
  const nowRow = new Int32Array(S);
  const nextRow = new Int32Array(S);
  const afterRow = new Int32Array(S);
  for (let b = 0; b <= S; b++) {
    const row = b * block + T * stride;
    V.fill(Infinity, row, row + W);
    V[row + W] = 0;
  }
  for (let t = T - 1; t >= 0; t--) {
    const wLo = Math.max(0, W - (T - t));
    const wHi = Math.min(W - 1, t);
    const idleT = idle === undefined ? 0 : idle[t]!;
    for (let b = 0; b <= S; b++) {
      const row = b * block + t * stride;
      V[row + W] = 0;
      for (let g = Math.max(0, wLo - guard); g < wLo; g++) V[row + g] = Infinity;
    }
    const canResume = t + k <= T;
    for (let s = 0; s < S; s++) {
      runT[s] = runs[s]![t]!;
      resT[s] = canResume ? resumes[s]![t]! : Infinity;
      nowRow[s] = s * block + t * stride;
      nextRow[s] = s * block + (t + 1) * stride + 1;
      afterRow[s] = canResume ? s * block + (t + k) * stride : 0;
    }
    const nowP = pBase + t * stride;
    const nextP = nowP + stride;
    for (let w = wLo; w <= wHi; w++) {
      const stay = V[nextP + w]! + idleT;
      let best = Infinity;
      let bestS = -1;
      let second = Infinity;
      let secondS = -1;
      for (let s = 0; s < S; s++) {
        const run = runT[s]! + V[nextRow[s]! + w]!;
        const v = resT[s]! + (k === 0 ? run : V[afterRow[s]! + w]!);
        const isBest = v < best;
        const isSecond = !isBest && v < second;
        second = isBest ? best : isSecond ? v : second;
        secondS = isBest ? bestS : isSecond ? s : secondS;
        best = isBest ? v : best;
        bestS = isBest ? s : bestS;
      }
      V[nowP + w] = best <= stay ? best : stay;
      C[nowP + w] = best <= stay ? 1 + bestS : 0;
      for (let s = 0; s < S; s++) {
        const mine = bestS === s;
        const mig = mine ? second : best;
        const migS = mine ? secondS : bestS;
        let v = runT[s]! + V[nextRow[s]! + w]!;
        let c = 0;
        c = mig < v ? 2 + migS : c;
        v = mig < v ? mig : v;
        c = stay < v ? 1 : c;
        v = stay < v ? stay : v;
        V[nowRow[s]! + w] = v;
        C[nowRow[s]! + w] = c;
      }
    }
  }
}

/** The recursion for exactly two sites in one loop over w with scalar locals (the common multi-site case). */
function fillValuesTwoSites(runs: readonly Float64Array[], resumes: readonly Float64Array[], idle: Float64Array | undefined, k: number, T: number, W: number, stride: number, block: number): void {
  const V = valueBuf;
  const C = choiceBuf;
  const guard = Math.max(k, 1);
  const run0G = runs[0]!;
  const run1G = runs[1]!;
  const res0G = resumes[0]!;
  const res1G = resumes[1]!;
  const pBase = 2 * block;
  for (let b = 0; b <= 2; b++) {
    const row = b * block + T * stride;
    V.fill(Infinity, row, row + W);
    V[row + W] = 0;
  }
  for (let t = T - 1; t >= 0; t--) {
    const wLo = Math.max(0, W - (T - t));
    const wHi = Math.min(W - 1, t);
    const idleT = idle === undefined ? 0 : idle[t]!;
    for (let b = 0; b <= 2; b++) {
      const row = b * block + t * stride;
      V[row + W] = 0;
      for (let g = Math.max(0, wLo - guard); g < wLo; g++) V[row + g] = Infinity;
    }
    const canResume = t + k <= T;
    const c0 = run0G[t]!;
    const c1 = run1G[t]!;
    const r0 = canResume ? res0G[t]! : Infinity;
    const r1 = canResume ? res1G[t]! : Infinity;
    const now0 = t * stride;
    const now1 = block + now0;
    const nowP = pBase + now0;
    const next0 = now0 + stride + 1;
    const next1 = now1 + stride + 1;
    const nextP = nowP + stride;
    const after0 = canResume ? (t + k) * stride : 0;
    const after1 = after0 + block;
    for (let w = wLo; w <= wHi; w++) {
      const stay = V[nextP + w]! + idleT;
      const run0 = c0 + V[next0 + w]!;
      const run1 = c1 + V[next1 + w]!;
      const res0 = r0 + (k === 0 ? run0 : V[after0 + w]!);
      const res1 = r1 + (k === 0 ? run1 : V[after1 + w]!);
      const one = res1 < res0;
      const best = one ? res1 : res0;
      V[nowP + w] = best <= stay ? best : stay;
      C[nowP + w] = best <= stay ? (one ? 2 : 1) : 0;
      let v = run0;
      let c = 0;
      c = res1 < v ? 3 : c;
      v = res1 < v ? res1 : v;
      c = stay < v ? 1 : c;
      v = stay < v ? stay : v;
      V[now0 + w] = v;
      C[now0 + w] = c;
      v = run1;
      c = 0;
      c = res0 < v ? 2 : c;
      v = res0 < v ? res0 : v;
      c = stay < v ? 1 : c;
      v = stay < v ? stay : v;
      V[now1 + w] = v;
      C[now1 + w] = c;
    }
  }
}

/**
 * The same recursion specialised for one site (the common case, and the 5 ms budget):
 * R and P in two flat blocks, no inner loop over sites, no choices stored (`choiceOneSite`
 * recomputes the few it needs from the values, with the same arithmetic).
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

/** The choice the one-site recursion made at (mode, t, w): R: 0 run, 1 pause; P: 0 stay, 1 resume. */
function choiceOneSite(p: ExactProblem, paused: boolean, t: number, w: number, T: number, stride: number, block: number): number {
  const V = valueBuf;
  const k = Math.max(0, Math.floor(p.overheadSlots));
  const stay = V[block + (t + 1) * stride + w]! + (p.idleG === undefined ? 0 : p.idleG[t]!);
  const run = p.sites[0]!.runG[t]! + V[(t + 1) * stride + w + 1]!;
  if (!paused) return stay < run ? 1 : 0;
  const resume = t + k <= T ? p.sites[0]!.resumeG[t]! + (k === 0 ? run : V[(t + k) * stride + w]!) : Infinity;
  return resume <= stay ? 1 : 0;
}

function reconstruct(p: ExactProblem, T: number, W: number, S: number, stride: number, block: number, costG: number): ExactSolution {
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
    const c = S === 1 ? choiceOneSite(p, mode === S, t, w, T, stride, block) : choiceBuf[mode * block + t * stride + w]!;
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
