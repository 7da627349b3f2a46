import { plan, resampleToSlots, type PlanInput, type PlanJob, type SlotSeries } from '../../../scheduler';
import { buildProblem, Capacity, horizonOf } from '../../../scheduler/costs';
import { schedule } from '../../../scheduler/policies';
import { seededUniform } from '../../../src/core/rng';

const SLOT = 3_600_000; // 1-h slots keep the examples readable
const T0 = Date.parse('2021-07-01T00:00:00Z');

function series(zone: string, values: number[]): SlotSeries {
  return { zone, startMs: T0, slotMs: SLOT, gPerKWh: values };
}

function job(over: Partial<PlanJob> = {}): PlanJob {
  return {
    id: 'a', phase: 'queued', submittedAtMs: T0, deadlineMs: T0 + 6 * SLOT, remainingWorkMs: 2 * SLOT,
    powerW: 1000, gpus: 1, sites: ['box'], homeSite: 'box', pauseOverheadMs: SLOT, ...over,
  };
}

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    nowMs: T0, slotMs: SLOT, safetyMarginMs: 0,
    sites: [{ name: 'box', zone: 'Z', gpus: 1 }],
    series: { Z: series('Z', [300, 300, 100, 100, 300, 300]) },
    jobs: [job()], policy: 'carbond', ...over,
  };
}

