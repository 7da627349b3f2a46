/**
 * The crash suite: a real built daemon SIGKILLed at least 50 times at random points, with real
 * protocol jobs (tests/fixtures/jobs/protocol-job.js) running, submitted and paused around it.
 * Kills are aimed at the windows that matter: a run inserted but not started, started but its
 * PID not recorded (with and without the wrapper's pid file), a pause, the recording of a run's
 * end, a checkpoint being written, a tick, a graceful stop. After every kill and every restart
 * the invariants of ./crash-invariants hold; at the end every job has finished at its total
 * steps. First, each invariant check is shown to catch a state broken on purpose.
 *
 * `npx jest --config jest.reliability.config.js tests/reliability/crash.test.ts`
 * (CRASH_SEED=n replays a sequence; CRASH_CYCLES=n changes the number of SIGKILLs.)
 * Test-only hooks used: CARBOND_TEST_DELAY_AFTER_RUN_INSERT_MS, CARBOND_TEST_DELAY_BEFORE_PID_RECORD_MS
 * (src/daemon/jobs/extension.ts): they hold the two start windows open long enough to kill in.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openLedger } from '../../src/ledger/db';
import { insertJob } from '../../src/ledger/jobs';
import { killAll } from '../helpers/processes';
import { makeTempDir, removeDir } from '../helpers/state-dir';
import { sleep } from '../helpers/wait';
import { jobRecord } from '../contract/executors/job-record';
import { CrashBox, prng, within, type CrashJob } from './crash-daemon';
import {
  checkAll, checkEnergyOnce, checkIntegrity, checkJobsOnce, checkOpenRuns, checkProcessTrees, checkResumes, checkTransitions,
  snapshotJobProcesses, snapshotLedger, type LedgerSnapshot,
} from './crash-invariants';

const run = (id: number, jobId: string, fields: Partial<LedgerSnapshot['runs'][number]> = {}): LedgerSnapshot['runs'][number] =>
  ({ id, jobId, endedAt: null, resumedFrom: null, startStep: 0, lastStep: null, exitKind: null, ...fields });

describe('the crash suite\'s invariant checks catch a state broken on purpose', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir('cd-inv-'); });
  afterEach(() => removeDir(dir));

  it('integrity: a ledger with a page overwritten fails PRAGMA integrity_check', () => {
    const file = path.join(dir, 'ledger.sqlite');
    const db = openLedger(file, { nowMs: 0 });
    for (let i = 0; i < 300; i += 1) insertJob(db, jobRecord({ cwd: '/w', checkpointDir: `/w/${i}`, name: `job number ${i} `.repeat(8) }));
    const root = (db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'transitions_job'`).get() as { rootpage: number }).rootpage;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close(); // checkpoints the WAL into the file
    expect(checkIntegrity(snapshotLedger(file))).toEqual([]);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (root - 1) * pageSize);
    fs.closeSync(fd);
    expect(checkIntegrity(snapshotLedger(file))).toEqual([expect.stringMatching(/^integrity_check: (?!ok)/)]);
  });

  it('integrity: a ledger left with a hot rollback journal is read from a recovered copy, the ledger itself untouched', async () => {
    const file = path.join(dir, 'ledger.sqlite');
    const db = openLedger(file, { nowMs: 0 });
    for (let i = 0; i < 200; i += 1) insertJob(db, jobRecord({ cwd: '/w', checkpointDir: `/w/${i}`, name: 'x'.repeat(400) }));
    db.close();
    // A writer killed mid-transaction in rollback-journal mode (as a daemon killed late in its shutdown).
    const writer = spawn(process.execPath, ['-e', `
      const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(file)});
      db.pragma('journal_mode = DELETE'); db.pragma('cache_size = 5'); db.exec('BEGIN');
      for (let i = 0; i < 200; i += 1) db.prepare("UPDATE jobs SET name = ? WHERE rowid = ?").run('y'.repeat(400), i + 1);
      process.kill(process.pid, 'SIGKILL');`], { stdio: 'ignore' });
    await new Promise((r) => writer.once('exit', r));
    expect(fs.existsSync(`${file}-journal`)).toBe(true);
    expect(() => snapshotLedger(file)).toThrow(/readonly database/);
    const read = snapshotLedger(file, path.join(dir, 'copy'));
    expect({ recovered: read.recovered, integrity: checkIntegrity(read), jobs: read.jobs.length }).toEqual({ recovered: true, integrity: [], jobs: 200 });
    expect(fs.existsSync(`${file}-journal`)).toBe(true);
  });

  it('jobs once: a job twice, a job missing, a job never submitted', () => {
    expect(checkJobsOnce({ jobs: [{ id: 'a' }, { id: 'b' }] }, ['a', 'b'])).toEqual([]);
    expect(checkJobsOnce({ jobs: [{ id: 'a' }, { id: 'a' }, { id: 'x' }] }, ['a', 'b'])).toEqual([
      'job a is in the ledger 2 times', 'job b is in the ledger 0 times', 'job x is in the ledger but was never submitted']);
  });

  it('transitions: an illegal step and a broken chain', () => {
    const good = [{ id: 1, jobId: 'a', from: null, to: 'queued' }, { id: 2, jobId: 'a', from: 'queued', to: 'running' }];
    expect(checkTransitions({ transitions: good })).toEqual([]);
    expect(checkTransitions({ transitions: [...good, { id: 3, jobId: 'a', from: 'running', to: 'queued' }] })).toEqual(['job a: transition 3 running → queued is illegal']);
    expect(checkTransitions({ transitions: [...good, { id: 3, jobId: 'a', from: 'paused', to: 'running' }] })).toEqual(['job a: transition 3 starts from paused, but the job was running']);
  });

  it('resumes: from a corrupt checkpoint, another job\'s, at the wrong step, and a job that resumed from a step no verified checkpoint has', () => {
    const checkpoints = [{ id: 1, jobId: 'a', step: 20, status: 'pruned' }, { id: 2, jobId: 'a', step: 40, status: 'corrupt' }, { id: 3, jobId: 'b', step: 60, status: 'verified' }];
    expect(checkResumes({ runs: [run(1, 'a'), run(2, 'a', { resumedFrom: 1, startStep: 20 })], checkpoints }, new Map([['a', [0, 20]]]))).toEqual([]);
    expect(checkResumes({ runs: [run(2, 'a', { resumedFrom: 2, startStep: 40 }), run(3, 'a', { resumedFrom: 3, startStep: 60 }), run(4, 'a', { resumedFrom: 1, startStep: 30 }), run(5, 'a', { startStep: 7 })], checkpoints },
      new Map([['a', [0, 40]]]))).toEqual([
      'run 2 resumed from checkpoint 2, which is corrupt', 'run 3 of job a resumed from checkpoint 3 of job b',
      'run 4 starts at step 30 but its checkpoint 1 is at step 20', 'run 5 starts at step 7 without a checkpoint',
      'job a resumed from step 40, which is no verified checkpoint of it']);
  });

  it('open runs: two open runs of one job', () => {
    expect(checkOpenRuns({ runs: [run(1, 'a', { endedAt: 5 }), run(2, 'a'), run(3, 'b')] })).toEqual([]);
    expect(checkOpenRuns({ runs: [run(1, 'a'), run(2, 'a')] })).toEqual(['job a has 2 open runs (1, 2)']);
  });

  it('energy once: the same interval of a run sampled twice', () => {
    const e = (id: number, start: number, runId: number | null = 1): LedgerSnapshot['energy'][number] => ({ id, jobId: 'a', runId, start, durationMs: 1_000 });
    expect(checkEnergyOnce({ energy: [e(1, 0), e(2, 1_000), e(3, 0, 2)] })).toEqual([]);
    expect(checkEnergyOnce({ energy: [e(1, 0), e(2, 1_000), e(3, 1_000)] })).toEqual(['run 1: samples 2 and 3 overlap (1000+1000 ms, 1000)']);
    expect(checkEnergyOnce({ energy: [e(1, 0, null), e(2, 500, null)] })).toEqual(['job a: samples 1 and 2 overlap (0+1000 ms, 500)']);
  });

  it('process trees: two trees of a job, two wrappers, and a live job with no open run — from hand-made data', () => {
    const p = (pid: number, pgid: number, wrapperOf: string | null = null): { pid: number; pgid: number; jobId: string; wrapperOf: string | null } => ({ pid, pgid, jobId: 'a', wrapperOf });
    const open = { runs: [run(1, 'a')] };
    expect(checkProcessTrees([p(10, 10, '/s/runs/1'), p(11, 10)], open)).toEqual([]);
    expect(checkProcessTrees([p(10, 10, '/s/runs/1'), p(20, 20, '/s/runs/2')], open)).toEqual([
      'job a has 2 live process trees (groups 10, 20)', 'job a has 2 live run wrappers (10: /s/runs/1, 20: /s/runs/2)']);
    expect(checkProcessTrees([p(11, 10)], { runs: [run(1, 'a', { endedAt: 5 })] })).toEqual(['job a has live processes (11) but no open run']);
  });

  it('process trees: two real process groups started with one job\'s CARBOND_JOB_ID are found in /proc and flagged', async () => {
    const jobId = `crash-check-${process.pid}`;
    const groups = [0, 1].map(() => spawn('/bin/sh', ['-c', 'sleep 30 & wait'], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'], CARBOND_JOB_ID: jobId } }));
    try {
      await within(3_000, () => snapshotJobProcesses().filter((x) => x.jobId === jobId).length === 4);
      const mine = snapshotJobProcesses().filter((x) => x.jobId === jobId);
      expect(new Set(mine.map((x) => x.pgid))).toEqual(new Set(groups.map((g) => g.pid)));
      expect(checkProcessTrees(mine, { runs: [run(1, jobId)] })).toEqual([expect.stringMatching(new RegExp(`^job ${jobId} has 2 live process trees`))]);
    } finally {
      for (const g of groups) process.kill(-g.pid!, 'SIGKILL');
    }
  });
});

type Window = 'random' | 'tick' | 'checkpoint' | 'pause' | 'settle' | 'graceful-kill' | 'run-insert' | 'pid-record' | 'pid-unfiled';
const WINDOWS: readonly Window[] = ['random', 'tick', 'checkpoint', 'pause', 'settle', 'graceful-kill', 'run-insert', 'pid-record', 'pid-unfiled'];
/** How long the test hooks hold a start window open, ms. */
const HOLD_MS = 1_200;

