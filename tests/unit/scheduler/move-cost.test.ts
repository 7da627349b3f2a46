/**
 * The planner prices a move (issue 15): a paused job whose checkpoint lies at site a resumes on
 * the cleaner site b only when b saves more than the copy's time costs (`PlanJob.moveMs`).
 */
import { plan, type PlanInput, type PlanJob, type SlotSeries } from '../../../scheduler';

const SLOT = 3_600_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');

function series(zone: string, values: number[]): SlotSeries {
  return { zone, startMs: T0, slotMs: SLOT, gPerKWh: values };
}

function pausedAtA(over: Partial<PlanJob> = {}): PlanJob {
  return {
    id: 'j', phase: 'paused', submittedAtMs: T0, deadlineMs: T0 + 6 * SLOT, remainingWorkMs: 2 * SLOT, powerW: 1000, gpus: 1,
    sites: ['a', 'b'], homeSite: 'a', currentSite: 'a', pauseOverheadMs: 0, ...over,
  };
}

/** a at 200 g/kWh, b at 150: running 2 h on b saves 100 g (1 kW). */
function input(job: PlanJob): PlanInput {
  return {
    nowMs: T0, slotMs: SLOT, safetyMarginMs: 0, policy: 'carbond', jobs: [job],
    sites: [{ name: 'a', zone: 'A', gpus: 1 }, { name: 'b', zone: 'B', gpus: 1 }],
    series: { A: series('A', [200, 200, 200, 200, 200, 200]), B: series('B', [150, 150, 150, 150, 150, 150]) },
  };
}

describe('the move cost of a site pair', () => {
  it('moves to the cleaner site when nothing has to be copied', () => {
    const d = plan(input(pausedAtA())).decisions[0]!;
    expect(d).toMatchObject({ action: 'resume', site: 'b' });
  });

  it('moves when the saving (100 g) exceeds the copy (15 min at 1 kW and 150 g/kWh = 37.5 g)', () => {
    const d = plan(input(pausedAtA({ moveMs: { b: 15 * 60_000 } }))).decisions[0]!;
    expect(d).toMatchObject({ action: 'resume', site: 'b' });
  });

  it('stays where its checkpoint is when the copy (1 h = 150 g) costs more than the 100 g saved', () => {
    const d = plan(input(pausedAtA({ moveMs: { b: 60 * 60_000 } }))).decisions[0]!;
    expect(d).toMatchObject({ action: 'resume', site: 'a' });
    expect(plan(input(pausedAtA({ moveMs: { b: 60 * 60_000 } }))).jobs[0]!.segments.every((s) => s.site === 'a')).toBe(true);
  });

  it('prices a running job\'s migration the same way', () => {
    const running = (moveMs?: Record<string, number>): PlanJob => pausedAtA({ phase: 'running', runStartedAtMs: T0 - 10 * SLOT, ...(moveMs ? { moveMs } : {}) });
    expect(plan(input(running())).decisions[0]).toMatchObject({ action: 'migrate', site: 'b' });
    expect(plan(input(running({ b: 60 * 60_000 }))).decisions[0]).toMatchObject({ action: 'keep', site: 'a' });
  });
});
