/**
 * python/carbond_job.py, the Python helper of the job protocol: its unit tests (python3 -m
 * unittest), and a stdlib training loop built on it (linreg_job.py) run as a real carbond job
 * — real ledger, local executor, job lifecycle, the real pause signal — paused in training,
 * paused in an evaluation, resumed, and finishing with the state of an uninterrupted run,
 * byte for byte; and a pause that arrives during a (simulated) slow `import torch`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import { checkpointsOf } from '../../../src/ledger/checkpoints';
import { currentState, transitionsOf } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { makeHarness, tickUntil, type Harness } from '../executors/lifecycle-harness';

const REPO = path.resolve(__dirname, '../../..');
const HELPER_DIR = path.join(REPO, 'python');
const LINREG = path.join(__dirname, 'linreg_job.py');
const PYTHON = ((): string | undefined => { try { return execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim(); } catch { return undefined; } })();
const d = PYTHON ? describe : describe.skip;

const PACE = { STEP_S: '0.01', EVAL_ITEM_S: '0.03', EPOCH_STEPS: '25' };

function traceOf(cwd: string): string[] {
  const file = path.join(cwd, 'trace.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
}

/** The loop run to the end outside carbond (no CARBOND_* variables): the reference state. */
function uninterruptedState(): string {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-py-ref-'));
  try {
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], CARBOND_PY_HELPER: HELPER_DIR, ...PACE };
    const r = spawnSync(PYTHON!, [LINREG], { cwd, env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(cwd, 'checkpoints'))).toEqual(['ckpt-000000000100']);
    return fs.readFileSync(path.join(cwd, 'checkpoints/ckpt-000000000100/state.json'), 'utf8');
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

