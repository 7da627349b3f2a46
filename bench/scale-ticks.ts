/**
 * Does a daemon tick cost what is in play, or the whole history? The real `JobLifecycle.tick`
 * (plan source `runEverything`, the simulated executor, a ledger in a temporary file) with 20
 * open jobs, over a ledger holding no finished jobs and one holding 100,000 (a busy box after
 * a year or two). Target: the median tick with 100,000 finished jobs ≤ 2 × the median with none.
 * Before `jobs.state` (migration 4) every tick read every job and grouped every transition.
 * `tickScaling()` is what `bench/scale.ts` calls; `node dist/bench/scale-ticks.js` runs it alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/core/clock';
import { nullLogger } from '../src/core/logger';
import { runEverything } from '../src/daemon/jobs/default-plan';
import { JobLifecycle } from '../src/daemon/jobs/lifecycle';
import { SimulatedExecutor } from '../src/executors/simulated';
import { checkpointWal, closeLedger, ledgerPath, openLedger, type Db } from '../src/ledger/db';
import { appendTransition, insertJob, type JobRecord } from '../src/ledger/jobs';
import { endRun, insertRun, recordProgress } from '../src/ledger/runs';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2031-01-05T00:00:00Z');
/** Jobs in play at every tick (8 run on the site's 8 GPUs, 12 wait for GPUs). */
export const OPEN_JOBS = 20;
/** Finished history of the big ledger. */
export const FINISHED_JOBS = 100_000;
/** Ticks measured per ledger (after one that starts the open jobs); the median is reported. */
export const MEASURED_TICKS = 15;

/** Unmeasured ticks first: the JIT and SQLite's page cache warm up on them, not on the figure. */
const WARM_UP_TICKS = 5;

export interface BenchRow { name: string; value: string; target: string; ok: boolean }

function jobOf(id: string, submittedAtMs: number): JobRecord {
  return {
    id, name: id, owner: `user${id.length % 7}`, uid: null, gid: null, command: ['python', 'train.py'], useShell: false, cwd: '/srv', env: {},
    submittedAtMs, deadlineMs: submittedAtMs + 48 * HOUR, estimateMs: 10 * HOUR, totalSteps: null, powerW: 300, gpus: 1, sites: ['box'], homeSite: 'box',
    mode: 'checkpoint', pauseSignal: 'SIGTERM', checkpointTimeoutMs: 60_000, pauseOverheadMs: 60_000, tags: { project: 'p' }, manualOverride: null, checkpointDir: '/srv/ck',
  };
}

/** `count` jobs that ran once and finished (every tenth failed), through the ledger's own functions, in one transaction. */
function writeFinished(db: Db, count: number): void {
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const job = jobOf(`done-${i}`, T0 - 2 * 365 * 24 * HOUR + i * 10 * MIN);
      insertJob(db, job);
      const run = insertRun(db, { jobId: job.id, site: 'box', startedAtMs: job.submittedAtMs + MIN, gpuIds: '0', resumedFrom: null, startStep: 0 });
      appendTransition(db, job.id, 'running', job.submittedAtMs + MIN, 'run-everything: start now');
      recordProgress(db, run.id, job.submittedAtMs + 5 * MIN, 100, 100);
      const failed = i % 10 === 0;
      endRun(db, run.id, { endedAtMs: job.submittedAtMs + 6 * MIN, exitKind: failed ? 'failed' : 'finished', exitCode: failed ? 1 : 0, exitSignal: null, lostSteps: 0 });
      appendTransition(db, job.id, failed ? 'failed' : 'finished', job.submittedAtMs + 6 * MIN, 'exit');
    }
  })();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median wall time of a tick, ms, with `finished` finished jobs and `OPEN_JOBS` open ones in a fresh ledger. */
export async function medianTickMs(finished: number, ticks = MEASURED_TICKS): Promise<{ medianMs: number; seedMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-bench-ticks-'));
  const db = openLedger(ledgerPath(dir), { nowMs: T0 });
  try {
    const s0 = performance.now();
    writeFinished(db, finished);
    checkpointWal(db); // as the daemon's housekeeping does: a year-old ledger is in its main file, not in a WAL
    const seedMs = performance.now() - s0;
    for (let i = 0; i < OPEN_JOBS; i++) insertJob(db, jobOf(`open-${i}`, T0 - HOUR + i * MIN));
    const clock = new ManualClock(T0);
    const executor = new SimulatedExecutor({ clock });
    const lifecycle = new JobLifecycle({ db, clock, logger: nullLogger, planSource: runEverything, verifyCheckpoint: async (a) => ({ ...a, bytes: 1 }),
      sites: [{ name: 'box', zone: 'Z', gpus: 8, executor, jobPowerW: () => 300, suspendedPowerW: () => 0 }] });
    await lifecycle.tick(clock.now()); // starts 8 of the open jobs
    for (let i = 0; i < WARM_UP_TICKS; i++) {
      clock.advance(MIN);
      await lifecycle.tick(clock.now());
    }
    const times: number[] = [];
    for (let i = 0; i < ticks; i++) {
      clock.advance(MIN);
      const t0 = performance.now();
      await lifecycle.tick(clock.now());
      times.push(performance.now() - t0);
    }
    await lifecycle.pauseAll(clock.now(), 'bench done');
    return { medianMs: median(times), seedMs };
  } finally {
    closeLedger(db);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The figure: tick time with 0 and with 100,000 finished jobs, and whether the larger stays within 2× the smaller. */
export async function tickScaling(finished = FINISHED_JOBS): Promise<BenchRow[]> {
  await medianTickMs(0, 5); // warms the code paths, so that the first ledger measured is not the cold one
  const empty = await medianTickMs(0);
  const full = await medianTickMs(finished);
  const limitMs = 2 * empty.medianMs;
  return [
    { name: `tick, ${OPEN_JOBS} open jobs, 0 finished (median of ${MEASURED_TICKS})`, value: `${empty.medianMs.toFixed(2)} ms`, target: 'baseline', ok: true },
    { name: `tick, ${OPEN_JOBS} open jobs, ${finished.toLocaleString('en')} finished (median of ${MEASURED_TICKS})`, value: `${full.medianMs.toFixed(2)} ms`,
      target: `≤ 2 × baseline (${limitMs.toFixed(2)} ms)`, ok: full.medianMs <= limitMs },
    { name: `writing ${finished.toLocaleString('en')} finished jobs (ledger functions, one transaction)`, value: `${(full.seedMs / 1000).toFixed(1)} s`, target: 'setup, not a target', ok: true },
  ];
}

if (require.main === module) {
  void tickScaling().then((rows) => {
    const w = Math.max(...rows.map((r) => r.name.length));
    console.log('carbond tick scaling: the daemon tick against the size of the finished history');
    for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.value.padStart(10)}  ${r.target}${r.ok ? '' : '  MISSED'}`);
    if (rows.some((r) => !r.ok)) process.exitCode = 1;
  });
}
