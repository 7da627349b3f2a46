/**
 * Pauses against capacity (DESIGN §5, the paragraph on thrash): a fresh run is protected for a
 * minimum runtime, a running job gives its GPU up only to a job that would otherwise miss its
 * deadline, the one paused is the one that loses least, and paused jobs are not all resumed
 * into one slot.
 */
import { plan, type Plan, type PlanInput, type PlanJob } from '../../../scheduler';

const MIN = 60_000;
const SLOT = 5 * MIN;
const T0 = Date.parse('2030-03-04T10:00:00Z');

function job(over: Partial<PlanJob> = {}): PlanJob {
  return {
    id: 'a', phase: 'queued', submittedAtMs: T0 - 60 * MIN, deadlineMs: T0 + 24 * 60 * MIN, remainingWorkMs: 30 * MIN,
    powerW: 300, gpus: 1, sites: ['box'], homeSite: 'box', pauseOverheadMs: MIN, ...over,
  };
}

/** A running job on `box` that started `ranMs` ago and reported progress from a minute in. */
function running(id: string, ranMs: number, over: Partial<PlanJob> = {}): PlanJob {
  return job({ id, phase: 'running', currentSite: 'box', runStartedAtMs: T0 - ranMs, firstProgressAtMs: T0 - ranMs + MIN, unsavedWorkMs: Math.min(ranMs, 5 * MIN), ...over });
}

function flat(gPerKWh = 200, slots = 400): PlanInput['series'] {
  return { Z: { zone: 'Z', startMs: T0, slotMs: SLOT, gPerKWh: new Array<number>(slots).fill(gPerKWh) } };
}

function input(jobs: PlanJob[], over: Partial<PlanInput> = {}): PlanInput {
  return { nowMs: T0, slotMs: SLOT, safetyMarginMs: 0, sites: [{ name: 'box', zone: 'Z', gpus: 1 }], series: flat(), jobs, policy: 'carbond', ...over };
}

const actionOf = (p: Plan, id: string): string => p.decisions.find((d) => d.jobId === id)!.action;
const reasonOf = (p: Plan, id: string): string => p.decisions.find((d) => d.jobId === id)!.reason;

describe('a fresh run is protected for a minimum runtime', () => {
  const dirtyNowCleanLater = { Z: { zone: 'Z', startMs: T0, slotMs: SLOT, gPerKWh: [900, 900, 900, ...new Array<number>(400).fill(50)] } };

  it('keeps a run that started 3 min ago running when the next 10 minutes are dirtier than later, and says until when', () => {
    const p = plan(input([running('r', 3 * MIN)], { series: dirtyNowCleanLater }));
    expect(actionOf(p, 'r')).toBe('keep');
    expect(reasonOf(p, 'r')).toMatch(/^running on box: 900 g\/kWh now, plan finishes \d\d:\d\d; protected from planned pauses until 10:07 \(minimum runtime\)$/);
    // The protected slots (10:00–10:10 at 5-min slots) are run; after them the plan is free again.
    expect(p.jobs[0]!.segments[0]).toMatchObject({ startMs: T0, endMs: T0 + 2 * SLOT });
  });

  it('pauses the same run for carbon once the minimum runtime is over', () => {
    const p = plan(input([running('r', 20 * MIN)], { series: dirtyNowCleanLater }));
    expect(actionOf(p, 'r')).toBe('pause');
  });

  it('keeps a 3-minute-old run on its GPU even for a job that must start now to meet its deadline', () => {
    const urgent = job({ id: 'u', deadlineMs: T0 + 30 * MIN });
    const p = plan(input([running('r', 3 * MIN), urgent]));
    expect(actionOf(p, 'r')).toBe('keep');
    expect(actionOf(p, 'u')).toBe('keep');
    expect(reasonOf(p, 'u')).toMatch(/no room on box now/);
  });

  it('protects a run with no progress event yet past the minimum runtime, until its first progress event plus 5 minutes', () => {
    const slow = (over: Partial<PlanJob>): Plan => plan(input([running('r', 20 * MIN, over)], { series: dirtyNowCleanLater }));
    expect(actionOf(slow({ firstProgressAtMs: undefined }), 'r')).toBe('keep');
    expect(actionOf(slow({ firstProgressAtMs: T0 - 2 * MIN }), 'r')).toBe('keep');
    expect(actionOf(slow({ firstProgressAtMs: T0 - 6 * MIN }), 'r')).toBe('pause');
    // A run that never reports progress is protected for an hour at most.
    expect(actionOf(plan(input([running('r', 61 * MIN, { firstProgressAtMs: undefined })], { series: dirtyNowCleanLater })), 'r')).toBe('pause');
  });

  it('takes the minimum runtime from the input, and lets the owner\'s manual pause through', () => {
    const p = plan(input([running('r', 3 * MIN)], { series: dirtyNowCleanLater, runProtection: { minRuntimeMs: 2 * MIN, afterFirstProgressMs: 0 } }));
    expect(actionOf(p, 'r')).toBe('pause');
    expect(actionOf(plan(input([running('r', 3 * MIN, { manualOverride: 'pause' })])), 'r')).toBe('pause');
  });
});

