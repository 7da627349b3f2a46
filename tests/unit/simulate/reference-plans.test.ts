/** The benchmark's reference rows as plan sources (src/simulate/reference-plans.ts). */
import { committedAtSubmission, replanningEvery } from '../../../src/simulate/reference-plans';
import type { Plan, PlanInput, PlanJob } from '../../../scheduler';

const H = 3_600_000;
const job = (id: string, phase: PlanJob['phase'], currentSite?: string): PlanJob => ({
  id, phase, submittedAtMs: 0, deadlineMs: 24 * H, remainingWorkMs: H, powerW: 100, gpus: 1, sites: ['a', 'b'], homeSite: 'a',
  pauseOverheadMs: 0, ...(currentSite ? { currentSite } : {}),
});
const input = (nowMs: number, jobs: PlanJob[]): PlanInput => ({ nowMs, slotMs: 300_000, safetyMarginMs: 0, policy: 'carbond', sites: [], series: {}, jobs });

/** A planner that runs each job on `a` from 2 h to 3 h, then on `b` from 5 h to 6 h, and counts its calls. */
function fakePlanner(): { calls: number[]; source: (i: PlanInput) => Plan } {
  const calls: number[] = [];
  return {
    calls,
    source: (i) => {
      calls.push(i.nowMs);
      return {
        createdAtMs: i.nowMs, policy: i.policy, decisions: i.jobs.map((j) => ({ jobId: j.id, action: 'keep', reason: 'planned' })), nextWakeMs: i.nowMs + 300_000,
        jobs: i.jobs.map((j) => ({ jobId: j.id, expectedEmissionsG: 0, guarded: false, segments: [{ site: 'a', startMs: 2 * H, endMs: 3 * H }, { site: 'b', startMs: 5 * H, endMs: 6 * H }] })),
      };
    },
  };
}

describe('reference plan sources', () => {
  it('re-plans on multiples of the period and for an unplanned job, and follows the last plan between', () => {
    const p = fakePlanner();
    const source = replanningEvery(p.source, H);
    source(input(0, [job('x', 'queued')]));
    expect(source(input(2 * H + 60_000, [job('x', 'queued')])).decisions).toEqual([{ jobId: 'x', action: 'start', site: 'a', reason: 'following the last plan' }]);
    expect(source(input(3 * H + 60_000, [job('x', 'running', 'a')])).decisions[0]!.action).toBe('pause');
    expect(source(input(5 * H + 60_000, [job('x', 'running', 'a')])).decisions[0]).toMatchObject({ action: 'migrate', site: 'b' });
    const between = source(input(5 * H + 120_000, [job('x', 'running', 'b')]));
    expect(between.decisions[0]!.action).toBe('keep');
    expect(between.nextWakeMs).toBe(6 * H); // the segment's end comes before the next hour
    expect(p.calls).toEqual([0]);
    source(input(6 * H, [job('x', 'running', 'b')])); // a multiple of the period
    source(input(6 * H + 60_000, [job('x', 'running', 'b'), job('y', 'queued')])); // a job it has not planned
    expect(p.calls).toEqual([0, 6 * H, 6 * H + 60_000]);
  });

  it('keeps the plan made when each job was first seen', () => {
    const p = fakePlanner();
    const source = committedAtSubmission(p.source);
    source(input(0, [job('x', 'queued')]));
    source(input(H, [job('x', 'queued')]));
    expect(p.calls).toEqual([0]);
    const later = source(input(2 * H, [job('x', 'queued'), job('y', 'queued')]));
    expect(p.calls).toEqual([0, 2 * H]);
    expect(later.decisions.map((d) => d.action)).toEqual(['start', 'start']);
    expect(later.nextWakeMs).toBe(3 * H);
  });
});