d('python/carbond_job.py', () => {
  it('passes its Python unit tests', () => {
    const r = spawnSync(PYTHON!, ['-m', 'unittest', '-v', 'test_carbond_job'], { cwd: HELPER_DIR, encoding: 'utf8' });
    expect(r.stderr).toMatch(/\nOK\n?$/);
    expect(r.status).toBe(0);
  });

  describe('a training loop on the helper, as a carbond job', () => {
    let h: Harness;
    beforeEach(() => { h = makeHarness(); });
    afterEach(async () => { await h.close(); });

    const submit = (env: Record<string, string> = {}): ReturnType<Harness['submit']> =>
      h.submit({ command: [PYTHON!, LINREG], env: { CARBOND_PY_HELPER: HELPER_DIR, ...PACE, ...env }, checkpointTimeoutMs: 10_000 });

    it('is paused in training and in an evaluation, resumed twice, and ends bit-identical to an uninterrupted run', async () => {
      const reference = uninterruptedState();
      const job = submit();
      const last = (): string => traceOf(job.cwd).at(-1) ?? '';

      // Pause 1: in training, after step 10.
      h.actions.set(job.id, 'start');
      await tickUntil(h, () => (runsOf(h.db, job.id).at(-1)?.lastStep ?? 0) >= 10 && currentState(h.db, job.id) === 'running', 30_000);
      h.actions.set(job.id, 'pause');
      await tickUntil(h, () => currentState(h.db, job.id) === 'paused', 30_000);
      expect(last()).toMatch(/^paused in training at step \d+$/);

      // Pause 2: while the resumed run evaluates (an evaluation takes 40 × 30 ms).
      h.actions.set(job.id, 'resume');
      await tickUntil(h, () => /^eval start epoch 0$/.test(last()) && currentState(h.db, job.id) === 'running', 30_000);
      h.actions.set(job.id, 'pause');
      await tickUntil(h, () => currentState(h.db, job.id) === 'paused', 30_000);
      expect(last()).toBe('paused in evaluation at step 25');

      h.actions.set(job.id, 'resume');
      await tickUntil(h, () => currentState(h.db, job.id) === 'finished', 30_000);

      const trace = traceOf(job.cwd);
      expect(trace.filter((l) => l.startsWith('resumed'))).toEqual([expect.stringMatching(/^resumed step \d+ phase train$/), 'resumed step 25 phase eval']);
      // The evaluation was cut short: it did not finish before the pause, and ran again whole.
      expect(trace.filter((l) => l === 'eval start epoch 0')).toHaveLength(2);
      expect(trace.at(-1)).toBe('finished');

      const runs = runsOf(h.db, job.id);
      expect(runs.map((r) => r.exitKind)).toEqual(['paused', 'paused', 'finished']);
      expect(runs.map((r) => r.lostSteps)).toEqual([0, 0, 0]);
      expect(runs[1]!.startStep).toBe(runs[0]!.lastStep);
      expect(runs[2]!.startStep).toBe(25);

      // carbond verified every checkpoint the helper wrote (its manifest, not one carbond wrote).
      const checkpoints = checkpointsOf(h.db, job.id);
      expect(checkpoints.map((c) => [c.step, c.status])).toEqual([[runs[0]!.lastStep, 'verified'], [25, 'verified'], [100, 'verified']]);
      const store = createFsCheckpointStore({ root: job.checkpointDir });
      for (const c of checkpoints) {
        const manifest = JSON.parse(fs.readFileSync(path.join(c.path, 'manifest.json'), 'utf8'));
        expect(manifest).toEqual({ step: c.step, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), files: [expect.objectContaining({ path: 'state.json' })] });
        const v = await store.verify(c.path);
        expect(v.ok && v.checkpoint.step).toBe(c.step);
      }

      // Bit-identical: weights, loss of every step, validation losses, LR schedule, RNG state.
      const final = fs.readFileSync(path.join(checkpoints.at(-1)!.path, 'state.json'), 'utf8');
      expect(final).toBe(reference);
      const s = JSON.parse(final) as { losses: number[]; lr: number; val: number[] };
      expect(s.losses).toHaveLength(100);
      expect(s.val).toHaveLength(4);
      expect(s.lr).toBeLessThan(0.5); // the LR schedule did anneal: it is state that had to survive
    }, 120_000);

    it('survives a pause during a slow import: a clean exit without a checkpoint, recorded as a pause (0 steps lost), then a fresh start', async () => {
      const reference = uninterruptedState();
      const job = submit({ SLOW_IMPORT_S: '2' });
      h.actions.set(job.id, 'start');
      await tickUntil(h, () => traceOf(job.cwd).includes('importing') && currentState(h.db, job.id) === 'running', 30_000);
      h.actions.set(job.id, 'pause');
      await tickUntil(h, () => currentState(h.db, job.id) === 'paused', 30_000);

      expect(traceOf(job.cwd)).toEqual(['importing', 'paused while importing']);
      // What carbond makes of an exit 0 without a checkpoint after a pause request: a pause
      // (not a failure, not finished); the run counts as "killed" (no checkpoint answered it)
      // and resumes from its last verified checkpoint — none here, so from step 0.
      const [run] = runsOf(h.db, job.id);
      expect(run).toMatchObject({ exitKind: 'killed', exitCode: 0, exitSignal: null, lostSteps: 0 });
      expect(checkpointsOf(h.db, job.id)).toEqual([]);
      expect(transitionsOf(h.db, job.id).at(-1)!.to).toBe('paused');
      expect(transitionsOf(h.db, job.id).map((t) => t.to)).not.toContain('failed');

      h.actions.set(job.id, 'resume');
      await tickUntil(h, () => currentState(h.db, job.id) === 'finished', 60_000);
      const runs = runsOf(h.db, job.id);
      expect(runs.map((r) => [r.exitKind, r.startStep])).toEqual([['killed', 0], ['finished', 0]]);
      const final = checkpointsOf(h.db, job.id).at(-1)!;
      expect(fs.readFileSync(path.join(final.path, 'state.json'), 'utf8')).toBe(reference);
    }, 120_000);
  });
});
