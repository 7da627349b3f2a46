/**
 * One code path for simulated and real ledgers: `carbond simulate … --state-dir D` keeps
 * its ledger in D, and `carbond report --state-dir D` reports on it like any other.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';

const FIX = path.join(__dirname, '../../fixtures/jobs/simulate');
const H = 3_600_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');

async function carbond(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let out = '';
  let err = '';
  try {
    const code = await main(argv, { stdout: (t) => void (out += `${t}\n`), stderr: (t) => void (err += `${t}\n`) });
    return { code, out, err };
  } finally {
    process.env = saved;
    process.exitCode = 0;
  }
}

describe('report on a simulated ledger', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-simrep-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports the simulated jobs with the energy and emissions the simulation recorded', async () => {
    const jobs = [
      { id: 'a', submitAt: new Date(T0 + 170 * H).toISOString(), deadline: new Date(T0 + 206 * H).toISOString(), durationHours: 6, powerW: 1000, sites: ['A'], homeSite: 'A' },
      { id: 'b', submitAt: new Date(T0 + 180 * H).toISOString(), deadline: new Date(T0 + 186 * H).toISOString(), durationHours: 3, powerW: 1000, sites: ['A'], homeSite: 'A' },
    ];
    const jobsFile = path.join(dir, 'jobs.json');
    fs.writeFileSync(jobsFile, JSON.stringify(jobs));
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, '');
    const env = { CARBOND_CONFIG: config, XDG_CONFIG_HOME: path.join(dir, 'xdg'), XDG_STATE_HOME: path.join(dir, 'xdg-state') };
    const state = path.join(dir, 'state');
    const sim = await carbond(['simulate', '--trace', `A=${path.join(FIX, 'A_trace.csv')}`, '--forecast', 'perfect', '--jobs', jobsFile, '--state-dir', state, '--json'], env);
    expect(sim.err).toBe('');
    expect(sim.code).toBe(0);
    const result = JSON.parse(sim.out) as { jobs: Array<{ id: string; energyKWh: number; emissionsG: number }> };

    const rep = await carbond(['report', '--state-dir', state, '--format', 'json'], env);
    expect(rep.err).toBe('');
    expect(rep.code).toBe(0);
    const report = JSON.parse(rep.out) as { totals: { jobs: number; energyKWh: number; actualG: number; baselineG: number; status: string }; jobs: Array<{ id: string; figures: { energyKWh: number; actualG: number } }> };
    expect(report.totals.jobs).toBe(2);
    for (const j of result.jobs) {
      const r = report.jobs.find((x) => x.id === j.id)!;
      expect(r.figures.energyKWh).toBeCloseTo(j.energyKWh, 4);
      expect(r.figures.actualG).toBeCloseTo(j.emissionsG, 0);
    }
    expect(report.totals.baselineG).toBeGreaterThanOrEqual(report.totals.actualG);
  });
});
