/**
 * The backward recursion of `solveExact` for several sites (see `exact.ts` for the
 * formulas), as loops over plain arguments and scalar locals: one per site count 2, 3 and 4
 * (each cell costs about what a one-site cell costs per state), and a generic one beyond.
 * No choices are stored: `choiceAt` recomputes the few the forward pass needs from the
 * values with the same arithmetic, so the cells written are only the values.
 *
 * Layout: block b ∈ [0, S) holds R_b, block S holds P; cell (b, t, w) lives at
 * b·block + (t − base)·stride + w, with stride = W + 1. A full table holds every row
 * (base 0, block = (T + 1)·stride); a window (./exact-table.ts) holds rows base … base +
 * block/stride − 1 only. Each loop fills rows [tLo, tHi) from the rows above them, which
 * the caller has in place (row T is set by the loop itself when tHi = T).
 *
 * A value that is Infinity on some rows or cells is written `let r = Infinity; if (c) r = …`,
 * not `c ? … : Infinity`: with the conditional expression V8 (Node 20) boxed the loaded
 * double into a fresh heap number each time (issue 14: one per row and site in the 2–4-site
 * loops, one per cell in `fillOne` with k ≠ 1, ~30 MB of garbage per window fill of a 7-day
 * job on one site with 2 overhead slots, and twice the time). Same values, no garbage.
 */

/** The shape shared by every loop: T slots, W work slots, k overhead slots, S sites. */
export interface FillShape {
  T: number;
  W: number;
  k: number;
  S: number;
  stride: number;
  block: number;
  /** First row held in the buffer (0 for a full table). */
  base?: number;
  /**
   * Runnable slots (some site's runG finite) before slot t, for t = 0 … T: narrows row t to
   * the cells a plan can reach (w ≤ runnable before t) and still finish from (W − w ≤
   * runnable from t on). Absent: every slot counts, the band W − (T − t) ≤ w ≤ t.
   */
  runnable?: Float64Array;
}

/** Lowest w computed in row t: below it no plan can finish (the value is Infinity). */
function bandLo(f: FillShape, t: number): number {
  const P = f.runnable;
  return Math.max(0, f.W - (P === undefined ? f.T - t : P[f.T]! - P[t]!));
}

/** Highest w computed in row t (w = W is done): above it no plan from the start arrives. */
function bandHi(f: FillShape, t: number): number {
  return Math.min(f.W - 1, f.runnable === undefined ? t : f.runnable[t]!);
}

/** Offset of row t in block 0. */
function rowOf(f: FillShape, t: number): number {
  return (t - (f.base ?? 0)) * f.stride;
}

/** Sets row T of every block (done = 0, unfinished = ∞). */
function initLastRow(V: Float64Array, f: FillShape, tHi: number): void {
  if (tHi !== f.T) return;
  for (let b = 0; b <= f.S; b++) {
    const row = b * f.block + rowOf(f, f.T);
    V.fill(Infinity, row, row + f.W);
    V[row + f.W] = 0;
  }
}

/**
 * Row t of every block: w = W is done; the cells just below the band read as infeasible (the
 * rows above read down to k cells below theirs), and so does w = 1 below it (a queued start
 * reads it, ./exact.ts). The cell just above the band is read only by runs from a slot no
 * site can run (Infinity + it): Infinity there keeps stale scratch values out of the sums.
 */
function initRow(V: Float64Array, f: FillShape, t: number, wLo: number, wHi: number): void {
  const guard = Math.max(f.k, 1);
  for (let b = 0; b <= f.S; b++) {
    const row = b * f.block + rowOf(f, t);
    V[row + f.W] = 0;
    for (let g = Math.max(0, wLo - guard); g < wLo; g++) V[row + g] = Infinity;
    if (wLo > 1 && f.W > 1) V[row + 1] = Infinity;
    if (wHi + 1 < f.W) V[row + wHi + 1] = Infinity;
  }
}