describe('SIGKILL cycles of a real daemon with real jobs', () => {
  const cycles = Number(process.env['CRASH_CYCLES'] ?? 50);
  const seed = Number(process.env['CRASH_SEED'] ?? Date.now() % 2 ** 31);
  let box: CrashBox;
  afterAll(async () => {
    await killAll();
    for (const r of box?.query<{ pid: number | null }>('SELECT pid FROM runs WHERE pid IS NOT NULL') ?? []) {
      try { process.kill(-r.pid!, 'SIGKILL'); } catch { /* gone */ }
    }
    // Runs whose PID never reached the ledger: their wrappers by run dir.
    for (const p of snapshotJobProcesses()) if (box?.jobs.some((j) => j.id === p.jobId)) { try { process.kill(-p.pgid, 'SIGKILL'); } catch { /* gone */ } }
    if (process.env['CRASH_KEEP']) process.stdout.write(`\ncrash suite state kept in ${box?.dir}\n`);
    else removeDir(box?.dir);
  });

  it(`keeps every invariant through ${cycles} SIGKILLs, and every job finishes at its total steps`, async () => {
    const t0 = Date.now();
    const rand = prng(seed);
    const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rand();
    const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(rand() * xs.length)];
    box = new CrashBox(makeTempDir('cd-crash-'));
    const stats = { kills: 0, restarts: 0, graceful: 0, checks: 0, relooks: 0, recoveredReads: 0, checkMs: 0, cyclesMs: 0, hit: {} as Record<string, number> };
    const held = new Set<string>();
    const violations: string[] = [];

    /** Checks every invariant; a violation must persist over a few looks (the ledger and /proc are read a moment apart). */
    const check = async (when: string): Promise<void> => {
      let found: Record<string, string[]> = {};
      const started = Date.now();
      for (let attempt = 0; attempt < 4; attempt += 1) {
        if (attempt > 0) stats.relooks += 1;
        const processes = snapshotJobProcesses();
        const ledger = snapshotLedger(box.ledger, box.daemon ? undefined : path.join(box.dir, 'recovery-copy'));
        if (ledger.recovered) stats.recoveredReads += 1;
        found = checkAll(ledger, processes.filter((p) => box.jobs.some((j) => j.id === p.jobId)), box.jobs.map((j) => j.id), box.resumeSteps());
        if (Object.values(found).every((v) => v.length === 0)) break;
        await sleep(200);
      }
      stats.checks += Object.keys(found).length;
      stats.checkMs += Date.now() - started;
      for (const [name, list] of Object.entries(found)) for (const v of list) violations.push(`${when}: ${name}: ${v}`);
    };
    const restart = async (hooks: Record<string, string> = {}): Promise<void> => {
      await box.start(hooks);
      stats.restarts += 1;
      await check(`after restart ${stats.restarts}`);
    };
    const kill = async (window: string): Promise<void> => {
      await box.sigkill();
      stats.kills += 1;
      stats.hit[window] = (stats.hit[window] ?? 0) + 1;
      await check(`after kill ${stats.kills} (${window})`);
    };
    const runningJob = (): CrashJob | undefined => {
      const running = new Set(box.jobsIn('running'));
      return pick(box.jobs.filter((j) => running.has(j.id) && !held.has(j.id) && box.openRun(j.id)?.pid));
    };
    const nextTick = async (): Promise<void> => sleep(1_000 - (Date.now() % 1_000)); // the cron tick fires on each wall-clock second

    await box.start();
    stats.restarts += 1;
    await box.submit('a', 3_000);
    await box.submit('b', 6_000);
    await box.submit('c', 9_000);
    const later: Array<[number, () => Promise<unknown>]> = [
      [8, () => box.submit('d', 2_500)],
      [16, () => box.submit('e', 3_000, { failOnceAt: 150, retries: 2 })], // fails once, retried after the 1 min backoff
      [30, () => box.submit('f', 2_000)],
    ];

    // Every window as often as the others, in a random order.
    const schedule = Array.from({ length: Math.ceil(cycles / WINDOWS.length) + 1 }, () => [...WINDOWS]).flat().sort(() => rand() - 0.5);
    while (stats.kills < cycles) {
      const window = schedule.shift() ?? pick(WINDOWS)!;
      const starting = window === 'run-insert' || window === 'pid-record' || window === 'pid-unfiled';
      if (starting) {
        // Jobs are released and paused by a graceful stop, so that the next start starts runs — inside the held window.
        if (!box.daemon) await restart();
        for (const id of held) await box.release(id);
        held.clear();
        await box.stopGracefully();
        stats.graceful += 1;
        if (window === 'pid-unfiled') box.blockPidFiles(12);
        await restart(window === 'run-insert' ? { CARBOND_TEST_DELAY_AFTER_RUN_INSERT_MS: String(HOLD_MS) } : { CARBOND_TEST_DELAY_BEFORE_PID_RECORD_MS: String(HOLD_MS) });
        const inWindow = await within(4_000, () => box.unrecordedRuns().some((id) => window === 'run-insert' || box.wrapperAlive(id)));
        if (inWindow) await sleep(uniform(0, HOLD_MS * 0.6));
        await kill(inWindow ? window : `${window} (missed)`);
        continue;
      }
      if (!box.daemon) await restart();
      for (const id of [...held]) if (rand() < 0.6) { await box.release(id); held.delete(id); }
      while (later.length > 0 && later[0]![0] <= stats.kills) await later.shift()![1]();
      if (window === 'random') {
        await sleep(uniform(100, 2_000));
        await kill(window);
      } else if (window === 'tick') {
        await nextTick();
        await sleep(uniform(0, 250));
        await kill(window);
      } else if (window === 'checkpoint') {
        const caught = await within(2_000, () => box.checkpointBeingWritten(), 1);
        await kill(caught ? window : 'checkpoint (missed)');
      } else if (window === 'graceful-kill') {
        box.daemon!.process.kill('SIGTERM'); // checkpoint-and-pause every job…
        await sleep(uniform(0, 400));
        await kill(window); // …cut short
      } else {
        const job = runningJob();
        if (!job) { await sleep(uniform(100, 1_000)); await kill(`${window} (no running job)`); continue; }
        const runId = box.openRun(job.id)!.id;
        if (!(await box.pause(job.id))) { await kill(`${window} (no running job)`); continue; }
        held.add(job.id);
        if (window === 'pause') await sleep(uniform(0, 200));
        const caught = window === 'settle' ? await within(5_000, () => fs.existsSync(path.join(box.runDir(runId), 'exit')), 1) : true;
        if (window === 'settle') await sleep(uniform(0, 15));
        await kill(caught ? window : `${window} (missed)`);
      }
    }

    stats.cyclesMs = Date.now() - t0;
    // The end: a normal daemon, every hold released; every job runs to its end.
    await restart();
    for (const id of held) await box.release(id);
    const done = await within(180_000, () => box.jobs.every((j) => box.states().get(j.id) === 'finished'), 500);
    await check('at the end');
    const details = await Promise.all(box.jobs.map((j) => box.api<{ id: string; state: string; step: number; totalSteps: number; deadlineMissed: boolean; runs: Array<{ exitKind: string | null; exitCode: number | null; lastStep: number | null; startStep: number; startedAtMs: number; endedAtMs: number | null }> }>('GET', `/v1/jobs/${j.id}`)));
    await box.stopGracefully();
    const summary = `crash suite: seed ${seed}, ${stats.kills} SIGKILL cycles + ${stats.graceful} graceful stops, ${box.jobs.length} jobs, ${stats.restarts} restarts, `
      + `${stats.checks} invariant checks, ${violations.length} violations, ${Math.round((Date.now() - t0) / 1_000)} s `
      + `(cycles ${Math.round(stats.cyclesMs / 1_000)} s, checks ${Math.round(stats.checkMs / 1_000)} s, ${stats.relooks} re-looks, `
      + `${stats.recoveredReads} ledger reads needing journal recovery); windows hit: `
      + Object.entries(stats.hit).sort().map(([w, n]) => `${w} ${n}`).join(', ');
    process.stdout.write(`\n${summary}\n`);

    expect(violations).toEqual([]);
    expect(done).toBe(true);
    for (const [i, d] of details.entries()) {
      const job = box.jobs[i]!;
      expect({ id: d.id, state: d.state, step: d.step, totalSteps: d.totalSteps, deadlineMissed: d.deadlineMissed })
        .toEqual({ id: job.id, state: 'finished', step: job.totalSteps, totalSteps: job.totalSteps, deadlineMissed: false });
      expect(d.runs.at(-1)).toMatchObject({ exitKind: 'finished', lastStep: job.totalSteps });
      expect(box.resumeSteps().get(job.id)!.at(-1)).toBe(d.runs.at(-1)!.startStep);
    }
    // The job that fails once was retried no earlier than its backoff (1 min), from a checkpoint.
    // Its crash may coincide with a pause the plan or a kill cycle asked for: then the run is
    // recorded as paused or killed (exit 1), uses no retry, and there is no backoff to check.
    const e = details[box.jobs.findIndex((j) => j.name === 'e')]?.runs;
    if (e) {
      expect(e.some((r) => r.exitKind === 'failed' || r.exitCode === 1)).toBe(true);
      const failed = e.findIndex((r) => r.exitKind === 'failed');
      if (failed >= 0) {
        expect(e[failed + 1]!.startedAtMs - e[failed]!.endedAtMs!).toBeGreaterThanOrEqual(60_000);
        expect(e[failed + 1]!.startStep).toBeGreaterThan(0);
      }
    }
    // Each window was really hit (a full run has each in its schedule five times or more).
    if (cycles >= 2 * WINDOWS.length) for (const w of WINDOWS) expect(`${w}: ${stats.hit[w] ?? 0}`).not.toBe(`${w}: 0`);
  }, 600_000);
});
