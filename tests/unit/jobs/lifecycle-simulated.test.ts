/** The job lifecycle over the simulated executor and a manual clock: deterministic, no processes. */
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { openLedger, type Db } from '../../../src/ledger/db';
import { checkpointsOf } from '../../../src/ledger/checkpoints';
import { currentState, insertJob, setManualOverride, transitionsOf } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { runEverything } from '../../../src/daemon/jobs/default-plan';
import type { Plan, PlanInput } from '../../../scheduler/types';
import { jobRecord } from '../../contract/executors/job-record';

const T0 = Date.parse('2026-11-29T00:00:00Z');
const MIN = 60_000;

describe('the job lifecycle over the simulated executor', () => {
  let db: Db;
  let clock: ManualClock;
  let executor: SimulatedExecutor;
  let inputs: PlanInput[];
  let pauseBetween: [number, number] | undefined;

  function lifecycle(): JobLifecycle {
    const planSource = (input: PlanInput): Plan => {
      inputs.push(input);
      const plan = runEverything(input);
      const pausing = pauseBetween && input.nowMs >= pauseBetween[0] && input.nowMs < pauseBetween[1];
      return pausing ? { ...plan, decisions: input.jobs.map((j) => ({ jobId: j.id, action: 'pause' as const, reason: 'dirty hour' })) } : plan;
    };
    return new JobLifecycle({ db, clock, logger: nullLogger, planSource, verifyCheckpoint: async (a) => ({ ...a, bytes: 1 }), slotMs: 5 * MIN,
      sites: [{ name: 'sim', zone: 'GB', gpus: 1, executor, jobPowerW: (g) => 65 + 300 * g, suspendedPowerW: () => 15 }] });
  }

  beforeEach(() => {
    db = openLedger(':memory:', { nowMs: T0 });
    clock = new ManualClock(T0);
    executor = new SimulatedExecutor({ clock, behaviourOf: () => ({ stepMs: 1_000, totalSteps: 3_600, checkpointEverySteps: 600, ignoresPause: false, pauseLatencyMs: 2_000 }) });
    inputs = [];
    pauseBetween = undefined;
  });
  afterEach(() => db.close());

  async function runFor(lc: JobLifecycle, minutes: number): Promise<void> {
    for (let i = 0; i < minutes; i++) {
      clock.advance(MIN);
      executor.tick();
      await lc.tick(clock.now());
      await lc.idle();
    }
  }

  it('runs a job through a planned pause to the end, persisting every plan and feeding progress back into the plan input', async () => {
    const job = jobRecord({ cwd: '/sim', checkpointDir: path.join('/sim', 'ckpt'), sites: ['sim'], homeSite: 'sim', gpus: 1, submittedAtMs: T0 });
    insertJob(db, job);
    const lc = lifecycle();
    pauseBetween = [T0 + 20 * MIN, T0 + 40 * MIN];
    await lc.tick(clock.now());
    await runFor(lc, 90);
    expect(currentState(db, job.id)).toBe('finished');
    expect(transitionsOf(db, job.id).map((t) => t.to)).toEqual(['queued', 'running', 'pausing', 'paused', 'running', 'finished']);
    const runs = runsOf(db, job.id);
    expect(runs.map((r) => [r.exitKind, r.startStep, r.lastStep])).toEqual([['paused', 0, 1_200], ['finished', 1_200, 3_600]]);
    expect(runs[0]!.gpuIds).toBe('0');
    expect(checkpointsOf(db, job.id).map((c) => c.step)).toEqual([600, 1_200, 1_800, 2_400, 3_000, 3_600]);
    const midway = inputs.find((i) => i.nowMs === T0 + 10 * MIN)!;
    expect(midway.jobs[0]).toMatchObject({ phase: 'running', powerW: 365, currentSite: 'sim', remainingWorkMs: 3_000_000 });
    const plans = db.prepare('SELECT COUNT(*) AS n FROM plans').get() as { n: number };
    expect(plans.n).toBe(inputs.filter((i) => i.jobs.length > 0).length);
    const pauseDecision = db.prepare("SELECT reason FROM decisions WHERE action = 'pause' LIMIT 1").get() as { reason: string };
    expect(pauseDecision.reason).toBe('dirty hour');
  });

  it('keeps a manual pause over a plan that says run, until the override is released', async () => {
    const job = jobRecord({ cwd: '/sim', checkpointDir: '/sim/ckpt', sites: ['sim'], homeSite: 'sim', submittedAtMs: T0 });
    insertJob(db, job);
    const lc = lifecycle();
    await runFor(lc, 2);
    setManualOverride(db, job.id, 'pause');
    await runFor(lc, 10);
    expect(currentState(db, job.id)).toBe('paused');
    expect(runsOf(db, job.id)).toHaveLength(1);
    setManualOverride(db, job.id, null);
    await runFor(lc, 1);
    expect(currentState(db, job.id)).toBe('running');
    expect(runsOf(db, job.id)[1]!.startStep).toBe(runsOf(db, job.id)[0]!.lastStep);
  });

  it('does not start a GPU job while the site\'s GPUs are all taken, then starts it when one frees up', async () => {
    const a = jobRecord({ cwd: '/sim', checkpointDir: '/sim/a', sites: ['sim'], homeSite: 'sim', gpus: 1, submittedAtMs: T0 });
    const b = jobRecord({ cwd: '/sim', checkpointDir: '/sim/b', sites: ['sim'], homeSite: 'sim', gpus: 1, submittedAtMs: T0 });
    insertJob(db, a);
    insertJob(db, b);
    const lc = lifecycle();
    await runFor(lc, 5);
    expect([currentState(db, a.id), currentState(db, b.id)]).toEqual(['running', 'queued']);
    await runFor(lc, 60);
    expect([currentState(db, a.id), currentState(db, b.id)]).toEqual(['finished', 'running']);
  });

  it('records a run that wrote its last progress and exited between a read and a poll at its final step', async () => {
    // The final event becomes visible only once the process is seen to have exited: a daemon
    // that reads, then polls, finishes the run short of its last step.
    const inner = executor;
    let done = false;
    let exitSeen = false;
    executor = Object.assign(Object.create(inner) as SimulatedExecutor, {
      poll: (h: Parameters<SimulatedExecutor['poll']>[0]) => (done ? (exitSeen = true, { state: 'exited' as const, exit: { code: 0, signal: null, known: true } }) : inner.poll(h)),
      events: (h: Parameters<SimulatedExecutor['events']>[0], offset: number) => {
        if (!done) return inner.events(h, offset);
        return exitSeen ? { events: [{ event: 'progress' as const, step: 3_600, totalSteps: 3_600 }], nextOffset: offset + 1 } : { events: [], nextOffset: offset };
      },
    });
    const lc = lifecycle();
    const job = jobRecord({ cwd: '/sim', checkpointDir: '/sim/ckpt', sites: ['sim'], homeSite: 'sim', submittedAtMs: T0 });
    insertJob(db, job);
    await runFor(lc, 5);
    expect(currentState(db, job.id)).toBe('running');
    done = true;
    await runFor(lc, 1);
    expect(currentState(db, job.id)).toBe('finished');
    expect(runsOf(db, job.id)).toMatchObject([{ exitKind: 'finished', lastStep: 3_600 }]);
  });
});
