/**
 * scripts/gpu-check.sh cannot meet a GPU here, so it runs end to end against a stand-in
 * `nvidia-smi` and a stand-in Python (which runs the standard-library protocol job):
 * the phases, the sampler, both pauses, the store's verification and the summary.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './child';

const FAKE_SMI = `#!/usr/bin/env bash
if [[ "$*" == *driver_version* ]]; then echo "index, name, driver_version, power.limit [W], memory.total [MiB]"; echo "0, Fake GPU, 0.0, 700.00 W, 1000 MiB"; exit 0; fi
echo "0, Fake GPU, 123.45, 700.00, 42, 512"
`;
const FAKE_PYTHON = `#!/usr/bin/env bash
if [[ "$1" == "-c" ]]; then case "$2" in *print*) echo "torch fake";; esac; exit 0; fi
exec python3 ${JSON.stringify(path.join(REPO, 'examples/python/protocol_job.py'))} --steps 100000 --step-seconds 0.05
`;

describe('scripts/gpu-check.sh', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-gpucheck-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n', path.join(REPO, 'scripts/gpu-check.sh')])).not.toThrow();
  });

  it('records power per phase, pauses twice by SIGTERM and verifies the checkpoint, with stand-ins for the GPU', () => {
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'nvidia-smi'), FAKE_SMI, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bin', 'python'), FAKE_PYTHON, { mode: 0o755 });
    const out = path.join(dir, 'out');
    const env = {
      ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env['PATH']}`, PYTHON: path.join(dir, 'bin', 'python'), OUT: out,
      T_IDLE: '1', T_TRAIN: '1', T_STOP: '2', T_CONT: '1', T_AFTER: '1', T_RESUMED: '1',
    };
    execFileSync('bash', [path.join(REPO, 'scripts/gpu-check.sh')], { env, stdio: 'pipe', timeout: 100_000 });
    const summary = fs.readFileSync(path.join(out, 'summary.txt'), 'utf8');
    expect(summary).toMatch(/pause 1 .* exit [\d.]+s \(exit code 0\), checkpoint step \d+/);
    expect(summary).toMatch(/pause 2 .* \(exit code 0\)/);
    expect(summary).toMatch(/latest verified checkpoint by carbond's store: \{"step":\d+,"bytes":\d+,"failures":\[\]\}/);
    const phases = new Set(fs.readFileSync(path.join(out, 'power.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]));
    for (const p of ['idle-before', 'stopped', 'after-exit', 'resumed']) expect(phases).toContain(p);
    expect(fs.readFileSync(path.join(out, 'power.csv'), 'utf8')).toContain(',Fake GPU,123.45,700.00,42,512');
  }, 120_000);
});
