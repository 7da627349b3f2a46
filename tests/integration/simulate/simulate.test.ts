import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';

const FIX = path.join(__dirname, '../../fixtures/jobs/simulate');
const H = 3_600_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');

interface Captured { code: number; out: string; err: string }

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-sim-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = 0;
});

async function carbond(argv: string[]): Promise<Captured> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += `${t}\n`), stderr: (t) => void (err += `${t}\n`) });
  process.exitCode = 0;
  return { code, out, err };
}

function writeJobs(jobs: unknown[], name = 'jobs.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(jobs, null, 2));
  return file;
}

function job(id: string, submitH: number, durationHours: number, slackH: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, submitAt: new Date(T0 + submitH * H).toISOString(), deadline: new Date(T0 + (submitH + durationHours + slackH) * H).toISOString(),
    durationHours, powerW: 1000, sites: ['A'], homeSite: 'A', ...extra,
  };
}

/** The measured hourly values of A_trace.csv by hour index from T0. */
function traceA(file = 'A_trace.csv'): number[] {
  return fs.readFileSync(path.join(FIX, file), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[2]));
}

/** Best emissions (g) for 1 kW over hourly slots [from, from+slots), W work hours, 1-h resume overhead. */
function bruteForce(g: number[], from: number, slots: number, W: number): number {
  let best = Infinity;
  for (let mask = 0; mask < 1 << slots; mask++) {
    let work = 0;
    let cost = 0;
    let started = false;
    let prev = false;
    for (let i = 0; i < slots && work < W; i++) {
      const on = (mask >> i) & 1;
      if (on) {
        cost += g[from + i]!;
        if (started && !prev) {
          /* overhead hour: no work */
        } else work++;
        started = true;
      }
      prev = on === 1;
    }
    if (work >= W) best = Math.min(best, cost);
  }
  return best;
}

const trace = (z = 'A', f = 'A_trace.csv'): string[] => ['--trace', `${z}=${path.join(FIX, f)}`];

