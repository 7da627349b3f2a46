/**
 * Issue 14: the planner's memory is bounded and given back after each `plan()`, large jobs
 * keep a window of values with checkpoints that plans exactly as the full table does, and a
 * job over the per-job limit is planned on coarser slots with a reason naming the limit.
 */
import { plan, type PlanInput, type PlanJob, type SlotSeries } from '../../../scheduler';
import { coarsen, layBack, solveCoarse } from '../../../scheduler/coarse';
import { solveExact, type ExactProblem, type ExactStart } from '../../../scheduler/exact';
import { ExactScratch, liveScratchBytes, RESERVE_IDLE_MS, RESERVE_KEEP_BYTES, RESERVE_MAX_BYTES } from '../../../scheduler/exact-scratch';
import { PlanLimitError, stateCellsOf } from '../../../scheduler/limits';
import { seededUniform } from '../../../src/core/rng';

const H = 3_600_000;
const SLOT = 5 * 60_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');
const MB = 1024 * 1024;

function randomProblem(r: () => number, start: ExactStart, S: number, k: number): ExactProblem {
  const T = 20 + Math.floor(r() * 130);
  const W = 1 + Math.floor(r() * (T - 1));
  const mk = (scale: number): Float64Array => Float64Array.from({ length: T }, () => (r() < 0.04 ? Infinity : Math.round(r() * scale)));
  return {
    horizonSlots: T, workSlots: W, overheadSlots: k, start,
    sites: Array.from({ length: S }, () => ({ runG: mk(100), resumeG: mk(60) })),
    ...(r() < 0.5 ? { idleG: mk(3) } : {}),
  };
}

/** A daily cycle with noise, g/kWh, on 5-min slots. */
function dailySeries(zone: string, days: number, seed: number): SlotSeries {
  const r = seededUniform(seed);
  const gPerKWh = Array.from({ length: days * 288 }, (_, i) => 250 + 100 * Math.sin((2 * Math.PI * (i / 12 + seed)) / 24) + 20 * r());
  return { zone, startMs: T0, slotMs: SLOT, gPerKWh };
}

/** One 7-day job due in 14 days on `sites` sites, 5-min slots. */
function weekJobInput(sites: number, over: Partial<PlanJob> = {}): PlanInput {
  const names = Array.from({ length: sites }, (_, i) => `s${i}`);
  return {
    nowMs: T0, slotMs: SLOT, safetyMarginMs: 0, policy: 'carbond',
    sites: names.map((name, i) => ({ name, zone: `Z${i}`, gpus: 8 })),
    series: Object.fromEntries(names.map((_, i) => [`Z${i}`, dailySeries(`Z${i}`, 15, i + 1)])),
    jobs: [{
      id: 'week', phase: 'queued', submittedAtMs: T0, deadlineMs: T0 + 14 * 24 * H, remainingWorkMs: 7 * 24 * H,
      powerW: 300, gpus: 1, sites: names, homeSite: 's0', pauseOverheadMs: SLOT, ...over,
    }],
  };
}

