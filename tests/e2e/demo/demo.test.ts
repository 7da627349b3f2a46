import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DemoResult } from '../../../src/cli/demo/run';
import { REPO_ROOT, requireBuilt, runCli } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

/** step → loss bits (hex of the float32), from a `--loss-log` file. */
function lossBits(file: string): string[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split('\t')).map(([step, , bits]) => `${step}:${bits}`);
}

describe('carbond demo (built binary, real daemon, real TF.js trainer)', () => {
  let dir: string;
  beforeAll(() => requireBuilt());
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  it('pauses the trainer twice in mid-training and resumes it twice by the plan, finishes with a bit-identical loss trajectory, avoids emissions, and stops the daemon with exit 0', async () => {
    const steps = 108;
    const r = await runCli(['demo', '--dir', dir, '--steps', String(steps), '--json'], { ...process.env, CARBOND_CONFIG: path.join(dir, 'none.toml') }, 240_000);
    expect({ code: r.code, stderrTail: r.code === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });
    const result = JSON.parse(r.stdout) as DemoResult;
    expect(result.state).toBe('finished');
    expect(result.daemonExit).toBe(0);
    expect(result.totalSteps).toBe(steps);
    // Counted by the demo (plan reasons, runs stopped and started with steps left) ...
    expect(result.pauses).toBeGreaterThanOrEqual(2);
    expect(result.resumes).toBeGreaterThanOrEqual(2);
    // ... and from the raw ledger view: runs the plan stopped in mid-training, runs it restarted.
    const planPauses = result.transitions.filter((t) => t.from === 'running' && t.to === 'pausing' && t.reason.startsWith('paused '));
    const planResumes = result.transitions.filter((t) => t.from === 'paused' && t.to === 'running' && t.reason.startsWith('resumed '));
    expect(planPauses.length).toBeGreaterThanOrEqual(2);
    expect(planResumes.length).toBeGreaterThanOrEqual(2);
    const stoppedMidway = result.runs.filter((run) => run.exitKind === 'paused' && run.lastStep !== null && run.lastStep < steps);
    const resumedMidway = result.runs.filter((run) => run.startStep > 0 && run.startStep < steps && planResumes.some((t) => Date.parse(t.at) === run.startedAtMs));
    expect(stoppedMidway.length).toBeGreaterThanOrEqual(2);
    expect(resumedMidway.length).toBeGreaterThanOrEqual(2);
    expect(result.runs.at(-1)).toMatchObject({ exitKind: 'finished', lastStep: steps });
    expect(result.energyKWh).toBeGreaterThan(0);
    expect(result.avoidedG).toBeGreaterThan(0);
    expect(result.actualG).toBeLessThan(result.baselineG);
    expect(result.wallMs).toBeLessThan(180_000);

    // The same trainer, same seed, never interrupted: the loss trajectory is bit-identical.
    const ref = path.join(dir, 'reference');
    const refLog = path.join(dir, 'reference-loss.tsv');
    fs.mkdirSync(ref, { recursive: true });
    const once = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'checkpoints', 'demo', 'train-gru.js'), '--steps', String(steps), '--seed', '1',
      '--checkpoint-dir', path.join(ref, 'ck'), '--events', path.join(ref, 'events.jsonl'), '--loss-log', refLog], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: once.status, stderr: once.status === 0 ? '' : once.stderr }).toEqual({ status: 0, stderr: '' });
    const demoBits = lossBits(result.lossLog);
    expect(demoBits).toHaveLength(steps);
    expect(demoBits).toEqual(lossBits(refLog));
  }, 420_000);
});