describe('carbond simulate', () => {
  it('reaches the brute-force optimum with --forecast perfect on small jobs', async () => {
    const cases = [[170, 3, 5], [180, 2, 6], [200, 1, 4], [215, 4, 4], [230, 3, 0]] as const;
    const jobs = cases.map(([s, d, k], i) => job(`j${i}`, s, d, k, { pauseOverheadMinutes: 60 }));
    const file = writeJobs(jobs);
    const r = await carbond(['simulate', ...trace(), '--forecast', 'perfect', '--jobs', file, '--slot-minutes', '60', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { jobs: { id: string; emissionsG: number }[] };
    const g = traceA();
    cases.forEach(([s, d, k], i) => {
      expect(result.jobs.find((j) => j.id === `j${i}`)!.emissionsG).toBeCloseTo(bruteForce(g, s, d + k, d), 2);
    });
  });

  it('writes RESULT.json in the documented shape, with segments as long as the work plus the overheads paid', async () => {
    const file = writeJobs([job('a', 170, 6, 18), job('b', 175, 10, 30, { pauseOverheadMinutes: 10 })]);
    const out = path.join(dir, 'result.json');
    const r = await carbond(['simulate', ...trace(), '--forecast', 'perfect', '--jobs', file, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/policy carbond: .* saved .* %; deadline misses 0/);
    const result = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(Object.keys(result).sort()).toEqual(['jobs', 'policy', 'summary']);
    expect(Object.keys(result.summary).sort()).toEqual(['baselineG', 'deadlineMisses', 'emissionsG', 'pauses', 'plannerMsMax', 'plannerMsP50', 'savedPct']);
    for (const j of result.jobs) {
      expect(j).toEqual(expect.objectContaining({ id: expect.any(String), energyKWh: expect.any(Number), emissionsG: expect.any(Number), baselineG: expect.any(Number), deadlineMet: true }));
      const ranMs = j.segments.reduce((a: number, s: { start: string; end: string }) => a + Date.parse(s.end) - Date.parse(s.start), 0);
      const overheadMs = j.pauses * (j.id === 'b' ? 10 : 5) * 60_000;
      expect(ranMs).toBe((j.id === 'a' ? 6 : 10) * H + overheadMs);
      expect(j.energyKWh).toBeCloseTo(ranMs / H, 6);
      for (let i = 1; i < j.segments.length; i++) expect(Date.parse(j.segments[i].start)).toBeGreaterThanOrEqual(Date.parse(j.segments[i - 1].end));
    }
    expect(result.summary.savedPct).toBeGreaterThan(0);
  });

  for (const mode of ['perfect', 'local', 'file'] as const) {
    for (const policy of ['carbond', 'baseline', 'window', 'threshold'] as const) {
      it(`misses no deadline of a feasible job (--forecast ${mode}, --policy ${policy})`, async () => {
        const jobs = Array.from({ length: 12 }, (_, i) => job(`j${i}`, 170 + i * 9.25, 1 + ((i * 7) % 30), (i * 5) % 19, { pauseOverheadMinutes: (i % 3) * 10, sites: i % 2 ? ['A', 'B'] : ['A'] }));
        const file = writeJobs(jobs);
        const forecast = mode === 'file' ? `A=${path.join(FIX, 'A_forecast.csv')}` : mode;
        const r = await carbond(['simulate', ...trace(), ...trace('B', 'B_trace.csv'), '--forecast', forecast, '--jobs', file, '--policy', policy, '--json']);
        expect(r.err).toBe('');
        const result = JSON.parse(r.out);
        expect(result.summary.deadlineMisses).toBe(0);
        expect(result.jobs.every((j: { deadlineMet: boolean }) => j.deadlineMet)).toBe(true);
      });
    }
  }

  for (const mode of ['local', 'file'] as const) {
    it(`does not peek: traces identical up to T give identical segments before T (--forecast ${mode})`, async () => {
      const T = T0 + (9 * 24 + 12) * H;
      const file = writeJobs([job('x', 200, 8, 30), job('y', 210, 20, 20), job('z', 180, 12, 40)]);
      const emissions: number[] = [];
      const run = async (suffix: string): Promise<Record<string, { start: string; end: string }[]>> => {
        const fc = mode === 'file' ? [`A=${path.join(FIX, `A_forecast${suffix}.csv`)}`] : ['local'];
        const r = await carbond(['simulate', ...trace('A', `A_trace${suffix}.csv`), '--forecast', ...fc, '--jobs', file, '--json']);
        const result = JSON.parse(r.out);
        emissions.push(result.summary.emissionsG);
        return Object.fromEntries(result.jobs.map((j: { id: string; segments: { start: string; end: string }[] }) => [j.id, j.segments]));
      };
      const before = (segs: { start: string; end: string }[]): unknown =>
        segs.filter((s) => Date.parse(s.start) < T).map((s) => ({ start: s.start, end: Date.parse(s.end) > T ? 'after T' : s.end }));
      const a = await run('');
      const b = await run('_diverges');
      for (const id of ['x', 'y', 'z']) expect(before(b[id]!)).toEqual(before(a[id]!));
      expect(emissions[0]).not.toBeCloseTo(emissions[1]!, 0); // the runs after T do see different traces
    });
  }

  it('exits 2 naming the job id for an unknown zone, a deadline before submission and a job that cannot fit', async () => {
    const file = writeJobs([
      job('ok', 170, 2, 2),
      job('nowhere', 170, 2, 2, { sites: ['A', 'MARS'] }),
      { ...job('backwards', 170, 2, 2), deadline: new Date(T0 + 160 * H).toISOString() },
      job('toolong', 170, 5, 0, { deadline: new Date(T0 + 172 * H).toISOString() }),
    ]);
    const r = await carbond(['simulate', ...trace(), '--jobs', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/job nowhere\.sites: unknown zone MARS/);
    expect(r.err).toMatch(/job backwards\.deadline: is not after submitAt/);
    expect(r.err).toMatch(/job toolong\.deadline: cannot fit: 5 h of work in 2\.00 h/);
    expect(r.out).toBe('');
  });

  it('exits 2 naming the file and line of malformed JSON and of a malformed CSV', async () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '[\n  {"id": "a",\n  "submitAt": }\n]\n');
    const r1 = await carbond(['simulate', ...trace(), '--jobs', bad]);
    expect(r1.code).toBe(2);
    expect(r1.err).toContain(`${bad}:3`);
    const csv = path.join(dir, 'bad.csv');
    fs.writeFileSync(csv, 'timestamp,zone,carbon_intensity\n2021-07-01T00:00:00Z,A,100\n2021-07-01T01:00:00Z,A,lots\n');
    const r2 = await carbond(['simulate', '--trace', `A=${csv}`, '--jobs', writeJobs([job('a', 0, 1, 1)])]);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain('bad.csv:3');
  });

  it('keeps the simulated history in a ledger with --state-dir', async () => {
    const file = writeJobs([job('a', 170, 6, 30), job('b', 180, 3, 3)]);
    const stateDir = path.join(dir, 'state');
    const r = await carbond(['simulate', ...trace(), '--forecast', 'perfect', '--jobs', file, '--state-dir', stateDir, '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { openLedger, closeLedger, ledgerPath } = require('../../../src/ledger/db') as typeof import('../../../src/ledger/db');
    const db = openLedger(ledgerPath(stateDir), { readonly: true, nowMs: 0 });
    try {
      const count = (t: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
      expect(count('jobs')).toBe(2);
      expect(count('runs')).toBe(result.jobs.reduce((a: number, j: { segments: unknown[] }) => a + j.segments.length, 0));
      expect(count('plans')).toBeGreaterThan(0);
      expect(count('decisions')).toBeGreaterThan(0);
      expect(count('intensity_points')).toBeGreaterThan(0);
      const kwh = (db.prepare('SELECT SUM(energy_kwh) AS e FROM energy_samples').get() as { e: number }).e;
      expect(kwh).toBeCloseTo(result.jobs.reduce((a: number, j: { energyKWh: number }) => a + j.energyKWh, 0), 4);
      const states = db.prepare("SELECT to_state FROM transitions WHERE job_id = 'a' ORDER BY id").all() as { to_state: string }[];
      expect(states[0]!.to_state).toBe('queued');
      expect(states[states.length - 1]!.to_state).toBe('finished');
    } finally {
      closeLedger(db);
    }
  });
});