describe('planner memory', () => {
  const starts: ExactStart[] = [{ phase: 'queued' }, { phase: 'running', site: 0 }, { phase: 'paused' }];
  for (const S of [1, 2, 3, 4, 6]) {
    it(`plans exactly as the full table with the window of values and checkpoints (${S} site(s), overhead 0–3 slots)`, () => {
      const r = seededUniform(31 * S);
      let compared = 0;
      for (const start of starts) {
        for (const k of [0, 1, 2, 3]) {
          for (let i = 0; i < 4; i++) {
            const p = randomProblem(r, start, S, k);
            const full = solveExact(p, { layout: 'full' });
            const window = solveExact(p, { layout: 'window' });
            expect(Object.is(window.costG, full.costG)).toBe(true);
            expect(Array.from(window.siteAt)).toEqual(Array.from(full.siteAt));
            expect(Array.from(window.overheadAt)).toEqual(Array.from(full.overheadAt));
            compared += full.feasible ? 1 : 0;
          }
        }
      }
      expect(compared).toBeGreaterThan(20);
    });
  }

  it('holds at most 16 MB of values for a 7-day job with a 14-day deadline on four sites (the full table: 325 MB)', () => {
    const scratch = new ExactScratch();
    const T = 4032;
    const runG = Float64Array.from({ length: T }, (_, t) => 5 + Math.sin(t / 40));
    const sites = [0, 1, 2, 3].map((s) => ({ runG: runG.map((g) => g + s * 0.01), resumeG: runG }));
    const sol = solveExact({ horizonSlots: T, workSlots: 2016, overheadSlots: 1, sites, start: { phase: 'queued' } }, { scratch });
    expect(sol.feasible).toBe(true);
    expect(sol.siteAt.filter((s, t) => s >= 0 && sol.overheadAt[t] === 0).length).toBe(2016);
    expect(scratch.peakBytes).toBeGreaterThan(4 * MB);
    expect(scratch.peakBytes).toBeLessThanOrEqual(16 * MB);
    scratch.release();
    expect(scratch.bytes).toBe(0);
  });

  it('plans a smaller job in the window its scratch already holds instead of allocating a full table beside it, with the same plan', () => {
    const scratch = new ExactScratch();
    const T = 4032;
    const runG = Float64Array.from({ length: T }, (_, t) => 5 + Math.sin(t / 40));
    const sites = [0, 1, 2, 3].map((s) => ({ runG: runG.map((g) => g + s * 0.01), resumeG: runG }));
    solveExact({ horizonSlots: T, workSlots: 2016, overheadSlots: 1, sites, start: { phase: 'queued' } }, { scratch }); // a window
    const held = scratch.bytes;
    // Later, the job (or another) is smaller: its full table (11 MB) would fit the 12 MiB limit, but not the values buffer held.
    const t2 = 1200;
    const small: ExactProblem = { horizonSlots: t2, workSlots: 600, overheadSlots: 2, start: { phase: 'paused' },
      sites: [{ runG: Float64Array.from({ length: t2 }, (_, t) => 5 + Math.cos(t / 30)), resumeG: Float64Array.from({ length: t2 }, () => 3) }] };
    const sol = solveExact(small, { scratch });
    expect(scratch.bytes).toBeLessThanOrEqual(held); // nothing new: the buffers the window left are reused
    const full = solveExact(small, { layout: 'full' });
    expect(sol.costG).toBe(full.costG);
    expect(Array.from(sol.siteAt)).toEqual(Array.from(full.siteAt));
    scratch.release();
  });

  it('keeps at most the reserve once plan() returns, and gives a large one back when idle', async () => {
    const p = plan(weekJobInput(4));
    expect(p.decisions[0]!.jobId).toBe('week');
    expect(p.jobs[0]!.segments.reduce((a, s) => a + s.endMs - s.startMs, 0)).toBeGreaterThanOrEqual(7 * 24 * H);
    expect(liveScratchBytes()).toBeLessThanOrEqual(RESERVE_MAX_BYTES);
    // The 7-day job on eight sites (a window of values and checkpoints of 18.4 MB) is kept for
    // a plan right after, and given back once the planner has been idle.
    plan(weekJobInput(8));
    expect(liveScratchBytes()).toBeGreaterThan(RESERVE_KEEP_BYTES);
    expect(liveScratchBytes()).toBeLessThanOrEqual(RESERVE_MAX_BYTES);
    await new Promise((r) => setTimeout(r, RESERVE_IDLE_MS + 200));
    expect(liveScratchBytes()).toBe(0);
  });

  it('gives back the scratch of a solve that made its own', () => {
    const r = seededUniform(5);
    solveExact(randomProblem(r, { phase: 'queued' }, 2, 1));
    expect(liveScratchBytes()).toBe(0);
  });
});