describe('a running job gives its GPU up only to a job that would otherwise miss its deadline', () => {
  it('keeps an older run on its GPU when a queued job with less slack still meets its deadline after it', () => {
    // r has 30 min left and 24 h of slack; q has 2 h of work: less slack, but hours to spare.
    const q = job({ id: 'q', remainingWorkMs: 120 * MIN });
    const p = plan(input([running('r', 60 * MIN), q]));
    expect(actionOf(p, 'r')).toBe('keep');
    expect(actionOf(p, 'q')).toBe('keep');
    expect(p.jobs.find((j) => j.jobId === 'q')!.segments[0]!.startMs).toBe(T0 + 30 * MIN);
  });

  it('pauses it for a queued job that must start now to finish by its deadline', () => {
    const q = job({ id: 'q', remainingWorkMs: 30 * MIN, deadlineMs: T0 + 30 * MIN });
    const p = plan(input([running('r', 60 * MIN), q]));
    expect(actionOf(p, 'q')).toBe('start');
    expect(actionOf(p, 'r')).toBe('pause');
    expect(reasonOf(p, 'r')).toMatch(/^paused 10:00: no room on box now/);
  });

  it('pauses, of two equally urgent running jobs, the one with the newest checkpoint (least unsaved work)', () => {
    // 'a' checkpointed a minute ago, 'b' 20 minutes ago: pausing 'a' loses least.
    const jobs = [running('a', 60 * MIN, { unsavedWorkMs: MIN }), running('b', 60 * MIN, { unsavedWorkMs: 20 * MIN }), job({ id: 'q', deadlineMs: T0 + 30 * MIN })];
    const p = plan(input(jobs, { sites: [{ name: 'box', zone: 'Z', gpus: 2 }] }));
    expect([actionOf(p, 'a'), actionOf(p, 'b'), actionOf(p, 'q')]).toEqual(['pause', 'keep', 'start']);
  });
});

describe('crowding', () => {
  it('spreads the resumes of paused jobs over several slots instead of resuming them all into the one cleanest slot', () => {
    // A slightly cleaner hour from 10:15: worth waiting for alone, not for eight at once on 8 GPUs.
    const values = [210, 210, 210, ...new Array<number>(12).fill(200), ...new Array<number>(400).fill(210)];
    const paused = Array.from({ length: 8 }, (_, i) => job({ id: `p${i}`, phase: 'paused', currentSite: 'box', remainingWorkMs: 30 * MIN, pauseOverheadMs: SLOT }));
    const p = plan(input(paused, { sites: [{ name: 'box', zone: 'Z', gpus: 8 }], series: { Z: { zone: 'Z', startMs: T0, slotMs: SLOT, gPerKWh: values } } }));
    const resumesAt = new Map<number, number>();
    for (const j of p.jobs) resumesAt.set(j.segments[0]!.startMs, (resumesAt.get(j.segments[0]!.startMs) ?? 0) + 1);
    expect(Math.max(...resumesAt.values())).toBeLessThanOrEqual(4);
    // Alone, a paused job still waits for the cleaner hour.
    const alone = plan(input([paused[0]!], { sites: [{ name: 'box', zone: 'Z', gpus: 8 }], series: { Z: { zone: 'Z', startMs: T0, slotMs: SLOT, gPerKWh: values } } }));
    expect(alone.jobs[0]!.segments[0]!.startMs).toBe(T0 + 3 * SLOT);
  });

  it('leaves sites without a GPU limit alone (the benchmark\'s unlimited sites plan as before)', () => {
    const values = [210, 210, 210, ...new Array<number>(12).fill(200), ...new Array<number>(400).fill(210)];
    const paused = Array.from({ length: 8 }, (_, i) => job({ id: `p${i}`, phase: 'paused', currentSite: 'box', remainingWorkMs: 30 * MIN, pauseOverheadMs: SLOT }));
    const p = plan(input(paused, { sites: [{ name: 'box', zone: 'Z', gpus: Infinity }], series: { Z: { zone: 'Z', startMs: T0, slotMs: SLOT, gPerKWh: values } } }));
    expect(p.jobs.every((j) => j.segments[0]!.startMs === T0 + 3 * SLOT)).toBe(true);
  });
});

