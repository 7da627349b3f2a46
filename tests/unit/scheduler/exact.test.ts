import { solveExact, type ExactProblem, type ExactStart } from '../../../scheduler/exact';
import { fillFour, fillGeneric, fillThree, fillTwo, type FillShape } from '../../../scheduler/exact-fill';
import { seededUniform } from '../../../src/core/rng';



/** Cost of one explicit schedule (−1 idle, s = on site s), or Infinity when it does not finish. */
function scheduleCost(p: ExactProblem, states: number[]): number {
  const k = p.overheadSlots;
  let w = 0;
  let cost = 0;
  let prev = p.start.phase === 'running' ? p.start.site : -1;
  let started = p.start.phase !== 'queued';
  let overheadLeft = 0;
  for (let t = 0; t < p.horizonSlots && w < p.workSlots; t++) {
    const s = states[t]!;
    if (s >= 0 && s !== prev && started) {
      cost += p.sites[s]!.resumeG[t]!;
      overheadLeft = k;
    }
    if (s >= 0) {
      started = true;
      if (overheadLeft > 0) overheadLeft--;
      else {
        cost += p.sites[s]!.runG[t]!;
        w++;
      }
    } else {
      overheadLeft = 0;
      if (p.idleG) cost += p.idleG[t]!;
    }
    prev = s;
  }
  return w >= p.workSlots ? cost : Infinity;
}

function bruteForce(p: ExactProblem): number {
  const S = p.sites.length;
  let best = Infinity;
  const states = new Array<number>(p.horizonSlots).fill(-1);
  const walk = (t: number): void => {
    if (t === p.horizonSlots) {
      best = Math.min(best, scheduleCost(p, states));
      return;
    }
    for (let s = -1; s < S; s++) {
      states[t] = s;
      walk(t + 1);
    }
  };
  walk(0);
  return best;
}

function randomProblem(r: () => number, start: ExactStart, sites: number, k: number, maxT = 8): ExactProblem {
  const T = 5 + Math.floor(r() * (maxT - 4));
  const W = 1 + Math.floor(r() * (T - 1));
  const mk = (): Float64Array => Float64Array.from({ length: T }, () => Math.round(r() * 100));
  return {
    horizonSlots: T,
    workSlots: W,
    overheadSlots: k,
    sites: Array.from({ length: sites }, () => ({ runG: mk(), resumeG: Float64Array.from({ length: T }, () => Math.round(r() * 60)) })),
    start,
  };
}

describe('the exact single-job planner', () => {
  it('runs the cheapest contiguous slots of a small example', () => {
    const sol = solveExact({
      horizonSlots: 4,
      workSlots: 2,
      overheadSlots: 0,
      sites: [{ runG: Float64Array.from([5, 1, 1, 5]), resumeG: new Float64Array(4) }],
      start: { phase: 'queued' },
    });
    expect(sol.costG).toBe(2);
    expect(Array.from(sol.siteAt)).toEqual([-1, 0, 0, -1]);
  });

  it('pays a pause only when the cleaner slots save more than the resume costs', () => {
    const base = { horizonSlots: 5, workSlots: 2, overheadSlots: 1, start: { phase: 'running', site: 0 } as ExactStart };
    const runG = Float64Array.from([10, 50, 1, 1, 1]);
    const cheap = solveExact({ ...base, sites: [{ runG, resumeG: runG.map((g) => g / 2) }] });
    expect(cheap.costG).toBe(0.5 + 1 + 1);
    expect(Array.from(cheap.siteAt)).toEqual([-1, -1, 0, 0, 0]);
    expect(Array.from(cheap.overheadAt)).toEqual([0, 0, 1, 0, 0]);
    const dear = solveExact({ ...base, sites: [{ runG, resumeG: new Float64Array(5).fill(100) }] });
    expect(dear.costG).toBe(60);
    expect(dear.resumes).toBe(0);
  });

  it('reports an infeasible job when the work does not fit the horizon', () => {
    const sol = solveExact({ horizonSlots: 2, workSlots: 3, overheadSlots: 0, sites: [{ runG: new Float64Array(2), resumeG: new Float64Array(2) }], start: { phase: 'queued' } });
    expect(sol.feasible).toBe(false);
  });

  const starts: ExactStart[] = [{ phase: 'queued' }, { phase: 'running', site: 0 }, { phase: 'paused' }];
  for (const start of starts) {
    for (const sites of [1, 2, 3, 4, 5]) {
      for (const k of [0, 1, 2]) {
        it(`equals a brute-force search (${start.phase}, ${sites} site(s), ${k} overhead slot(s))`, () => {
          const r = seededUniform(1000 * sites + 10 * k + start.phase.length);
          for (let i = 0; i < (sites <= 2 ? 25 : sites === 3 ? 6 : 2); i++) {
            const p = randomProblem(r, start, sites, k, sites >= 4 ? 6 : 8);
            const sol = solveExact(p);
            const brute = bruteForce(p);
            expect(sol.costG).toBeCloseTo(brute, 9);
            if (Number.isFinite(brute)) expect(scheduleCost(p, Array.from(sol.siteAt))).toBeCloseTo(brute, 9);
          }
        });
      }
    }
  }

  for (const [S, fill] of [[2, fillTwo], [3, fillThree], [4, fillFour]] as const) {
    for (const k of [0, 1, 3]) {
      it(`fills the same values with the unrolled ${S}-site loop as with the generic loop (${k} overhead slot(s))`, () => {
        const r = seededUniform(77 * S + k);
        const T = 90;
        const W = 30;
        const mk = (scale: number): Float64Array => Float64Array.from({ length: T }, () => (r() < 0.05 ? Infinity : r() * scale));
        const runs = Array.from({ length: S }, () => mk(100));
        const resumes = Array.from({ length: S }, () => mk(40));
        const idle = mk(3);
        const shape: FillShape = { T, W, k, S, stride: W + 1, block: (T + 1) * (W + 1) };
        const fast = new Float64Array(shape.block * (S + 1));
        const slow = new Float64Array(shape.block * (S + 1));
        fill(fast, shape, runs, resumes, idle);
        fillGeneric(slow, shape, runs, resumes, idle);
        let compared = 0;
        const mismatches: string[] = [];
        for (let b = 0; b <= S; b++) {
          for (let t = 0; t <= T; t++) {
            for (let w = Math.max(0, W - (T - t)); w <= Math.min(W, t); w++) {
              const i = b * shape.block + t * shape.stride + w;
              if (!Object.is(fast[i], slow[i])) mismatches.push(`b${b} t${t} w${w}: ${fast[i]} vs ${slow[i]}`);
              compared += Number.isFinite(slow[i]!) ? 1 : 0;
            }
          }
        }
        expect(mismatches.slice(0, 5)).toEqual([]);
        expect(compared).toBeGreaterThan(1000);
      });
    }
  }
});
