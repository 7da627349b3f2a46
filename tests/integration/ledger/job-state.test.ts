/**
 * `jobs.state` (migration 4): the current state on the job's row, kept with each transition,
 * backfilled from the history, and what lets a daemon tick read its open jobs only — a ledger
 * with a year of finished jobs must not be read again on every tick.
 */
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { runEverything } from '../../../src/daemon/jobs/default-plan';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { buildPlanInput } from '../../../src/daemon/jobs/plan-input';
import type { SiteModel } from '../../../src/daemon/jobs/types';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { migrate, openLedger, type Db } from '../../../src/ledger/db';
import * as jobs from '../../../src/ledger/jobs';
import { appendTransition, currentState, insertJob, listOpenJobs, transitionsOf } from '../../../src/ledger/jobs';
import { migrations } from '../../../src/ledger/migrations';
import { endRun, insertRun } from '../../../src/ledger/runs';
import type { JobState } from '../../../src/jobs/states';
import { jobRecord } from '../../contract/executors/job-record';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const T0 = Date.parse('2030-03-04T10:00:00Z');
const MIN = 60_000;

describe('the job state column', () => {
  let dir: string;
  let db: Db;

  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => {
    if (db?.open) db.close();
    removeDir(dir);
  });

  const submit = (id: string, submittedAtMs = T0): string => {
    insertJob(db, jobRecord({ id, cwd: dir, checkpointDir: path.join(dir, id), sites: ['box'], homeSite: 'box', submittedAtMs }));
    return id;
  };
  const walk = (id: string, states: readonly JobState[]): void => {
    states.forEach((s, i) => appendTransition(db, id, s, T0 + (i + 1) * MIN, `to ${s}`));
  };

  it('is backfilled by migration 4 with the newest transition of every job written before it', () => {
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: T0, migrations: migrations.filter((m) => m.version <= 3) });
    submit('q', T0 - 5 * MIN);
    walk(submit('p', T0 - 4 * MIN), ['running', 'pausing', 'paused']);
    walk(submit('c', T0 - 3 * MIN), ['running', 'cancelled']);
    walk(submit('f', T0 - 2 * MIN), ['running', 'finished']);
    walk(submit('s', T0 - MIN), ['running', 'suspended']);
    const before = db.prepare('SELECT COUNT(*) FROM transitions').pluck().get();
    expect(listOpenJobs(db).map((j) => j.job.id).sort()).toEqual(['p', 'q', 's']); // the pre-4 path reads the transitions

    expect(migrate(db, migrations.filter((m) => m.version <= 4), T0 + HOUR)).toEqual([4]);

    const states = Object.fromEntries((db.prepare('SELECT id, state FROM jobs').all() as Array<{ id: string; state: string }>).map((r) => [r.id, r.state]));
    expect(states).toEqual({ q: 'queued', p: 'paused', c: 'cancelled', f: 'finished', s: 'suspended' });
    expect(db.prepare('SELECT COUNT(*) FROM transitions').pluck().get()).toBe(before); // the history is not rewritten
    for (const id of Object.keys(states)) expect(currentState(db, id)).toBe(transitionsOf(db, id).at(-1)!.to);
    expect(listOpenJobs(db).map((j) => [j.job.id, j.state])).toEqual([['q', 'queued'], ['p', 'paused'], ['s', 'suspended']]);
  });

  it('leaves a job with no transition at all null, as its current state is', () => {
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: T0, migrations: migrations.filter((m) => m.version <= 3) });
    submit('a');
    db.prepare('PRAGMA foreign_keys = OFF').run();
    db.prepare('DELETE FROM transitions').run();
    migrate(db, migrations, T0);
    expect(db.prepare('SELECT state FROM jobs').pluck().get()).toBeNull();
    expect(currentState(db, 'a')).toBeNull();
  });

  it('moves with each transition, in the same transaction: a rolled-back transition leaves row and column as they were', () => {
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: T0 });
    walk(submit('a'), ['running']);
    expect(db.prepare('SELECT state FROM jobs WHERE id = ?').pluck().get('a')).toBe('running');
    expect(() => db.transaction(() => {
      appendTransition(db, 'a', 'cancelled', T0 + 9 * MIN, 'cancel');
      throw new Error('crash before commit');
    })()).toThrow('crash before commit');
    expect(db.prepare('SELECT state FROM jobs WHERE id = ?').pluck().get('a')).toBe('running');
    expect(transitionsOf(db, 'a').map((t) => t.to)).toEqual(['queued', 'running']);
    expect(() => appendTransition(db, 'a', 'queued', T0 + 10 * MIN, 'illegal')).toThrow(/illegal transition running → queued/);
    expect(currentState(db, 'a')).toBe('running');
  });
});