describe('plan()', () => {
  it('waits for the clean hours and says why', () => {
    const p = plan(input());
    expect(p.decisions[0]).toMatchObject({ jobId: 'a', action: 'keep' });
    expect(p.decisions[0]!.reason).toMatch(/^waiting 00:00: next run at 02:00 averages 100 g vs 300 g now; saves 400 g net of 0 g overhead$/);
    expect(p.jobs[0]!.segments).toEqual([{ site: 'box', startMs: T0 + 2 * SLOT, endMs: T0 + 4 * SLOT }]);
    expect(p.jobs[0]!.expectedEmissionsG).toBeCloseTo(200, 9);
    expect(p.nextWakeMs).toBe(T0 + 2 * SLOT);
  });

  it('pauses a running job when the cleaner hours save more than the resume overhead', () => {
    const p = plan(input({ jobs: [job({ phase: 'running', currentSite: 'box' })], series: { Z: series('Z', [300, 50, 50, 50, 300, 300]) } }));
    expect(p.decisions[0]!.action).toBe('pause');
    expect(p.decisions[0]!.reason).toMatch(/^paused 00:00: next run at 01:00 averages 50 g vs 300 g now; saves 200 g net of 50 g overhead$/);
  });

  it('keeps a running job running when the pause would cost more than it saves', () => {
    const p = plan(input({ jobs: [job({ phase: 'running', currentSite: 'box' })], series: { Z: series('Z', [300, 250, 250, 250, 300, 300]) } }));
    expect(p.decisions[0]!.action).toBe('keep');
    expect(p.decisions[0]!.reason).toMatch(/^running on box: 300 g\/kWh now, plan finishes 02:00$/);
  });

  it('says when capacity, not carbon, holds a job back', () => {
    const flat = { Z: series('Z', [100, 100, 100, 100, 100, 100]) };
    const urgent = job({ id: 'a', deadlineMs: T0 + 2 * SLOT, pauseOverheadMs: 0 });
    const p = plan(input({ series: flat, jobs: [urgent, job({ id: 'b', pauseOverheadMs: 0 }), job({ id: 'c', phase: 'running', currentSite: 'box', deadlineMs: T0 + 5 * SLOT, pauseOverheadMs: 0 })] }));
    const reason = (id: string): string => p.decisions.find((d) => d.jobId === id)!.reason;
    expect(p.decisions.find((d) => d.jobId === 'a')!.action).toBe('start');
    expect(reason('b')).toMatch(/^waiting 00:00: no room on box now \(more urgent jobs hold the GPUs\); next run at 0[2-4]:00 averages 100 g vs 100 g now$/);
    expect(p.decisions.find((d) => d.jobId === 'c')!.action).toBe('pause');
    expect(reason('c')).toMatch(/^paused 00:00: no room on box now \(more urgent jobs hold the GPUs\); next run at 0[2-4]:00/);
    // With room, a waiting job's reason is about carbon, as before.
    expect(plan(input()).decisions[0]!.reason).toMatch(/^waiting 00:00: next run at 02:00 averages 100 g vs 300 g now; saves 400 g/);
  });

  it('keeps a running job whose work is all done running until its process exits, and resumes a paused one to exit', () => {
    const p = plan(input({ jobs: [job({ phase: 'running', currentSite: 'box', remainingWorkMs: 0 })], series: { Z: series('Z', [900, 10, 10, 10, 10, 10]) } }));
    expect(p.decisions[0]).toMatchObject({ jobId: 'a', action: 'keep' });
    expect(p.decisions[0]!.reason).toMatch(/^running on box: 900 g\/kWh now/);
    expect(p.jobs[0]!.segments).toEqual([{ site: 'box', startMs: T0, endMs: T0 + SLOT }]);
    // A paused one (its trainer paused at the last step) is resumed in the cheapest slot to exit, not left for the guard.
    const paused = plan(input({ jobs: [job({ phase: 'paused', currentSite: 'box', remainingWorkMs: 0 })], series: { Z: series('Z', [900, 300, 10, 10, 300, 300]) } }));
    expect(paused.decisions[0]).toMatchObject({ action: 'keep' });
    expect(paused.jobs[0]!.segments).toEqual([{ site: 'box', startMs: T0 + 2 * SLOT, endMs: T0 + 4 * SLOT }]);
  });

  it('runs a job now, whatever the signal, when its work no longer fits before the deadline minus the margin', () => {
    const p = plan(input({ safetyMarginMs: 5 * SLOT }));
    expect(p.decisions[0]).toMatchObject({ action: 'start', site: 'box' });
    expect(p.jobs[0]!.guarded).toBe(true);
    expect(p.decisions[0]!.reason).toMatch(/^deadline guard 00:00: 2h of work left and 1h until the deadline minus the margin/);
  });

  it('fails open: every job runs now with the reason given', () => {
    const p = plan(input({ failOpenReason: 'every provider failed since 23:10' }));
    expect(p.decisions[0]).toMatchObject({ action: 'start', reason: 'fail open 00:00: every provider failed since 23:10; runs now on box' });
  });

  it('gives the clean hours to the more urgent job when a site has one GPU', () => {
    const urgent = job({ id: 'u', deadlineMs: T0 + 4 * SLOT });
    const relaxed = job({ id: 'r', deadlineMs: T0 + 6 * SLOT });
    const p = plan(input({ jobs: [relaxed, urgent], series: { Z: series('Z', [300, 300, 100, 100, 200, 200]) } }));
    const segs = Object.fromEntries(p.jobs.map((j) => [j.jobId, j.segments]));
    expect(segs['u']).toEqual([{ site: 'box', startMs: T0 + 2 * SLOT, endMs: T0 + 4 * SLOT }]);
    expect(segs['r']).toEqual([{ site: 'box', startMs: T0 + 4 * SLOT, endMs: T0 + 6 * SLOT }]);
  });

  it('moves a job to a cleaner site when that beats the transfer cost', () => {
    const sites = [{ name: 'box', zone: 'Z', gpus: 1 }, { name: 'far', zone: 'Y', gpus: 1 }];
    const p = plan(input({
      sites, series: { Z: series('Z', [400, 400, 400, 400, 400, 400]), Y: series('Y', [50, 50, 50, 50, 50, 50]) },
      jobs: [job({ phase: 'running', currentSite: 'box', sites: ['box', 'far'], pauseOverheadMs: 0 })],
    }));
    expect(p.decisions[0]).toMatchObject({ action: 'migrate', site: 'far' });
    expect(p.decisions[0]!.reason).toMatch(/^moved 00:00 to far: 50 g there vs 400 g on box/);
  });

  it('runs the same job under each policy on one code path', () => {
    const values = [300, 200, 100, 250, 90, 300];
    const segs = (policy: PlanInput['policy']): unknown => plan(input({ policy, series: { Z: series('Z', values) } })).jobs[0]!.segments;
    expect(segs('baseline')).toEqual([{ site: 'box', startMs: T0, endMs: T0 + 2 * SLOT }]);
    expect(segs('window')).toEqual([{ site: 'box', startMs: T0 + 1 * SLOT, endMs: T0 + 3 * SLOT }]);
    expect(segs('threshold')).toEqual([{ site: 'box', startMs: T0 + 2 * SLOT, endMs: T0 + 3 * SLOT }, { site: 'box', startMs: T0 + 4 * SLOT, endMs: T0 + 6 * SLOT }]);
    expect(segs('carbond')).toEqual([{ site: 'box', startMs: T0 + 1 * SLOT, endMs: T0 + 3 * SLOT }]);
  });
});

