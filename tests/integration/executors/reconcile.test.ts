import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeLedger } from '../../../src/ledger/db';
import { checkpointsOf } from '../../../src/ledger/checkpoints';
import { currentState, transitionsOf } from '../../../src/ledger/jobs';
import { insertRun, runsOf } from '../../../src/ledger/runs';
import { systemClock } from '../../../src/core/clock';
import { LocalProcessExecutor } from '../../../src/executors/local-process';
import { storeVerifier } from '../../../src/executors/verify';
import { makeHarness, PROTOCOL_JOB, sleep, startsOf, type Harness } from './lifecycle-harness';

async function waitFor(done: () => boolean, timeoutMs = 8_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await sleep(25);
  }
}

/** The end of a file, or why it cannot be read. */
function tailOf(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-300);
  } catch (err) {
    return (err as Error).message;
  }
}

/** A daemon restart: the old lifecycle is dropped without stopping anything; a new one opens the same state dir. */
function restart(old: Harness): Harness {
  closeLedger(old.db);
  return makeHarness(old.dir);
}

describe('reconciliation after a daemon crash', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('records a job that finished while the daemon was down from its exit file, and never starts it again', async () => {
    h = makeHarness();
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '10', '--step-ms', '10'] });
    await h.tick();
    await waitFor(() => fs.existsSync(`${h.dir}/users/${process.getuid!()}/runs/1/exit`));
    await sleep(50);
    h = restart(h);
    const report = await h.lifecycle.reconcile(Date.now());
    expect(report).toEqual({ adopted: [], ended: [1], orphanedJobs: [] });
    expect(currentState(h.db, job.id)).toBe('finished');
    expect(runsOf(h.db, job.id)).toMatchObject([{ exitKind: 'finished', exitCode: 0, lastStep: 10 }]);
    await h.tick();
    expect(startsOf(job)).toHaveLength(1);
  });

  it('resumes a job whose process group vanished without a status (wrapper killed) from its last verified checkpoint', async () => {
    h = makeHarness();
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100000', '--step-ms', '20', '--checkpoint-every', '10'] });
    await h.tick();
    await waitFor(() => (runsOf(h.db, job.id)[0]?.pid ?? 0) > 0);
    const pid = runsOf(h.db, job.id)[0]!.pid!;
    await sleep(800);
    process.kill(-pid, 'SIGKILL'); // the whole group, wrapper included, while "the daemon is down"
    await sleep(100);
    h = restart(h);
    const report = await h.lifecycle.reconcile(Date.now());
    expect(report.ended).toEqual([1]);
    const [run] = runsOf(h.db, job.id);
    const last = checkpointsOf(h.db, job.id).filter((c) => c.status === 'verified').at(-1)!;
    expect(run).toMatchObject({ exitKind: 'lost', lostSteps: run!.lastStep! - last.step });
    expect(currentState(h.db, job.id)).toBe('paused');
    await h.tick();
    await waitFor(() => startsOf(job).length === 2);
    expect(startsOf(job).map((s) => s.step)).toEqual([0, last.step]);
    expect(transitionsOf(h.db, job.id).map((t) => t.to)).toEqual(['queued', 'running', 'paused', 'running']);
  });

  it('re-adopts a live run and lets the next tick leave it running (one run, one start)', async () => {
    h = makeHarness();
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100000', '--step-ms', '20'] });
    await h.tick();
    await sleep(300);
    h = restart(h);
    expect((await h.lifecycle.reconcile(Date.now())).adopted).toEqual([1]);
    await h.tick();
    await h.tick();
    expect(runsOf(h.db, job.id)).toHaveLength(1);
    expect(currentState(h.db, job.id)).toBe('running');
    expect(startsOf(job)).toHaveLength(1);
  });

  it('re-adopts a run whose PID the daemon died before recording, through the wrapper\'s pid file', async () => {
    h = makeHarness();
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100000', '--step-ms', '20'] });
    // The crash window: the run row exists, the process started, the PID never reached the ledger.
    const run = insertRun(h.db, { jobId: job.id, site: 'local', startedAtMs: Date.now(), gpuIds: '', resumedFrom: null, startStep: 0 });
    const ex = new LocalProcessExecutor({ stateDir: h.dir, clock: systemClock, verifyCheckpoint: storeVerifier(systemClock) });
    const started = await ex.start(job, { runId: run.id, gpuIds: '' });
    await waitFor(() => fs.existsSync(`${h.dir}/users/${process.getuid!()}/runs/${run.id}/pid`));
    h = restart(h);
    expect((await h.lifecycle.reconcile(Date.now())).adopted).toEqual([run.id]);
    expect(currentState(h.db, job.id)).toBe('running');
    await h.tick();
    expect(runsOf(h.db, job.id)).toMatchObject([{ pid: started.pid, pidStartTicks: started.pidStartTicks }]);
    await waitFor(() => startsOf(job).length === 1);
    await sleep(200);
    expect(startsOf(job)).toHaveLength(1);
    process.kill(-started.pid!, 'SIGKILL');
  });

  it('adopts a run whose wrapper had not written its pid file yet, found in /proc by its run dir, and never starts a second one', async () => {
    h = makeHarness();
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100000', '--step-ms', '20'] });
    // The crash window: the run row exists, the wrapper runs, its PID is neither in the ledger nor
    // in a pid file (a slow start: the daemon died before the wrapper's first lines ran). A
    // directory where the wrapper writes pid.tmp holds that state open: the pid file never appears.
    const run = insertRun(h.db, { jobId: job.id, site: 'local', startedAtMs: Date.now(), gpuIds: '', resumedFrom: null, startStep: 0 });
    const runDir = path.join(h.dir, 'users', String(process.getuid!()), 'runs', String(run.id));
    fs.mkdirSync(path.join(runDir, 'pid.tmp'), { recursive: true });
    const ex = new LocalProcessExecutor({ stateDir: h.dir, clock: systemClock, verifyCheckpoint: storeVerifier(systemClock) });
    const started = await ex.start(job, { runId: run.id, gpuIds: '' });
    await waitFor(() => startsOf(job).length === 1);
    expect(fs.existsSync(path.join(runDir, 'pid'))).toBe(false);
    h = restart(h);
    expect((await h.lifecycle.reconcile(Date.now())).adopted).toEqual([run.id]);
    expect(currentState(h.db, job.id)).toBe('running');
    expect(runsOf(h.db, job.id)).toMatchObject([{ pid: started.pid, pidStartTicks: started.pidStartTicks }]);
    await h.tick();
    await sleep(300);
    await h.tick();
    expect(runsOf(h.db, job.id)).toHaveLength(1);
    expect(startsOf(job)).toHaveLength(1);
    process.kill(-started.pid!, 'SIGKILL');
  });

  it('kills what is left of a run whose wrapper alone was killed before the job is started again: one process tree per job', async () => {
    // The scenario needs the command alive, orphaned, once its wrapper alone is killed. Under a
    // full parallel CI run the command was twice found gone at that point (killed from outside
    // the test: the cause is not known); the setup is tried again then, up to three times. A
    // product fault that takes the command down with its wrapper fails all three.
    let job: ReturnType<Harness['submit']> | undefined;
    let command = 0;
    const gone: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (attempt > 1) await h.close(); // the failed try's processes and files
      h = makeHarness();
      job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100000', '--step-ms', '20', '--checkpoint-every', '10'] });
      await h.tick();
      await waitFor(() => startsOf(job!).length === 1);
      const wrapper = runsOf(h.db, job.id)[0]!.pid!;
      command = startsOf(job)[0]!.pid;
      await sleep(300);
      process.kill(wrapper, 'SIGKILL'); // the wrapper only: its command lives on, orphaned, without a status to write
      await waitFor(() => !fs.existsSync(`/proc/${wrapper}/stat`) || fs.readFileSync(`/proc/${wrapper}/stat`, 'utf8').includes(') Z '));
      if (fs.existsSync(`/proc/${command}`)) break;
      gone.push(attempt);
      // For whoever looks into it: what ran when the command was found gone.
      console.warn(`reconcile test: command ${command} gone after its wrapper ${wrapper} alone was killed (try ${attempt});`
        + ` its log: ${JSON.stringify(tailOf(path.join(h.dir, 'users', String(process.getuid!()), 'runs', '1', 'output.log')))};`
        + ` processes:\n${spawnSync('ps', ['-eo', 'pid,pgid,ppid,stat,args'], { encoding: 'utf8' }).stdout.slice(0, 20_000)}`);
    }
    expect(gone).not.toEqual([1, 2, 3]);
    expect(fs.existsSync(`/proc/${command}`)).toBe(true);
    job = job!;
    h = restart(h!);
    expect((await h.lifecycle.reconcile(Date.now())).ended).toEqual([1]);
    expect(runsOf(h.db, job.id)[0]!.exitKind).toBe('lost');
    await waitFor(() => !fs.existsSync(`/proc/${command}/stat`) || fs.readFileSync(`/proc/${command}/stat`, 'utf8').includes(') Z '));
    await h.tick();
    await waitFor(() => startsOf(job).length === 2);
    expect(runsOf(h.db, job.id)).toHaveLength(2);
  });
});
