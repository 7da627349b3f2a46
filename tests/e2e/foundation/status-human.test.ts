/**
 * `carbond status` for people, against a ledger written by `carbond simulate --state-dir D`
 * (no daemon): the ledger's own zones and jobs, human headers and units, every line within
 * 100 columns, plurals right, no raw JSON keys; `--json` keeps its fields and adds some.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv, runCli } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const FIX = path.join(__dirname, '../../fixtures/jobs/simulate');
const RAW_KEYS = ['lastOkAt', 'dataAgeMs', 'manualOverride', 'gPerKWh', 'totalSteps', '{"'];

describe('carbond status for people', () => {
  let dir: string;
  let state: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = makeTempDir();
    state = path.join(dir, 'state');
    env = isolatedEnv(dir);
    const jobs = [
      { id: 'a', submitAt: '2021-07-08T02:00:00Z', deadline: '2021-07-09T14:00:00Z', durationHours: 6, powerW: 1000, sites: ['A'], homeSite: 'A' },
      { id: 'b', submitAt: '2021-07-08T12:00:00Z', deadline: '2021-07-08T18:00:00Z', durationHours: 3, powerW: 1000, sites: ['A'], homeSite: 'A' },
    ];
    fs.writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(jobs));
    const sim = await runCli(['simulate', '--trace', `A=${path.join(FIX, 'A_trace.csv')}`, '--forecast', 'perfect', '--jobs', path.join(dir, 'jobs.json'), '--state-dir', state], env, 60_000);
    expect(sim.code).toBe(0);
  }, 90_000);
  afterAll(() => removeDir(dir));

  it('shows the simulated ledger\'s zone and jobs, not the default config\'s zone', async () => {
    const r = await runCli(['status', '--state-dir', state], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^carbond: no daemon/);
    expect(r.stdout).toMatch(/^A +\d+ g\/kWh +measured, replay/m);
    expect(r.stdout).not.toMatch(/^GB /m);
    expect(r.stdout).toContain('configured zone with no data in this ledger: GB');
    expect(r.stdout).toMatch(/^Recent jobs \(newest 2\)/m);
    expect(r.stdout).toMatch(/^a +a +finished .* A .* simulated$/m);
    expect(r.stdout).toMatch(/^b +b +finished .* A .* simulated$/m);
  });

  it('uses human headers and units, no raw keys, no line over 100 columns, right plurals', async () => {
    const r = await runCli(['status', '--state-dir', state], env);
    for (const key of RAW_KEYS) expect(r.stdout).not.toContain(key);
    expect(r.stdout).toMatch(/^Zone +Intensity +Source +Refreshed by +Last data +Signal$/m);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(r.stdout).not.toMatch(/\b1 jobs\b|\b0 job\b/);
    expect(r.stdout).toMatch(/Energy since \d{4}-\d\d-\d\d: 0 jobs, 0\.00 kWh/);
  });

  it('--json keeps its fields and adds history', async () => {
    const r = await runCli(['status', '--state-dir', state, '--json'], env);
    const report = JSON.parse(r.stdout) as Record<string, unknown> & { history: { zones: Array<{ zone: string }>; recentJobs: Array<{ id: string; tags: Record<string, string>; site: string }> } };
    for (const k of ['source', 'daemon', 'ledger', 'zones', 'jobs', 'notes', 'energy', 'disk']) expect(report).toHaveProperty(k);
    expect(report.history.zones.map((z) => z.zone)).toEqual(['A']);
    expect(report.history.recentJobs.map((j) => [j.id, j.site, j.tags['simulated']])).toEqual([['b', 'A', 'true'], ['a', 'A', 'true']]);
  });
});