describe('resampleToSlots()', () => {
  it('averages points over each slot by the time they cover', () => {
    const pts = [
      { startMs: T0, durationMs: 1_800_000, gPerKWh: 200 },
      { startMs: T0 + 1_800_000, durationMs: 1_800_000, gPerKWh: 100, kind: 'forecast' as const },
    ];
    const { series: s, gapSlots } = resampleToSlots('Z', pts, T0, SLOT, 1);
    expect(s.gPerKWh).toEqual([150]);
    expect(s.forecast).toEqual([true]);
    expect(gapSlots).toBe(0);
  });

  it('splits a long point over short slots and carries values over gaps', () => {
    const pts = [{ startMs: T0, durationMs: SLOT, gPerKWh: 120 }, { startMs: T0 + 2 * SLOT, durationMs: SLOT, gPerKWh: 60 }];
    const { series: s, gapSlots } = resampleToSlots('Z', pts, T0, SLOT / 2, 6);
    expect(s.gPerKWh).toEqual([120, 120, 120, 120, 60, 60]);
    expect(gapSlots).toBe(2);
  });
});

describe('plan() with a far deadline', () => {
  it('plans a job due in 60 days over a rolling 14-day window and still finishes it in that window', () => {
    const slotMs = 300_000;
    const days = 60;
    const values = Array.from({ length: days * 288 }, (_, i) => 200 + 100 * Math.sin((2 * Math.PI * i) / 288));
    const p = plan({
      nowMs: T0, slotMs, safetyMarginMs: 0, policy: 'carbond',
      sites: [{ name: 'box', zone: 'Z', gpus: 1 }],
      series: { Z: { zone: 'Z', startMs: T0, slotMs, gPerKWh: values } },
      jobs: [job({ deadlineMs: T0 + days * 86_400_000, remainingWorkMs: 10 * 3_600_000, pauseOverheadMs: slotMs })],
    });
    const segs = p.jobs[0]!.segments;
    const ran = segs.reduce((a, s) => a + s.endMs - s.startMs, 0);
    expect(ran).toBeGreaterThanOrEqual(10 * 3_600_000);
    expect(segs[segs.length - 1]!.endMs).toBeLessThanOrEqual(T0 + 14 * 86_400_000);
  });

  it('gives every job under binding capacity a plan no single-job re-plan against all the others can beat (why there is no improvement pass, ADR 0010)', () => {
    let binding = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = seededUniform(seed);
      const sites = [{ name: 'a', zone: 'A', gpus: 2 }, { name: 'b', zone: 'B', gpus: 2 }];
      const jobs: PlanJob[] = Array.from({ length: 8 }, (_, i) => {
        const work = (1 + Math.floor(r() * 6)) * SLOT;
        return job({ id: `j${i}`, remainingWorkMs: work, deadlineMs: T0 + work + Math.floor(r() * 12) * SLOT, sites: r() < 0.5 ? ['a', 'b'] : [i % 2 ? 'a' : 'b'], homeSite: i % 2 ? 'a' : 'b', pauseOverheadMs: r() < 0.5 ? 0 : SLOT, gpus: 1 + Math.floor(r() * 2) });
      });
      const hourly = (): number[] => Array.from({ length: 24 }, () => 100 + Math.floor(r() * 300));
      const inp = input({ sites, series: { A: series('A', hourly()), B: series('B', hourly()) }, jobs });
      const p = plan(inp);
      for (const j of jobs) {
        const mine = p.jobs.find((x) => x.jobId === j.id)!;
        if (mine.guarded) continue;
        const capacity = new Capacity(sites, 48);
        for (const other of p.jobs) {
          if (other.jobId === j.id) continue;
          const gpus = jobs.find((x) => x.id === other.jobId)!.gpus;
          for (const seg of other.segments) {
            const s = sites.findIndex((x) => x.name === seg.site);
            for (let t = (seg.startMs - T0) / SLOT; t < (seg.endMs - T0) / SLOT; t++) {
              capacity.gpus[s]![t]! -= gpus;
              capacity.places[s]![t]! -= 1;
            }
          }
        }
        const problem = buildProblem(inp, j, horizonOf(inp, j), capacity)!;
        const alone = schedule('carbond', problem);
        // Infeasible (cost ∞) where a guarded job placed later ran regardless of capacity.
        const blocked = problem.sites.some((s) => s.runG.some((g) => g === Infinity));
        if (blocked && alone.feasible) binding++;
        expect(alone.costG).toBeGreaterThanOrEqual(mine.expectedEmissionsG - 1e-6);
      }
    }
    expect(binding).toBeGreaterThan(10);
  });
});

