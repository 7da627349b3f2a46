/**
 * examples/pytorch-word-language-model/train.py (the LSTM word language model of
 * pytorch/examples on python/carbond_job.py) run for real on CPU with Debian's torch
 * (`apt-get install python3-torch`, for /usr/bin/python3) as a carbond job — real ledger,
 * local executor, job lifecycle, the real pause signal — paused in training, paused in an
 * evaluation, resumed each time, and ending bit-identical to an uninterrupted run: every
 * step's training loss, every validation loss, the learning rate schedule, the weights, and
 * the final checkpoint's state.pt byte for byte.
 *
 * Skipped (with the reason in its name) where /usr/bin/python3 cannot import torch; under CI
 * (`process.env.CI`, where .ci/run installs python3-torch) it fails instead.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import { checkpointsOf } from '../../../src/ledger/checkpoints';
import { currentState } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { makeHarness, tickUntil, type Harness } from '../executors/lifecycle-harness';

const REPO = path.resolve(__dirname, '../../..');
const EXAMPLE = path.join(REPO, 'examples/pytorch-word-language-model');
const TRAIN = path.join(EXAMPLE, 'train.py');
const PYTHON = '/usr/bin/python3'; // Debian's python3-torch installs for the system Python only

/** Why torch is not usable here (undefined: it is). */
const torchUnavailableReason = ((): string | undefined => {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `${PYTHON} -c 'import torch': ${r.error.message}`;
  return r.status === 0 ? undefined : `${PYTHON} -c 'import torch' failed (apt-get install python3-torch): ${(r.stderr ?? '').trim().split('\n').at(-1)}`;
})();

function describeTorch(name: string, body: () => void): void {
  if (torchUnavailableReason === undefined) describe(name, body);
  else if (process.env['CI']) describe(name, () => { it('needs torch', () => { throw new Error(`torch is required under CI: ${torchUnavailableReason}`); }); });
  else describe.skip(`${name} (skipped: ${torchUnavailableReason})`, body);
}

// A model and a run small enough for seconds on one CPU thread: 4 epochs of 15 batches on
// the example's tiny corpus; --lr 40 makes the validation loss rise once, so the learning
// rate is quartered (state that has to survive the pauses).
const STEPS_PER_EPOCH = 15;
const ARGS = ['--data', path.join(EXAMPLE, 'tiny'), '--emsize', '16', '--nhid', '16', '--epochs', '4', '--lr', '40',
  '--batch-size', '4', '--bptt', '10', '--max-batches', String(STEPS_PER_EPOCH), '--log-every', '1', '--threads', '1',
  '--record', 'record.json'];
// Under carbond: 0.25 s per batch (timing only, not state), so that the pauses land where
// the test aims them (an evaluation is 8 batches).
const PACED = [...ARGS, '--batch-sleep', '0.25'];

interface LossRecord { steps: number; lr: string; train_losses: string[]; val_losses: string[]; weights_sha256: string }

/** argv[1], argv[2]: two state.pt files; prints `same` when equal in every value (tensors: dtype, shape, bits). */
const SAME_STATE = `
import sys, torch
def same(a, b, where):
    if type(a) is not type(b):
        sys.exit("%s: %s vs %s" % (where, type(a).__name__, type(b).__name__))
    if isinstance(a, torch.Tensor):
        ok = a.dtype == b.dtype and a.shape == b.shape and torch.equal(a.view(torch.uint8) if a.dtype != torch.uint8 and a.dim() else a, b.view(torch.uint8) if b.dtype != torch.uint8 and b.dim() else b)
        ok or sys.exit("%s: tensors differ" % where)
    elif isinstance(a, dict):
        list(a) == list(b) or sys.exit("%s: keys %s vs %s" % (where, list(a), list(b)))
        for k in a: same(a[k], b[k], "%s.%s" % (where, k))
    elif isinstance(a, (list, tuple)):
        len(a) == len(b) or sys.exit("%s: lengths %d vs %d" % (where, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)): same(x, y, "%s[%d]" % (where, i))
    elif isinstance(a, float):
        a.hex() == b.hex() or sys.exit("%s: %s vs %s" % (where, a.hex(), b.hex()))
    elif hasattr(a, "tobytes"):
        (a.dtype, a.shape, a.tobytes()) == (b.dtype, b.shape, b.tobytes()) or sys.exit("%s: arrays differ" % where)
    else:
        a == b or sys.exit("%s: %r vs %r" % (where, a, b))
same(*(torch.load(p, map_location="cpu", weights_only=False) for p in sys.argv[1:3]), "state")
print("same")
`;

