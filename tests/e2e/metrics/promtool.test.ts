/**
 * The Prometheus exposition of a real daemon (the built binary) with a few real jobs passes
 * Debian's `promtool check metrics`, and its counters carry on across a daemon restart (no
 * drop that `increase()` would read as a reset). Needs promtool (`apt-get install
 * prometheus`): skipped without it, never under CI (`.ci/run` installs it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Groups } from '../../helpers/groups';
import { exitWithin, isolatedEnv, killAll, runCli, spawnCarbond, type SpawnedCarbond } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { waitFor, waitForSocket } from '../../helpers/wait';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p));
const describeWithPromtool = PROMTOOL || process.env['CI'] ? describe : describe.skip;
const JOB = path.resolve(__dirname, '../../fixtures/jobs/protocol-job.js');
jest.setTimeout(120_000);

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
    }).on('error', reject);
  });
}

/** `name{labels} value` lines of one metric, as a map from the label text to the value. */
function series(text: string, name: string): Map<string, number> {
  return new Map([...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => [m[1] ?? '', Number(m[2])]));
}

describeWithPromtool('Prometheus metrics of a running daemon', () => {
  let dir: string;
  let state: string;
  let env: NodeJS.ProcessEnv;
  const pids = new Groups();
  beforeAll(() => {
    if (!PROMTOOL) throw new Error('promtool is required under CI: apt-get install prometheus (.ci/run does)');
    dir = makeTempDir('cd-prom-');
    state = path.join(dir, 'state');
    env = isolatedEnv(dir, {}, 'tickInterval = "* * * * * *"\n[scheduler]\ncheckpointTimeout = "10s"\n[metrics]\nlisten = "127.0.0.1:0"\n');
  });
  afterAll(async () => {
    await killAll();
    pids.killAll();
    removeDir(dir);
  });

  async function daemon(): Promise<{ d: SpawnedCarbond; port: number }> {
    const d = spawnCarbond(['daemon', '--state-dir', state], env);
    await waitForSocket(path.join(state, 'carbond.sock'), 15_000);
    const port = await waitFor('the metrics port in the log', () => Number(/"metrics listening".*"port":(\d+)/.exec(d.stderr())?.[1] ?? 0) || undefined, 10_000);
    return { d, port };
  }
  async function submit(steps: number, ...extra: string[]): Promise<string> {
    const cwd = fs.mkdtempSync(path.join(dir, 'job-'));
    const file = path.join(cwd, 'job.json');
    fs.writeFileSync(file, JSON.stringify({ cwd, name: 'counter', estimate: '1h', command: [process.execPath, JOB, '--steps', String(steps), '--step-ms', '20', ...extra] }));
    const r = await runCli(['submit', '--state-dir', state, '--file', file, '--deadline', new Date(Date.now() + 86_400_000).toISOString(), '--json'], env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const id = (JSON.parse(r.stdout) as { id: string }).id;
    return id;
  }
  const energy = (text: string): number => [...series(text, 'carbond_energy_joules_total').values()].reduce((a, b) => a + b, 0);

  it('passes promtool check metrics, and its counters do not fall across a restart', async () => {
    let { d, port } = await daemon();
    await submit(60); // finishes
    await submit(100, '--fail-at', '30'); // fails
    const long = await submit(1_000_000); // runs on
    await waitFor('energy on the counters', async () => energy(await scrape(port)) > 0, 30_000, 500);
    await waitFor('a tick and a plan observed', async () => /^carbond_plan_duration_seconds_count [1-9]/m.test(await scrape(port)), 10_000, 300);

    const text = await scrape(port);
    const check = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, out: check.stdout + check.stderr }).toEqual({ status: 0, out: '' });
    expect(text).toMatch(/^# TYPE carbond_energy_joules_total counter$/m);
    expect(text).toMatch(/^carbond_energy_joules_total\{zone="GB",site="local"\} \d/m);
    expect(text).toMatch(/^# TYPE carbond_tick_duration_seconds histogram$/m);
    expect(text).toMatch(/^carbond_tick_duration_seconds_bucket\{le="\+Inf"\} [1-9]/m);
    expect(text).not.toMatch(/kilowatt_hours/);

    const before = await scrape(port);
    d.process.kill('SIGTERM');
    await exitWithin(d, 20_000);
    ({ d, port } = await daemon());
    const after = await scrape(port);
    for (const name of ['carbond_energy_joules_total', 'carbond_emissions_grams_total', 'carbond_avoided_grams_total']) {
      const was = series(before, name);
      const now = series(after, name);
      expect([...now.keys()]).toEqual(expect.arrayContaining([...was.keys()]));
      for (const [labels, v] of was) expect({ name, labels, atLeast: now.get(labels)! >= v }).toEqual({ name, labels, atLeast: true });
    }
    expect(energy(before)).toBeGreaterThan(0);
    await runCli(['cancel', long, '--state-dir', state], env);
    d.process.kill('SIGTERM');
    await exitWithin(d, 20_000);
  });
});
