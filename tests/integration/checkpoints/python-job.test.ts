/** The standard-library Python protocol example, run for real and checked with the store. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import type { CheckpointEvent, ProgressEvent } from '../../../checkpoints/protocol';
import type { Child } from './child';
import { eventsOf, killIfRunning, PY_JOB, start, waitFor } from './child';

describe('examples/python/protocol_job.py', () => {
  let dir: string;
  let child: Child | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-py-'));
  });
  afterEach(() => {
    killIfRunning(child);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...process.env, CARBOND_JOB_ID: 'job-py', CARBOND_CHECKPOINT_DIR: path.join(dir, 'ck'), CARBOND_EVENTS: path.join(dir, 'events.jsonl'), ...extra,
  });

  const pauseAfter = async (step: number, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CheckpointEvent> => {
    const before = eventsOf(path.join(dir, 'events.jsonl')).length;
    child = start('python3', [PY_JOB, ...args], { env: env(extra) });
    await waitFor(`step ${step}`, () => eventsOf(path.join(dir, 'events.jsonl')).slice(before).some((e) => e.event === 'progress' && e.step >= step));
    child.proc.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const ck = eventsOf(path.join(dir, 'events.jsonl')).slice(before).filter((e): e is CheckpointEvent => e.event === 'checkpoint');
    expect(ck).toHaveLength(1);
    return ck[0] as CheckpointEvent;
  };

  it('checkpoints and exits 0 on SIGTERM, and resumes with every step done exactly once', async () => {
    const store = createFsCheckpointStore({ root: path.join(dir, 'ck') });
    const args = ['--steps', '40', '--step-seconds', '0.05'];
    const first = await pauseAfter(3, args);
    const v = await store.verify(first.path);
    expect(v.ok && v.checkpoint.step).toBe(first.step);

    child = start('python3', [PY_JOB, ...args], { env: env({ CARBOND_RESUME_FROM: first.path }) });
    expect(await child.exited).toEqual({ code: 0, signal: null });

    const all = eventsOf(path.join(dir, 'events.jsonl'));
    const cut = all.findIndex((e) => e.event === 'checkpoint');
    const steps = (events: typeof all): number[] => events.filter((e): e is ProgressEvent => e.event === 'progress').map((e) => e.step);
    const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(steps(all.slice(0, cut))).toEqual(range(0, first.step));
    expect(steps(all.slice(cut + 1))).toEqual(range(first.step, 40));
    const latest = await store.latestVerified();
    expect(latest.checkpoint?.step).toBe(40);
    const state = JSON.parse(fs.readFileSync(path.join(latest.checkpoint?.path as string, 'state.json'), 'utf8'));
    expect(state).toEqual({ step: 40, sum: (40 * 41) / 2 });
  }, 60_000);

  it('keeps running through the pause signal with --ignore-pause, so only a kill stops it (a test aid for executors)', async () => {
    const events = path.join(dir, 'events.jsonl');
    child = start('python3', [PY_JOB, '--steps', '400', '--step-seconds', '0.02', '--checkpoint-every', '5', '--ignore-pause'], { env: env() });
    await waitFor('step 6', () => eventsOf(events).some((e) => e.event === 'progress' && e.step >= 6));
    child.proc.kill('SIGTERM');
    const at = eventsOf(events).filter((e): e is ProgressEvent => e.event === 'progress').length;
    await waitFor('more steps after SIGTERM', () => eventsOf(events).filter((e) => e.event === 'progress').length > at + 5);
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    const latest = await createFsCheckpointStore({ root: path.join(dir, 'ck') }).latestVerified();
    expect((latest.checkpoint?.step ?? 0) % 5).toBe(0);
    expect(latest.checkpoint?.step).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('leaves the manifest to carbond with --no-manifest, and the manifest carbond writes verifies', async () => {
    const store = createFsCheckpointStore({ root: path.join(dir, 'ck') });
    const first = await pauseAfter(2, ['--steps', '40', '--step-seconds', '0.05', '--no-manifest']);
    expect(fs.existsSync(path.join(first.path, 'manifest.json'))).toBe(false);
    expect((await store.latestVerified()).failures.map((f) => f.reason)).toEqual(['no-manifest']);
    const r = await store.writeManifestFor(first.path, first.step);
    expect(r.ok && r.checkpoint.files.map((f) => f.path)).toEqual(['state.json']);
    expect((await store.latestVerified()).checkpoint?.step).toBe(first.step);
  }, 60_000);
});
