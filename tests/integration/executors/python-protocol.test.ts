import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointsOf } from '../../../src/ledger/checkpoints';
import { currentState } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { makeHarness, tickUntil, type Harness } from './lifecycle-harness';

const EXAMPLE = path.resolve(__dirname, '../../../examples/python/protocol_job.py');
const hasPython = ((): boolean => { try { execFileSync('python3', ['--version']); return true; } catch { return false; } })();

(hasPython ? describe : describe.skip)('the Python protocol example under the job lifecycle', () => {
  let h: Harness;
  beforeEach(() => { h = makeHarness(); });
  afterEach(async () => { await h.close(); });

  it('is paused twice without a manifest of its own (carbond writes it), resumed, and ends with the uninterrupted result', async () => {
    const steps = 60;
    const job = h.submit({ command: ['python3', EXAMPLE, '--steps', String(steps), '--step-seconds', '0.02', '--no-manifest'] });
    for (const pauseAt of [10, 30]) {
      h.actions.set(job.id, 'start');
      await tickUntil(h, () => (runsOf(h.db, job.id).at(-1)?.lastStep ?? 0) >= pauseAt && currentState(h.db, job.id) === 'running');
      h.actions.set(job.id, 'pause');
      await tickUntil(h, () => currentState(h.db, job.id) === 'paused');
    }
    h.actions.set(job.id, 'resume');
    await tickUntil(h, () => currentState(h.db, job.id) === 'finished');
    const runs = runsOf(h.db, job.id);
    expect(runs.map((r) => r.exitKind)).toEqual(['paused', 'paused', 'finished']);
    expect(runs[1]!.startStep).toBe(runs[0]!.lastStep);
    const verified = checkpointsOf(h.db, job.id).filter((c) => c.status === 'verified');
    expect(verified.length).toBeGreaterThanOrEqual(3);
    expect(fs.existsSync(path.join(verified[0]!.path, 'manifest.json'))).toBe(true);
    const final = JSON.parse(fs.readFileSync(path.join(verified.at(-1)!.path, 'state.json'), 'utf8')) as { step: number; sum: number };
    expect(final).toEqual({ step: steps, sum: (steps * (steps + 1)) / 2 });
  });
});