/** Any number of sites (S ≥ 5 in practice): best and second-best resume per cell. */
export function fillGeneric(V: Float64Array, f: FillShape, runs: readonly Float64Array[], resumes: readonly Float64Array[], idle: Float64Array | undefined, tLo = 0, tHi = f.T): void {
  const { T, k, S, stride, block } = f;
  const runT = new Float64Array(S);
  const resT = new Float64Array(S);
  const nextRow = new Int32Array(S);
  const afterRow = new Int32Array(S);
  initLastRow(V, f, tHi);
  for (let t = tHi - 1; t >= tLo; t--) {
    const wLo = bandLo(f, t);
    const wHi = bandHi(f, t);
    const idleT = idle === undefined ? 0 : idle[t]!;
    initRow(V, f, t, wLo, wHi);
    const canResume = t + k <= T;
    for (let s = 0; s < S; s++) {
      runT[s] = runs[s]![t]!;
      resT[s] = canResume ? resumes[s]![t]! : Infinity;
      nextRow[s] = s * block + rowOf(f, t + 1) + 1;
      afterRow[s] = canResume ? s * block + rowOf(f, t + k) : 0;
    }
    const nowP = S * block + rowOf(f, t);
    for (let w = wLo; w <= wHi; w++) {
      const stay = V[nowP + stride + w]! + idleT;
      let best = Infinity;
      let bestS = -1;
      let second = Infinity;
      for (let s = 0; s < S; s++) {
        const v = resT[s]! + (k === 0 ? runT[s]! + V[nextRow[s]! + w]! : V[afterRow[s]! + w]!);
        if (v < best) {
          second = best;
          best = v;
          bestS = s;
        } else if (v < second) second = v;
      }
      V[nowP + w] = best <= stay ? best : stay;
      for (let s = 0; s < S; s++) {
        const mig = bestS === s ? second : best;
        const run = runT[s]! + V[nextRow[s]! + w]!;
        const v = mig < run ? mig : run;
        V[nowP - (S - s) * block + w] = stay < v ? stay : v;
      }
    }
  }
}

/** Two sites: R_0 = min(run_0, resume_1, stay), R_1 = min(run_1, resume_0, stay), P = min(resume_0, resume_1, stay). */
export function fillTwo(V: Float64Array, f: FillShape, runs: readonly Float64Array[], resumes: readonly Float64Array[], idle: Float64Array | undefined, tLo = 0, tHi = f.T): void {
  const { T, k, stride, block } = f;
  const run0G = runs[0]!;
  const run1G = runs[1]!;
  const res0G = resumes[0]!;
  const res1G = resumes[1]!;
  initLastRow(V, f, tHi);
  for (let t = tHi - 1; t >= tLo; t--) {
    const wLo = bandLo(f, t);
    const wHi = bandHi(f, t);
    const idleT = idle === undefined ? 0 : idle[t]!;
    initRow(V, f, t, wLo, wHi);
    const canResume = t + k <= T;
    const c0 = run0G[t]!;
    const c1 = run1G[t]!;
    let r0 = Infinity, r1 = Infinity;
    if (canResume) {
      r0 = res0G[t]!;
      r1 = res1G[t]!;
    }
    const now0 = rowOf(f, t);
    const now1 = block + now0;
    const nowP = 2 * block + now0;
    const next0 = now0 + stride + 1;
    const next1 = now1 + stride + 1;
    const nextP = nowP + stride;
    const after0 = canResume ? rowOf(f, t + k) : 0;
    const after1 = after0 + block;
    if (k === 1) {
      // Descending w: the value read for a resume at w is the one a run reads at w − 1.
      let up0 = V[next0 + wHi]!;
      let up1 = V[next1 + wHi]!;
      for (let w = wHi; w >= wLo; w--) {
        const here0 = V[next0 - 1 + w]!;
        const here1 = V[next1 - 1 + w]!;
        const stay = V[nextP + w]! + idleT;
        const run0 = c0 + up0;
        const run1 = c1 + up1;
        const res0 = r0 + here0;
        const res1 = r1 + here1;
        up0 = here0;
        up1 = here1;
        const best = res1 < res0 ? res1 : res0;
        V[nowP + w] = best < stay ? best : stay;
        const v0 = res1 < run0 ? res1 : run0;
        V[now0 + w] = stay < v0 ? stay : v0;
        const v1 = res0 < run1 ? res0 : run1;
        V[now1 + w] = stay < v1 ? stay : v1;
      }
      continue;
    }
    for (let w = wLo; w <= wHi; w++) {
      const stay = V[nextP + w]! + idleT;
      const run0 = c0 + V[next0 + w]!;
      const run1 = c1 + V[next1 + w]!;
      const res0 = r0 + (k === 0 ? run0 : V[after0 + w]!);
      const res1 = r1 + (k === 0 ? run1 : V[after1 + w]!);
      const best = res1 < res0 ? res1 : res0;
      V[nowP + w] = best < stay ? best : stay;
      const v0 = res1 < run0 ? res1 : run0;
      V[now0 + w] = stay < v0 ? stay : v0;
      const v1 = res0 < run1 ? res0 : run1;
      V[now1 + w] = stay < v1 ? stay : v1;
    }
  }
}

