/** A real ledger + real local executor + JobLifecycle with a plan the test controls. */
import { groupOf, killGroup } from '../../helpers/groups';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { closeLedger, openLedger, type Db } from '../../../src/ledger/db';
import { insertJob, type JobRecord } from '../../../src/ledger/jobs';
import { LocalProcessExecutor } from '../../../src/executors/local-process';
import { storeVerifier } from '../../../src/executors/verify';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import type { RetryBackoff } from '../../../src/daemon/jobs/retry';
import type { ActionKind, Plan, PlanInput } from '../../../scheduler/types';
import { jobRecord } from '../../contract/executors/job-record';

export const PROTOCOL_JOB = path.resolve(__dirname, '../../fixtures/jobs/protocol-job.js');
export const PLAIN_LOOP = path.resolve(__dirname, '../../fixtures/jobs/plain-loop.sh');

export interface Harness {
  dir: string;
  db: Db;
  lifecycle: JobLifecycle;
  /** What the plan says per job id (default `start`). */
  actions: Map<string, ActionKind>;
  submit(fields: Partial<JobRecord>): JobRecord;
  tick(): Promise<void>;
  close(): Promise<void>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function makeHarness(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-life-')), options: { retryBackoff?: RetryBackoff } = {}): Harness {
  const db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: systemClock.now() });
  const verify = storeVerifier(systemClock);
  const executor = new LocalProcessExecutor({ stateDir: dir, clock: systemClock, verifyCheckpoint: verify });
  const actions = new Map<string, ActionKind>();
  const planSource = (input: PlanInput): Plan => ({
    createdAtMs: input.nowMs, policy: input.policy, jobs: [], nextWakeMs: input.nowMs + 1000,
    decisions: input.jobs.map((j) => ({ jobId: j.id, action: actions.get(j.id) ?? 'start', site: 'local', reason: `test plan: ${actions.get(j.id) ?? 'start'}` })),
  });
  const lifecycle = new JobLifecycle({
    db, clock: systemClock, logger: nullLogger, verifyCheckpoint: verify, planSource, ...options,
    sites: [{ name: 'local', zone: 'GB', gpus: 2, executor, jobPowerW: () => 100, suspendedPowerW: () => 20 }],
  });
  return {
    dir, db, lifecycle, actions,
    submit: (fields) => {
      const cwd = fs.mkdtempSync(path.join(dir, 'cwd-'));
      const job = jobRecord({ cwd, checkpointDir: path.join(cwd, 'ckpt'), submittedAtMs: systemClock.now(), ...fields });
      insertJob(db, job);
      return job;
    },
    tick: async () => { await lifecycle.tick(systemClock.now()); },
    close: async () => {
      for (const run of db.prepare('SELECT pid, pid_start_ticks AS startTicks FROM runs WHERE pid IS NOT NULL').all() as Array<{ pid: number; startTicks: string | null }>) {
        killGroup(groupOf(run.pid, run.startTicks));
      }
      await lifecycle.idle();
      closeLedger(db);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Lines of the job's starts.log: `[jobId, pid, resumeStep]`. */
export function startsOf(job: JobRecord): Array<{ pid: number; step: number }> {
  const file = path.join(job.cwd, 'starts.log');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' ')).map(([, pid, step]) => ({ pid: Number(pid), step: Number(step) }));
}

/** Ticks the lifecycle (and waits for its background pauses) until `done`, or throws after `timeoutMs`. */
export async function tickUntil(h: Harness, done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await h.tick();
    await h.lifecycle.idle();
    await sleep(50);
  }
}