describe('the per-job limit', () => {
  it('counts the state-cells of the feasible band', () => {
    expect(stateCellsOf(4, 2, 1)).toBe(18);
    expect(stateCellsOf(4032, 2016, 4)).toBe(20_341_445);
  });

  it('refuses a job over the limit with an error naming the job, its state-cells and the limit', () => {
    const T = 400;
    const runG = new Float64Array(T).fill(5);
    const problem: ExactProblem = { horizonSlots: T, workSlots: 200, overheadSlots: 1, sites: [{ runG, resumeG: runG }], start: { phase: 'queued' } };
    let caught: unknown;
    try {
      solveExact(problem, { limit: { jobId: 'big-7', maxStateCells: 50_000 } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PlanLimitError);
    const err = caught as PlanLimitError;
    expect(err).toMatchObject({ code: 'E_PLAN_LIMIT', jobId: 'big-7', stateCells: stateCellsOf(T, 200, 1), limitStateCells: 50_000 });
    expect(err.message).toBe('job big-7 needs 0.1 M DP state-cells, over the limit of 0.1 M per job');
  });

  it('plans a job over the limit on coarser slots, finishing in time, and says so in its reason', () => {
    const fine = plan(weekJobInput(1));
    const limited = plan({ ...weekJobInput(1), maxStateCellsPerJob: 2_500_000 });
    const reason = limited.decisions[0]!.reason;
    expect(reason).toMatch(/; planned on 10-min slots: job week needs 8\.1 M DP state-cells, over the limit of 2\.5 M per job$/);
    const segments = limited.jobs[0]!.segments;
    expect(segments.reduce((a, s) => a + s.endMs - s.startMs, 0)).toBeGreaterThanOrEqual(7 * 24 * H);
    expect(segments[segments.length - 1]!.endMs).toBeLessThanOrEqual(T0 + 14 * 24 * H);
    // Coarser slots cost little: within 1 % of the plan on the job's own slots.
    expect(limited.jobs[0]!.expectedEmissionsG / fine.jobs[0]!.expectedEmissionsG).toBeLessThan(1.01);
    expect(fine.decisions[0]!.reason).not.toMatch(/coarse|limit/);
  });

  it('lays a coarse plan back with exactly the work needed, the overheads first, at the cost it reports', () => {
    const r = seededUniform(9);
    for (const k of [0, 1, 2, 3]) {
      for (const start of [{ phase: 'queued' }, { phase: 'paused' }, { phase: 'running', site: 1 }] as ExactStart[]) {
        const p = randomProblem(r, start, 2, k);
        const sol = solveCoarse(p, 2);
        if (!sol.feasible) continue;
        let work = 0;
        let cost = 0;
        for (let t = 0; t < p.horizonSlots; t++) {
          const s = sol.siteAt[t]!;
          if (s < 0) continue;
          const prev = t > 0 ? sol.siteAt[t - 1]! : start.phase === 'running' ? start.site : -1;
          const startedBefore = start.phase !== 'queued' || sol.siteAt.subarray(0, t).some((x) => x >= 0);
          if (s !== prev && startedBefore) {
            cost += p.sites[s]!.resumeG[t]!;
            for (let j = 0; j < k; j++) expect(sol.overheadAt[t + j]).toBe(1);
          }
          if (sol.overheadAt[t] === 0) {
            work++;
            cost += p.sites[s]!.runG[t]!;
          }
        }
        expect(work).toBe(p.workSlots);
        expect(sol.costG).toBeCloseTo(cost, 9);
        expect(sol.costG).toBeLessThanOrEqual(solveExact(coarsen(p, 2)).costG + 1e-9);
      }
    }
  });

  it('reports a coarse plan infeasible when the work no longer fits the coarser slots', () => {
    const runG = new Float64Array(5).fill(1);
    const p: ExactProblem = { horizonSlots: 5, workSlots: 5, overheadSlots: 0, sites: [{ runG, resumeG: runG }], start: { phase: 'queued' } };
    expect(layBack(p, solveExact(coarsen(p, 2)), 2).feasible).toBe(false);
  });
});
