import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointsOf } from '../../../src/ledger/checkpoints';
import { currentState, transitionsOf } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { readProcStat } from '../../../src/executors/proc';
import { makeHarness, PLAIN_LOOP, PROTOCOL_JOB, sleep, startsOf, tickUntil, type Harness } from './lifecycle-harness';

const MISBEHAVING = path.resolve(__dirname, 'jobs/misbehaving-job.js');

/** Ticks until the job has reported `step` (its signal handler is installed by then). */
async function progressed(h: Harness, jobId: string, step: number): Promise<void> {
  await tickUntil(h, () => (runsOf(h.db, jobId).at(-1)?.lastStep ?? 0) >= step);
}

async function waitFor(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await sleep(25);
  }
}

describe('run control with real processes', () => {
  let h: Harness;
  beforeEach(() => { h = makeHarness(); });
  afterEach(async () => { await h.close(); });

  it('pauses a protocol job by signal, records its verified checkpoint, and resumes it from there to the end', async () => {
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '40', '--step-ms', '20'] });
    await h.tick();
    expect(currentState(h.db, job.id)).toBe('running');
    await progressed(h, job.id, 5);
    h.actions.set(job.id, 'pause');
    await h.tick();
    expect(currentState(h.db, job.id)).toBe('pausing');
    await h.lifecycle.idle();
    expect(currentState(h.db, job.id)).toBe('paused');
    const [ckpt] = checkpointsOf(h.db, job.id);
    expect(ckpt).toMatchObject({ status: 'verified' });
    expect(ckpt!.step).toBeGreaterThanOrEqual(5);
    expect(runsOf(h.db, job.id)[0]).toMatchObject({ exitKind: 'paused', exitCode: 0, lostSteps: 0 });
    h.actions.set(job.id, 'resume');
    await tickUntil(h, () => currentState(h.db, job.id) === 'finished');
    expect(startsOf(job).map((s) => s.step)).toEqual([0, ckpt!.step]);
    const runs = runsOf(h.db, job.id);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ resumedFrom: ckpt!.id, startStep: ckpt!.step, exitKind: 'finished', lastStep: 40 });
    expect(transitionsOf(h.db, job.id).map((t) => t.to)).toEqual(['queued', 'running', 'pausing', 'paused', 'running', 'finished']);
  });

  it('kills a job that ignores the pause signal after its timeout, records the lost steps, and resumes from its last verified checkpoint', async () => {
    const job = h.submit({ checkpointTimeoutMs: 400, command: [process.execPath, PROTOCOL_JOB, '--steps', '100000', '--step-ms', '20', '--checkpoint-every', '10', '--ignore-pause'] });
    await progressed(h, job.id, 25); // collects the periodic checkpoints too
    h.actions.set(job.id, 'pause');
    const t0 = Date.now();
    await h.tick();
    await h.lifecycle.idle();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(currentState(h.db, job.id)).toBe('paused');
    const [run] = runsOf(h.db, job.id);
    const verified = checkpointsOf(h.db, job.id).filter((c) => c.status === 'verified');
    const last = verified[verified.length - 1]!;
    expect(run!.exitKind).toBe('killed');
    expect(last.step % 10).toBe(0);
    expect(run!.lostSteps).toBe(run!.lastStep! - last.step);
    // Under load the kill can land right after a periodic checkpoint: then nothing is lost and the reason says only "killed".
    const reason = transitionsOf(h.db, job.id).at(-1)!.reason;
    if (run!.lostSteps > 0) expect(reason).toContain(`${run!.lostSteps} steps lost, resumes from step ${last.step}`);
    else expect(reason).toMatch(/killed \(SIGKILL\)$/);
    h.actions.set(job.id, 'resume');
    await h.tick();
    await waitFor(() => startsOf(job).length === 2);
    expect(startsOf(job).map((s) => s.step)).toEqual([0, last.step]);
  });

  it('never resumes from a checkpoint with a flipped byte: it is marked corrupt and the job starts over', async () => {
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100000', '--step-ms', '20'] });
    await progressed(h, job.id, 2);
    h.actions.set(job.id, 'pause');
    await h.tick();
    await h.lifecycle.idle();
    const [ckpt] = checkpointsOf(h.db, job.id);
    const file = path.join(ckpt!.path, 'state.json');
    const bytes = fs.readFileSync(file);
    bytes[0] = bytes[0]! ^ 0x01;
    fs.writeFileSync(file, bytes);
    h.actions.set(job.id, 'resume');
    await h.tick();
    await waitFor(() => startsOf(job).length === 2);
    expect(checkpointsOf(h.db, job.id)[0]).toMatchObject({ status: 'corrupt', error: expect.stringMatching(/sha256/) });
    expect(startsOf(job).map((s) => s.step)).toEqual([0, 0]);
  });

  it('suspends and continues the process group of a job without checkpoint support', async () => {
    const job = h.submit({ mode: 'suspend', command: [PLAIN_LOOP] });
    const counter = (): number => Number(fs.readFileSync(path.join(job.cwd, 'counter'), 'utf8'));
    await h.tick();
    await sleep(300);
    h.actions.set(job.id, 'pause');
    await h.tick();
    expect(currentState(h.db, job.id)).toBe('suspended');
    const [run] = runsOf(h.db, job.id);
    await sleep(100);
    expect(readProcStat(run!.pid!)!.state).toBe('T');
    const frozen = counter();
    await sleep(300);
    expect(counter()).toBe(frozen);
    h.actions.set(job.id, 'resume');
    await h.tick();
    expect(currentState(h.db, job.id)).toBe('running');
    await sleep(300);
    expect(counter()).toBeGreaterThan(frozen);
    expect(runsOf(h.db, job.id)).toHaveLength(1);
    await h.lifecycle.cancel(job.id, Date.now(), 'test over');
    expect(currentState(h.db, job.id)).toBe('cancelled');
    expect(runsOf(h.db, job.id)[0]!.exitKind).toBe('killed');
  });

  it('records a job that exits non-zero on its own as failed, and does not say it resumes', async () => {
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100', '--step-ms', '10', '--fail-at', '5'] });
    await tickUntil(h, () => currentState(h.db, job.id) === 'failed');
    expect(runsOf(h.db, job.id)[0]).toMatchObject({ exitKind: 'failed', exitCode: 3 });
    expect(transitionsOf(h.db, job.id).at(-1)!.reason).toBe('exited: run 1 failed (exit 3); no retries (--retries 0); it has no verified checkpoint');
  });

  it('retries a job whose crash recurs (--retries 1) once, after the backoff and from its last verified checkpoint, then fails it', async () => {
    await h.close();
    h = makeHarness(undefined, { retryBackoff: { firstMs: 300, maxMs: 1_000 } });
    const job = h.submit({ retries: 1, command: [process.execPath, PROTOCOL_JOB, '--steps', '60', '--step-ms', '10', '--checkpoint-every', '10', '--fail-at', '45'] });
    await tickUntil(h, () => currentState(h.db, job.id) === 'paused');
    const [failed] = runsOf(h.db, job.id);
    expect(failed).toMatchObject({ exitKind: 'failed', exitCode: 3, lastStep: 44, lostSteps: 4 });
    expect(transitionsOf(h.db, job.id).at(-1)!.reason).toBe('exited: run 1 failed (exit 3), 4 steps lost; retry 1 of 1 in 300ms, from step 40');
    await h.tick(); // within the backoff: nothing starts
    expect(runsOf(h.db, job.id)).toHaveLength(1);
    await sleep(350);
    // --fail-at fails every run that reaches step 45: the retry fails too, and the job with it.
    await tickUntil(h, () => currentState(h.db, job.id) === 'failed');
    expect(startsOf(job).map((s) => s.step)).toEqual([0, 40]);
    const runs = runsOf(h.db, job.id);
    expect(runs.map((r) => [r.exitKind, r.startStep])).toEqual([['failed', 0], ['failed', 40]]);
    expect(runs[1]!.startedAtMs - runs[0]!.endedAtMs!).toBeGreaterThanOrEqual(300);
    expect(transitionsOf(h.db, job.id).at(-1)!.reason).toBe('exited: run 2 failed (exit 3); no retries left (1 of 1 used); its last verified checkpoint is step 40');
  });

  it('finishes a job whose one crash is retried (--retries 2)', async () => {
    await h.close();
    h = makeHarness(undefined, { retryBackoff: { firstMs: 100, maxMs: 1_000 } });
    const job = h.submit({ retries: 2, command: [process.execPath, MISBEHAVING, '--steps', '60', '--step-ms', '5', '--fail-once-at', '30'] });
    await tickUntil(h, () => currentState(h.db, job.id) === 'finished');
    expect(runsOf(h.db, job.id).map((r) => [r.exitKind, r.lastStep])).toEqual([['failed', 29], ['finished', 60]]);
    expect(startsOf(job).map((s) => s.step)).toEqual([0, 0]);
  });

  it('gives each run CUDA_VISIBLE_DEVICES from the GPUs free on the site', async () => {
    // Submitted a millisecond apart: jobs submitted in the same millisecond are taken in id order, and `job-10` sorts before `job-9`.
    const t = Date.now();
    const a = h.submit({ gpus: 1, submittedAtMs: t, command: [process.execPath, PROTOCOL_JOB, '--steps', '100000'] });
    const b = h.submit({ gpus: 1, submittedAtMs: t + 1, command: [process.execPath, PROTOCOL_JOB, '--steps', '100000'] });
    const c = h.submit({ gpus: 1, submittedAtMs: t + 2, command: [process.execPath, PROTOCOL_JOB, '--steps', '100000'] });
    await h.tick();
    expect([runsOf(h.db, a.id)[0]!.gpuIds, runsOf(h.db, b.id)[0]!.gpuIds]).toEqual(['0', '1']);
    expect(runsOf(h.db, c.id)).toHaveLength(0);
    expect(currentState(h.db, c.id)).toBe('queued');
    const env = fs.readFileSync(`/proc/${runsOf(h.db, b.id)[0]!.pid}/environ`, 'utf8').split('\0');
    expect(env).toContain('CUDA_VISIBLE_DEVICES=1');
    expect(env.some((e) => e.startsWith('CARBOND_RESUME_FROM='))).toBe(false);
  });

  it('keeps the newest three verified checkpoints after a pause and marks the older ones pruned', async () => {
    const job = h.submit({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100000', '--step-ms', '10', '--checkpoint-every', '5'] });
    await progressed(h, job.id, 30);
    h.actions.set(job.id, 'pause');
    await h.tick();
    await h.lifecycle.idle();
    const all = checkpointsOf(h.db, job.id);
    const kept = all.filter((c) => c.status === 'verified');
    expect(kept).toHaveLength(3);
    expect(all.filter((c) => c.status === 'pruned').length).toBe(all.length - 3);
    expect(fs.readdirSync(job.checkpointDir).sort()).toEqual(kept.map((c) => path.basename(c.path)).sort());
    expect(kept.at(-1)!.step).toBe(runsOf(h.db, job.id)[0]!.lastStep);
  });
});