const HOUR = 60 * MIN;

describe('a tick on a ledger with 1,000 finished jobs', () => {
  let dir: string;
  let db: Db;
  let sites: SiteModel[];
  const prepared: string[] = [];

  beforeEach(() => {
    dir = makeTempDir();
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: T0 });
    const executor = new SimulatedExecutor({ clock: new ManualClock(T0) });
    sites = [{ name: 'box', zone: 'Z', gpus: 8, executor, jobPowerW: () => 300, suspendedPowerW: () => 0 }];
    db.transaction(() => {
      for (let i = 0; i < 1_000; i++) {
        const job = jobRecord({ id: `done-${i}`, cwd: dir, checkpointDir: dir, sites: ['box'], homeSite: 'box', submittedAtMs: T0 - 400 * HOUR + i * MIN });
        insertJob(db, job);
        const run = insertRun(db, { jobId: job.id, site: 'box', startedAtMs: job.submittedAtMs, gpuIds: '', resumedFrom: null, startStep: 0 });
        appendTransition(db, job.id, 'running', job.submittedAtMs, 'started');
        endRun(db, run.id, { endedAtMs: job.submittedAtMs + MIN, exitKind: 'finished', exitCode: 0, exitSignal: null, lostSteps: 0 });
        appendTransition(db, job.id, i % 10 === 0 ? 'failed' : 'finished', job.submittedAtMs + MIN, 'exit');
      }
      for (const id of ['open-1', 'open-2', 'open-3']) insertJob(db, jobRecord({ id, cwd: dir, checkpointDir: dir, sites: ['box'], homeSite: 'box', submittedAtMs: T0 - MIN }));
    })();
    const prepare = db.prepare.bind(db);
    prepared.length = 0;
    jest.spyOn(db, 'prepare').mockImplementation(((sql: string) => { prepared.push(sql); return prepare(sql); }) as typeof db.prepare);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    db.close();
    removeDir(dir);
  });

  it('plans from the open jobs only, never listing every job or every state', () => {
    const listJobs = jest.spyOn(jobs, 'listJobs');
    const currentStates = jest.spyOn(jobs, 'currentStates');
    const open = jest.spyOn(jobs, 'listOpenJobs');
    const input = buildPlanInput(db, { nowMs: T0, slotMs: 5 * MIN, safetyMarginMs: 0, policy: 'carbond', sites, signal: { series: {} } });
    expect(input.jobs.map((j) => j.id)).toEqual(['open-1', 'open-2', 'open-3']);
    expect(open).toHaveBeenCalledTimes(1);
    expect(open.mock.results[0]!.value).toHaveLength(3);
    expect(listJobs).not.toHaveBeenCalled();
    expect(currentStates).not.toHaveBeenCalled();
  });

  it('runs no query of the tick as a full scan of jobs, transitions, runs, progress or checkpoints (EXPLAIN QUERY PLAN)', async () => {
    const lifecycle = new JobLifecycle({ db, clock: new ManualClock(T0), logger: nullLogger, sites, planSource: runEverything, verifyCheckpoint: async (a) => ({ ...a, bytes: 1 }) });
    const listJobs = jest.spyOn(jobs, 'listJobs');
    await lifecycle.tick(T0);
    await lifecycle.tick(T0 + MIN);
    await lifecycle.pauseAll(T0 + 2 * MIN, 'daemon stopping');
    expect(listJobs).not.toHaveBeenCalled();
    expect(listOpenJobs(db).map((j) => j.state)).toEqual(['paused', 'paused', 'paused']);
    const scans = new Set<string>();
    for (const sql of new Set(prepared)) {
      if (!/^\s*(SELECT|WITH|UPDATE|DELETE)/i.test(sql)) continue;
      const params = (sql.match(/\?/g) ?? []).map(() => null);
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
      for (const { detail } of plan) {
        if (/^SCAN (jobs|transitions|runs|progress|checkpoints)\b(?! USING (COVERING )?INDEX runs_open)/.test(detail)) scans.add(`${detail} ← ${sql.replace(/\s+/g, ' ')}`);
      }
    }
    expect([...scans]).toEqual([]);
  });
});
