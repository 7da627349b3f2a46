/**
 * The demo GRU trainer under the job protocol, as real processes: paused twice (once by
 * a real SIGTERM, once by the pause hook), resumed from its verified checkpoints, it
 * ends with exactly the loss trajectory (float32 bits) of an uninterrupted run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import type { CheckpointEvent } from '../../../checkpoints/protocol';
import type { Child } from './child';
import { eventsOf, killIfRunning, start, TRAINER, waitFor } from './child';

const TINY = ['--steps', '30', '--seed', '7', '--hidden', '12', '--embed', '6', '--seq-len', '6', '--batch', '3'];

describe('the GRU demo trainer', () => {
  let dir: string;
  let child: Child | undefined;
  beforeAll(() => {
    if (!fs.existsSync(TRAINER)) throw new Error(`${TRAINER} is missing: run npm run build first`);
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-gru-'));
  });
  afterEach(() => {
    killIfRunning(child);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = async (extra: string[], env: NodeJS.ProcessEnv = {}): Promise<number | null> => {
    child = start(process.execPath, [TRAINER, ...TINY, ...extra], { env: { ...process.env, ...env } });
    const { code } = await child.exited;
    return code;
  };

  it('resumes bit-identically after a SIGTERM pause and a second pause', async () => {
    const reference = path.join(dir, 'reference.tsv');
    expect(await run(['--loss-log', reference, '--checkpoint-dir', path.join(dir, 'ref-ck')])).toBe(0);

    const ck = path.join(dir, 'ck');
    const events = path.join(dir, 'events.jsonl');
    const loss = path.join(dir, 'paused.tsv');
    const env = { CARBOND_CHECKPOINT_DIR: ck, CARBOND_EVENTS: events, CARBOND_JOB_ID: 'job-gru' };
    child = start(process.execPath, [TRAINER, ...TINY, '--loss-log', loss, '--step-delay-ms', '60'], { env: { ...process.env, ...env } });
    await waitFor('step 3', () => eventsOf(events).some((e) => e.event === 'progress' && e.step >= 3));
    child.proc.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
    const first = eventsOf(events).filter((e): e is CheckpointEvent => e.event === 'checkpoint');
    expect(first).toHaveLength(1);
    const pausedAt = (first[0] as CheckpointEvent).step;
    expect(pausedAt).toBeGreaterThanOrEqual(3);
    expect(pausedAt).toBeLessThan(20);
    expect(eventsOf(events)[0]).toEqual({ event: 'backend', name: expect.any(String) });

    const store = createFsCheckpointStore({ root: ck });
    const v1 = await store.verify((first[0] as CheckpointEvent).path);
    expect(v1.ok && v1.checkpoint.files.map((f) => f.path).sort()).toEqual(['optimizer.bin', 'state.json', 'weights.bin']);

    expect(await run(['--loss-log', loss, '--pause-at-step', '20'], { ...env, CARBOND_RESUME_FROM: (first[0] as CheckpointEvent).path })).toBe(0);
    const second = await store.latestVerified();
    expect(second.checkpoint?.step).toBe(20);
    expect(await run(['--loss-log', loss], { ...env, CARBOND_RESUME_FROM: second.checkpoint?.path })).toBe(0);

    const expected = fs.readFileSync(reference, 'utf8');
    expect(expected.trim().split('\n')).toHaveLength(30);
    expect(fs.readFileSync(loss, 'utf8')).toBe(expected);
  }, 90_000);

  it('refuses to resume from a checkpoint with a flipped byte and exits 4 naming it', async () => {
    const ck = path.join(dir, 'ck');
    expect(await run(['--checkpoint-dir', ck, '--pause-at-step', '2'])).toBe(0);
    const target = path.join(ck, 'ckpt-000000000002');
    const weights = path.join(target, 'weights.bin');
    const buf = fs.readFileSync(weights);
    buf[10] = (buf[10] as number) ^ 0x80;
    fs.writeFileSync(weights, buf);
    expect(await run(['--checkpoint-dir', ck, '--resume-from', target])).toBe(4);
    expect(child?.stderr()).toContain('weights.bin sha256');
  }, 60_000);

  it('trains on the wasm backend, whose missing gather gradient the one-hot embedding avoids', async () => {
    const loss = path.join(dir, 'loss.tsv');
    const events = path.join(dir, 'events.jsonl');
    expect(await run(['--backend', 'wasm', '--steps', '40', '--lr', '0.03', '--loss-log', loss, '--events', events])).toBe(0);
    expect(eventsOf(events)[0]).toEqual({ event: 'backend', name: 'wasm' });
    const losses = fs.readFileSync(loss, 'utf8').trim().split('\n').map((l) => Number(l.split('\t')[1]));
    expect(losses).toHaveLength(40);
    expect((losses[39] as number) < (losses[0] as number) * 0.9).toBe(true);
  }, 60_000);

  it('pauses on the configured pause signal instead of SIGTERM', async () => {
    const events = path.join(dir, 'events.jsonl');
    child = start(process.execPath, [TRAINER, ...TINY, '--step-delay-ms', '60', '--pause-signal', 'SIGUSR2', '--events', events, '--checkpoint-dir', path.join(dir, 'ck')]);
    await waitFor('step 2', () => eventsOf(events).some((e) => e.event === 'progress' && e.step >= 2));
    child.proc.kill('SIGUSR2');
    expect((await child.exited).code).toBe(0);
    const ck = eventsOf(events).filter((e): e is CheckpointEvent => e.event === 'checkpoint');
    expect(ck).toHaveLength(1);
    expect((ck[0] as CheckpointEvent).step).toBeLessThan(30);
  }, 60_000);

  it('rejects bad flags with exit code 2, naming each', async () => {
    expect(await run(['--steps', 'zero', '--backend', 'tpu'])).toBe(2);
    expect(child?.stderr()).toContain('--steps');
    expect(child?.stderr()).toContain('--backend');
  }, 30_000);
});
