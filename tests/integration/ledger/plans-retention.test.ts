/**
 * Ledger retention of plans and decisions (src/ledger/plans.ts), on a real SQLite file: the
 * daemon stores a plan at every tick, so what it keeps must grow with jobs and their changes,
 * not with ticks, while `show` and reports read the same decisions as before.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nullLogger } from '../../../src/core/logger';
import type { DaemonContext } from '../../../src/daemon/context';
import { walCheckpointStep } from '../../../src/daemon/housekeeping';
import { checkpointWal, openLedger, type Db } from '../../../src/ledger/db';
import { insertJob } from '../../../src/ledger/jobs';
import { decisionsOf, pruneSupersededPlans, recordPlan, SUPERSEDED_PLAN_JSON, type PlanRow, type PrunedUpTo } from '../../../src/ledger/plans';
import { loadReportRows } from '../../../src/ledger/report-rows';
import { jobRecord } from '../../contract/executors/job-record';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const T0 = Date.parse('2030-03-04T10:00:00Z');
const MIN = 60_000;

type Action = [action: string, site: string | null];

describe('plans and decisions in the ledger', () => {
  let dir: string;
  let db: Db;

  beforeEach(() => {
    dir = makeTempDir();
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: T0 });
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  function addJobs(n: number): string[] {
    return Array.from({ length: n }, (_, i) => {
      const job = jobRecord({ id: `j${i}`, cwd: dir, checkpointDir: path.join(dir, `c${i}`), submittedAtMs: T0 });
      insertJob(db, job);
      return job.id;
    });
  }

  /** A plan at tick `tick` (one a minute) with one decision per job; its reason names the time, as the planner's do. */
  function planAt(tick: number, actions: ReadonlyMap<string, Action>, bodyBytes = 200): PlanRow {
    const atMs = T0 + tick * MIN;
    return {
      createdAtMs: atMs, policy: 'carbond', nextWakeMs: atMs + 5 * MIN, planJson: JSON.stringify({ tick, pad: 'x'.repeat(bodyBytes) }),
      decisions: [...actions].map(([jobId, [action, site]]) => ({ jobId, action, site, reason: `${action} ${new Date(atMs).toISOString().slice(11, 16)}: because` })),
    };
  }

  const count = (table: string): number => (db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number);

  /** job a: start, keep ×4, pause (asked twice while pausing), keep ×2, resume, keep. */
  const SCRIPT: Action[] = [['start', 'box'], ['keep', 'box'], ['keep', 'box'], ['keep', 'box'], ['keep', 'box'], ['pause', null], ['pause', null], ['keep', null], ['keep', null], ['resume', 'box'], ['keep', 'box']];

  it('stores a decision only when it changes the job\'s action or site, so show lists changes, newest first', () => {
    addJobs(1);
    SCRIPT.forEach((a, tick) => recordPlan(db, planAt(tick, new Map([['j0', a]]))));
    expect(count('plans')).toBe(SCRIPT.length);
    expect(decisionsOf(db, 'j0').map((d) => [d.action, d.site, d.atMs])).toEqual([
      ['keep', 'box', T0 + 10 * MIN], ['resume', 'box', T0 + 9 * MIN], ['keep', null, T0 + 7 * MIN], ['pause', null, T0 + 5 * MIN], ['keep', 'box', T0 + MIN], ['start', 'box', T0],
    ]);
  });

  it('gives reports the same decision log (no keeps, no repeats), with the first reason of each', () => {
    addJobs(1);
    SCRIPT.forEach((a, tick) => recordPlan(db, planAt(tick, new Map([['j0', a]]))));
    const rows = loadReportRows(db, { fromMs: T0 - MIN, toMs: T0 + 60 * MIN });
    expect(rows.decisions.map((d) => [d.action, d.reason])).toEqual([['start', 'start 10:00: because'], ['pause', 'pause 10:05: because'], ['resume', 'resume 10:09: because']]);
  });

  it('keeps the body of the newest plan only', () => {
    addJobs(1);
    for (let tick = 0; tick < 3; tick++) recordPlan(db, planAt(tick, new Map([['j0', ['keep', null]]])));
    const bodies = db.prepare('SELECT plan_json FROM plans ORDER BY id').pluck().all() as string[];
    expect(bodies.slice(0, 2)).toEqual([SUPERSEDED_PLAN_JSON, SUPERSEDED_PLAN_JSON]);
    expect(JSON.parse(bodies[2]!)).toMatchObject({ tick: 2 });
  });

  it('deletes in housekeeping the superseded plans no decision refers to, keeping the newest, across several prunes', () => {
    addJobs(1);
    SCRIPT.slice(0, 6).forEach((a, tick) => recordPlan(db, planAt(tick, new Map([['j0', a]]))));
    let pruned = pruneSupersededPlans(db);
    // Plans 1 (start), 2 (first keep) and 6 (pause, also the newest) remain.
    expect(pruned.deleted).toBe(3);
    expect(db.prepare('SELECT created_at FROM plans ORDER BY id').pluck().all()).toEqual([T0, T0 + MIN, T0 + 5 * MIN]);
    SCRIPT.slice(6).forEach((a, tick) => recordPlan(db, planAt(tick + 6, new Map([['j0', a]]))));
    pruned = pruneSupersededPlans(db, pruned.upTo);
    expect(pruned.deleted).toBe(2);
    expect(db.prepare('SELECT created_at FROM plans ORDER BY id').pluck().all()).toEqual([T0, T0 + MIN, T0 + 5 * MIN, T0 + 7 * MIN, T0 + 9 * MIN, T0 + 10 * MIN]);
    // Nothing new: nothing to do; every decision still has its plan (foreign keys are on).
    expect(pruneSupersededPlans(db, pruned.upTo).deleted).toBe(0);
    expect(count('decisions')).toBe(6);
  });

  it('is pruned by the daemon\'s housekeeping step with the WAL checkpoint, every N ticks', async () => {
    addJobs(1);
    const step = walCheckpointStep({ db, logger: nullLogger } as unknown as DaemonContext, 3);
    const plans = (): number[] => db.prepare('SELECT created_at FROM plans ORDER BY id').pluck().all() as number[];
    for (let tick = 0; tick < 5; tick++) {
      recordPlan(db, planAt(tick, new Map([['j0', SCRIPT[tick]!]])));
      await step.run(T0 + tick * MIN);
    }
    // Pruned at the third tick (plans 1 and 2 have the decisions start and keep; 3 is the newest then); 4 and 5 wait for the sixth.
    expect(plans()).toEqual([T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN]);
    recordPlan(db, planAt(5, new Map([['j0', SCRIPT[5]!]])));
    await step.run(T0 + 5 * MIN);
    expect(plans()).toEqual([T0, T0 + MIN, T0 + 5 * MIN]);
    expect(fs.statSync(path.join(dir, 'ledger.sqlite-wal')).size).toBe(0);
  });

  it('prunes a ledger written before retention in bounded steps, dropping the old bodies', () => {
    addJobs(1);
    for (let tick = 0; tick < 20; tick++) {
      db.prepare('INSERT INTO plans (created_at, policy, next_wake_at, plan_json) VALUES (?, ?, ?, ?)').run(T0 + tick * MIN, 'carbond', null, '{"old":true}');
      if (tick % 5 === 0) db.prepare('INSERT INTO decisions (plan_id, job_id, at, action, site, reason) VALUES (?, ?, ?, ?, ?, ?)').run(tick + 1, 'j0', T0 + tick * MIN, 'keep', null, 'old');
    }
    let upTo = { planId: 0, decisionId: 0 };
    let steps = 0;
    for (;;) {
      const r = pruneSupersededPlans(db, upTo, 4);
      if (r.upTo.planId === upTo.planId) break;
      upTo = r.upTo;
      steps++;
    }
    expect(steps).toBe(5);
    expect(db.prepare('SELECT id FROM plans ORDER BY id').pluck().all()).toEqual([1, 6, 11, 16, 20]);
    expect(db.prepare('SELECT plan_json FROM plans ORDER BY id').pluck().all()).toEqual([...new Array<string>(4).fill(SUPERSEDED_PLAN_JSON), '{"old":true}']);
  });

  it('grows with jobs, not with ticks: 600 more ticks of a 300-job plan whose decisions do not change add almost nothing', () => {
    const ids = addJobs(300);
    const running = new Map<string, Action>(ids.map((id) => [id, ['keep', 'box']]));
    const bytes = (): number => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    let upTo: PrunedUpTo | undefined;
    const tickOnce = (tick: number): void => {
      recordPlan(db, planAt(tick, running, 60_000));
      if (tick % 15 === 14) {
        upTo = pruneSupersededPlans(db, upTo).upTo;
        checkpointWal(db);
      }
    };
    for (let tick = 0; tick < 60; tick++) tickOnce(tick);
    const before = bytes();
    for (let tick = 60; tick < 660; tick++) tickOnce(tick);
    const grownBytes = bytes() - before;
    // About 14 bytes a tick for the plan rows between two prunes; 600 ticks of bodies and decisions would be ~60 MB.
    expect(grownBytes).toBeLessThan(100_000);
    expect(count('decisions')).toBe(300);
    expect(count('plans')).toBeLessThanOrEqual(16);
    expect(fs.statSync(path.join(dir, 'ledger.sqlite')).size).toBeLessThan(2_000_000);
  });
});