/**
 * A small daemon loop around `plan()`: ticks every minute plus a second plan at the same
 * instant (as the daemon re-plans when a pause completes), starts only on free GPUs, a run's
 * first progress event 30 s after its start, a checkpoint every 5 min, 1 min of overhead on
 * every resume. Counts pauses and runs paused before their first progress event.
 */
function burst(jobs: number, gpus: number, workMs: number, deadlineMs: number): { pauses: number; early: number; maxOfOne: number; unfinished: number } {
  interface Sim { job: PlanJob; doneMs: number; overheadLeftMs: number; lastCkptMs: number; pauses: number }
  const sims = Array.from({ length: jobs }, (_, i): Sim => ({
    job: job({ id: `j${String(i).padStart(3, '0')}`, submittedAtMs: T0, deadlineMs: T0 + deadlineMs, remainingWorkMs: workMs }), doneMs: 0, overheadLeftMs: 0, lastCkptMs: 0, pauses: 0,
  }));
  let early = 0;
  for (let now = T0; now < T0 + deadlineMs && sims.some((s) => s.doneMs < workMs); now += MIN) {
    for (let again = 0; again < 2; again++) {
      const live = sims.filter((s) => s.doneMs < workMs);
      const p = plan(input(live.map((s) => ({ ...s.job, remainingWorkMs: workMs - s.doneMs, unsavedWorkMs: s.doneMs - s.lastCkptMs })), { nowMs: now, sites: [{ name: 'box', zone: 'Z', gpus }], series: { Z: { zone: 'Z', startMs: now, slotMs: SLOT, gPerKWh: new Array<number>(Math.ceil(deadlineMs / SLOT) + 20).fill(200) } } }));
      for (const d of p.decisions) {
        const s = live.find((x) => x.job.id === d.jobId)!;
        const busy = sims.filter((x) => x.job.phase === 'running').length;
        if (d.action === 'pause' && s.job.phase === 'running') {
          if (s.job.firstProgressAtMs === undefined) early++;
          s.pauses++;
          s.lastCkptMs = s.doneMs;
          s.job = { ...s.job, phase: 'paused' };
          delete s.job.runStartedAtMs;
          delete s.job.firstProgressAtMs;
        } else if ((d.action === 'start' || d.action === 'resume') && busy < gpus) {
          s.job = { ...s.job, phase: 'running', currentSite: 'box', runStartedAtMs: now };
          s.overheadLeftMs = d.action === 'resume' ? MIN : 0;
        }
      }
    }
    for (const s of sims) {
      if (s.job.phase !== 'running' || s.doneMs >= workMs) continue;
      if (s.overheadLeftMs > 0) s.overheadLeftMs -= MIN;
      else s.doneMs += MIN;
      if (s.job.firstProgressAtMs === undefined) s.job = { ...s.job, firstProgressAtMs: now + MIN / 2 };
      if (s.doneMs - s.lastCkptMs >= 5 * MIN) s.lastCkptMs = s.doneMs;
      if (s.doneMs >= workMs) s.job = { ...s.job, phase: 'paused' };
    }
  }
  return { pauses: sims.reduce((a, s) => a + s.pauses, 0), early, maxOfOne: Math.max(...sims.map((s) => s.pauses)), unfinished: sims.filter((s) => s.doneMs < workMs).length };
}

describe('a burst of one-GPU jobs with one deadline on 4 GPUs under a signal that never changes', () => {
  it('runs 60 jobs of 20 min to the end with no pause at all, none before a first progress event', () => {
    const r = burst(60, 4, 20 * MIN, 8 * 60 * MIN);
    expect(r.unfinished).toBe(0);
    expect(r.early).toBe(0);
    expect(r.pauses).toBe(0);
  });
});