/** The example run to the end outside carbond (no CARBOND_* variables): the reference. */
function uninterrupted(cwd: string): { record: string; statePath: string } {
  const r = spawnSync(PYTHON, [TRAIN, ...ARGS], { cwd, env: { PATH: process.env['PATH'] }, encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/finished at step 60\n$/);
  expect(fs.readdirSync(path.join(cwd, 'checkpoints'))).toEqual(['ckpt-000000000060']);
  return { record: fs.readFileSync(path.join(cwd, 'record.json'), 'utf8'), statePath: path.join(cwd, 'checkpoints/ckpt-000000000060/state.pt') };
}

describeTorch('examples/pytorch-word-language-model on CPU with Debian\'s torch, as a carbond job', () => {
  let h: Harness;
  beforeEach(() => { h = makeHarness(); });
  afterEach(async () => { await h.close(); });

  it('is paused in training and in an evaluation, resumed twice, and ends bit-identical to an uninterrupted run', async () => {
    const reference = uninterrupted(fs.mkdtempSync(path.join(h.dir, 'reference-'))); // removed with h.dir
    const job = h.submit({ command: [PYTHON, TRAIN, ...PACED], checkpointTimeoutMs: 30_000 });
    const logOf = (i: number): string => {
      const p = runsOf(h.db, job.id)[i]?.logPath;
      return p && fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '';
    };

    // Pause 1: in training, after step 3 of the first epoch's 15.
    h.actions.set(job.id, 'start');
    await tickUntil(h, () => (runsOf(h.db, job.id).at(-1)?.lastStep ?? 0) >= 3 && currentState(h.db, job.id) === 'running', 60_000);
    h.actions.set(job.id, 'pause');
    await tickUntil(h, () => currentState(h.db, job.id) === 'paused', 60_000);
    const pausedAt = Number(/paused in training at step (\d+)\n/.exec(logOf(0))?.[1]);
    expect(pausedAt).toBeGreaterThanOrEqual(3);
    expect(pausedAt).toBeLessThan(STEPS_PER_EPOCH);

    // Pause 2: while the resumed run evaluates after its first epoch.
    h.actions.set(job.id, 'resume');
    await tickUntil(h, () => runsOf(h.db, job.id).length === 2 && logOf(1).includes('epoch 1: evaluating\n') && currentState(h.db, job.id) === 'running', 60_000);
    h.actions.set(job.id, 'pause');
    await tickUntil(h, () => currentState(h.db, job.id) === 'paused', 60_000);
    expect(logOf(1)).toContain(`resumed at step ${pausedAt} (epoch 1, phase train)\n`);
    expect(logOf(1)).toMatch(/epoch 1: evaluating\npaused in evaluation at step 15\n$/);

    h.actions.set(job.id, 'resume');
    await tickUntil(h, () => currentState(h.db, job.id) === 'finished', 90_000);
    // The evaluation cut short ran again whole after the resume.
    expect(logOf(2)).toMatch(/^resumed at step 15 \(epoch 1, phase eval\)\nepoch 1: evaluating\nepoch 1: valid loss/);
    expect(logOf(2)).toMatch(/finished at step 60\n$/);

    const runs = runsOf(h.db, job.id);
    expect(runs.map((r) => r.exitKind)).toEqual(['paused', 'paused', 'finished']);
    expect(runs.map((r) => r.lostSteps)).toEqual([0, 0, 0]);
    expect(runs.map((r) => r.startStep)).toEqual([0, pausedAt, 15]);

    // carbond verified every checkpoint the helper wrote.
    const checkpoints = checkpointsOf(h.db, job.id);
    expect(checkpoints.map((c) => [c.step, c.status])).toEqual([[pausedAt, 'verified'], [15, 'verified'], [60, 'verified']]);
    const store = createFsCheckpointStore({ root: job.checkpointDir });
    const phases: string[] = [];
    for (const c of checkpoints) {
      const manifest = JSON.parse(fs.readFileSync(path.join(c.path, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({ step: c.step, files: [expect.objectContaining({ path: 'state.pt' })] });
      phases.push(manifest.meta.phase);
      const v = await store.verify(c.path);
      expect(v.ok && v.checkpoint.step).toBe(c.step);
    }
    expect(phases).toEqual(['train', 'eval', 'done']);

    // Bit-identical: every step's loss, the validation losses, the LR schedule, the weights…
    const record = fs.readFileSync(path.join(job.cwd, 'record.json'), 'utf8');
    const r = JSON.parse(record) as LossRecord;
    expect(r.train_losses).toHaveLength(60);
    expect(r.val_losses).toHaveLength(4);
    expect(r.lr).toBe('0x1.4000000000000p+3'); // float.hex(10.0): 40, quartered once when the validation loss rose
    expect(r).toEqual(JSON.parse(reference.record));
    expect(record).toBe(reference.record);
    // …and the final checkpoint's state.pt: model, hidden state, loop state, RNG states, loaded
    // and compared exactly. (Not its bytes: pickle writes a string shared by two fields once,
    // and a resumed run's phase string is its own object, so the files differ in memo opcodes.)
    const cmp = spawnSync(PYTHON, ['-c', SAME_STATE, path.join(checkpoints.at(-1)!.path, 'state.pt'), reference.statePath], { encoding: 'utf8', timeout: 60_000 });
    expect(cmp.stderr).toBe('');
    expect(cmp.stdout).toBe('same\n');
  }, 240_000);
});