/** Three sites: each R_s takes the best resume on the two others. */
export function fillThree(V: Float64Array, f: FillShape, runs: readonly Float64Array[], resumes: readonly Float64Array[], idle: Float64Array | undefined, tLo = 0, tHi = f.T): void {
  const { T, k, stride, block } = f;
  initLastRow(V, f, tHi);
  for (let t = tHi - 1; t >= tLo; t--) {
    const wLo = bandLo(f, t);
    const wHi = bandHi(f, t);
    const idleT = idle === undefined ? 0 : idle[t]!;
    initRow(V, f, t, wLo, wHi);
    const canResume = t + k <= T;
    const c0 = runs[0]![t]!;
    const c1 = runs[1]![t]!;
    const c2 = runs[2]![t]!;
    let r0 = Infinity, r1 = Infinity, r2 = Infinity;
    if (canResume) {
      r0 = resumes[0]![t]!;
      r1 = resumes[1]![t]!;
      r2 = resumes[2]![t]!;
    }
    const now0 = rowOf(f, t);
    const now1 = block + now0;
    const now2 = 2 * block + now0;
    const nowP = 3 * block + now0;
    const after0 = canResume ? rowOf(f, t + k) : 0;
    if (k === 1) {
      fillRowThreeK1(V, now0, block, stride, wLo, wHi, idleT, c0, c1, c2, r0, r1, r2);
      continue;
    }
    for (let w = wLo; w <= wHi; w++) {
      const stay = V[nowP + stride + w]! + idleT;
      const run0 = c0 + V[now0 + stride + 1 + w]!;
      const run1 = c1 + V[now1 + stride + 1 + w]!;
      const run2 = c2 + V[now2 + stride + 1 + w]!;
      const res0 = r0 + (k === 0 ? run0 : V[after0 + w]!);
      const res1 = r1 + (k === 0 ? run1 : V[after0 + block + w]!);
      const res2 = r2 + (k === 0 ? run2 : V[after0 + 2 * block + w]!);
      const m12 = res2 < res1 ? res2 : res1;
      const m02 = res2 < res0 ? res2 : res0;
      const m01 = res1 < res0 ? res1 : res0;
      const best = res2 < m01 ? res2 : m01;
      V[nowP + w] = best < stay ? best : stay;
      const v0 = m12 < run0 ? m12 : run0;
      V[now0 + w] = stay < v0 ? stay : v0;
      const v1 = m02 < run1 ? m02 : run1;
      V[now1 + w] = stay < v1 ? stay : v1;
      const v2 = m01 < run2 ? m01 : run2;
      V[now2 + w] = stay < v2 ? stay : v2;
    }
  }
}

/** One row of `fillThree` for k = 1, w descending: each value of row t + 1 is read once. */
function fillRowThreeK1(V: Float64Array, now0: number, block: number, stride: number, wLo: number, wHi: number, idleT: number, c0: number, c1: number, c2: number, r0: number, r1: number, r2: number): void {
  const n0 = now0 + stride;
  const n1 = n0 + block;
  const n2 = n1 + block;
  let up0 = V[n0 + wHi + 1]!;
  let up1 = V[n1 + wHi + 1]!;
  let up2 = V[n2 + wHi + 1]!;
  for (let w = wHi; w >= wLo; w--) {
    const here0 = V[n0 + w]!;
    const here1 = V[n1 + w]!;
    const here2 = V[n2 + w]!;
    const stay = V[n2 + block + w]! + idleT;
    const run0 = c0 + up0;
    const run1 = c1 + up1;
    const run2 = c2 + up2;
    const res0 = r0 + here0;
    const res1 = r1 + here1;
    const res2 = r2 + here2;
    up0 = here0;
    up1 = here1;
    up2 = here2;
    const m12 = res2 < res1 ? res2 : res1;
    const m02 = res2 < res0 ? res2 : res0;
    const m01 = res1 < res0 ? res1 : res0;
    const best = res2 < m01 ? res2 : m01;
    V[now0 + 3 * block + w] = best < stay ? best : stay;
    const v0 = m12 < run0 ? m12 : run0;
    V[now0 + w] = stay < v0 ? stay : v0;
    const v1 = m02 < run1 ? m02 : run1;
    V[now0 + block + w] = stay < v1 ? stay : v1;
    const v2 = m01 < run2 ? m01 : run2;
    V[now0 + 2 * block + w] = stay < v2 ? stay : v2;
  }
}

/** Four sites: the best resume excluding s from two pair minima (m01, m23). */
export function fillFour(V: Float64Array, f: FillShape, runs: readonly Float64Array[], resumes: readonly Float64Array[], idle: Float64Array | undefined, tLo = 0, tHi = f.T): void {
  const { T, k, stride, block } = f;
  initLastRow(V, f, tHi);
  for (let t = tHi - 1; t >= tLo; t--) {
    const wLo = bandLo(f, t);
    const wHi = bandHi(f, t);
    const idleT = idle === undefined ? 0 : idle[t]!;
    initRow(V, f, t, wLo, wHi);
    const canResume = t + k <= T;
    const c0 = runs[0]![t]!;
    const c1 = runs[1]![t]!;
    const c2 = runs[2]![t]!;
    const c3 = runs[3]![t]!;
    let r0 = Infinity, r1 = Infinity, r2 = Infinity, r3 = Infinity;
    if (canResume) {
      r0 = resumes[0]![t]!;
      r1 = resumes[1]![t]!;
      r2 = resumes[2]![t]!;
      r3 = resumes[3]![t]!;
    }
    const now0 = rowOf(f, t);
    const now1 = block + now0;
    const now2 = 2 * block + now0;
    const now3 = 3 * block + now0;
    const nowP = 4 * block + now0;
    const after0 = canResume ? rowOf(f, t + k) : 0;
    for (let w = wLo; w <= wHi; w++) {
      const stay = V[nowP + stride + w]! + idleT;
      const run0 = c0 + V[now0 + stride + 1 + w]!;
      const run1 = c1 + V[now1 + stride + 1 + w]!;
      const run2 = c2 + V[now2 + stride + 1 + w]!;
      const run3 = c3 + V[now3 + stride + 1 + w]!;
      const res0 = r0 + (k === 0 ? run0 : V[after0 + w]!);
      const res1 = r1 + (k === 0 ? run1 : V[after0 + block + w]!);
      const res2 = r2 + (k === 0 ? run2 : V[after0 + 2 * block + w]!);
      const res3 = r3 + (k === 0 ? run3 : V[after0 + 3 * block + w]!);
      const m01 = res1 < res0 ? res1 : res0;
      const m23 = res3 < res2 ? res3 : res2;
      const best = m23 < m01 ? m23 : m01;
      V[nowP + w] = best < stay ? best : stay;
      const x0 = m23 < res1 ? m23 : res1;
      const x1 = m23 < res0 ? m23 : res0;
      const x2 = m01 < res3 ? m01 : res3;
      const x3 = m01 < res2 ? m01 : res2;
      const v0 = x0 < run0 ? x0 : run0;
      V[now0 + w] = stay < v0 ? stay : v0;
      const v1 = x1 < run1 ? x1 : run1;
      V[now1 + w] = stay < v1 ? stay : v1;
      const v2 = x2 < run2 ? x2 : run2;
      V[now2 + w] = stay < v2 ? stay : v2;
      const v3 = x3 < run3 ? x3 : run3;
      V[now3 + w] = stay < v3 ? stay : v3;
    }
  }
}

/**
 * The choice the recursion made at (mode, t, w), recomputed from the values with the same
 * arithmetic. mode < S (running on `mode`): 0 run, 1 pause, 2 + s' migrate to s'; mode = S
 * (paused): 0 stay, 1 + s resume on s. Ties prefer run, then migrate, then pause (R), and
 * resume over stay (P), lowest site first.
 * @example R_0 with run_0 = 5 g, resume_1 = 5 g, stay = 5 g → 0 (keeps running).
 */
export function choiceAt(V: Float64Array, f: FillShape, runs: readonly Float64Array[], resumes: readonly Float64Array[], idle: Float64Array | undefined, mode: number, t: number, w: number): number {
  const { T, k, S, block } = f;
  const next = rowOf(f, t + 1) + w;
  const stay = V[S * block + next]! + (idle === undefined ? 0 : idle[t]!);
  let best = Infinity;
  let bestS = -1;
  if (t + k <= T) {
    for (let s = 0; s < S; s++) {
      if (s === mode) continue;
      const v = resumes[s]![t]! + (k === 0 ? runs[s]![t]! + V[s * block + next + 1]! : V[s * block + rowOf(f, t + k) + w]!);
      if (v < best) {
        best = v;
        bestS = s;
      }
    }
  }
  if (mode === S) return bestS >= 0 && best <= stay ? 1 + bestS : 0;
  const run = runs[mode]![t]! + V[mode * block + next + 1]!;
  if (run <= best && run <= stay) return 0;
  return bestS >= 0 && best <= stay ? 2 + bestS : 1;
}

/**
 * One site (the common case, and the 5 ms budget): R and P in two blocks, no inner loop
 * over sites. With k = 1, w runs downwards so each value of row t + 1 is read once.
 */
export function fillOne(V: Float64Array, f: FillShape, runs: readonly Float64Array[], resumes: readonly Float64Array[], idle: Float64Array | undefined, tLo = 0, tHi = f.T): void {
  const { T, k, stride, block } = f;
  const runG = runs[0]!;
  const resumeG = resumes[0]!;
  initLastRow(V, f, tHi);
  for (let t = tHi - 1; t >= tLo; t--) {
    const wLo = bandLo(f, t);
    const wHi = bandHi(f, t);
    const idleT = idle === undefined ? 0 : idle[t]!;
    initRow(V, f, t, wLo, wHi);
    const c = runG[t]!;
    const r = resumeG[t]!;
    const rRow = rowOf(f, t);
    const pRow = block + rRow;
    const rNext = rRow + stride;
    const pNext = pRow + stride;
    const rK = t + k <= T ? rowOf(f, t + k) : -1;
    if (k === 1) {
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
      let resume = Infinity;
      if (rK >= 0) resume = r + (k === 0 ? run : V[rK + w]!);
      V[pRow + w] = resume <= stay ? resume : stay;
      V[rRow + w] = stay < run ? stay : run;
    }
  }
}

/** The loop for `f.S` sites. */
export function fillFor(S: number): typeof fillGeneric {
  return S === 1 ? fillOne : S === 2 ? fillTwo : S === 3 ? fillThree : S === 4 ? fillFour : fillGeneric;
}
