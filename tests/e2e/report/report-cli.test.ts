import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv, killAll, runCli } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { writeReportLedger } from '../../integration/reports/report-ledger';

describe('carbond report (built binary)', () => {
  let dir: string;
  let state: string;
  beforeAll(() => {
    dir = makeTempDir('carbond-report-cli-');
    state = path.join(dir, 'state');
    fs.mkdirSync(state);
    writeReportLedger(state).close();
  });
  afterAll(async () => { await killAll(); removeDir(dir); });

  it('prints the JSON report of the ledger in --state-dir, with the same totals in CSV and Markdown', async () => {
    const json = await runCli(['report', '--state-dir', state, '--format', 'json', '--group-by', 'owner'], isolatedEnv(dir));
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { totals: { jobs: number; actualG: number; avoidedG: number; status: string }; groups: Array<{ key: string }> };
    expect(report.totals.jobs).toBe(3);
    expect(report.totals.status).toBe('provisional');
    expect(report.groups.map((g) => g.key).sort()).toEqual(['alice', 'bob']);
    const csv = await runCli(['report', '--state-dir', state, '--format', 'csv'], isolatedEnv(dir));
    expect(csv.stdout.split('\n')[1]).toContain(`,${report.totals.actualG},`);
    const md = await runCli(['report', '--state-dir', state], isolatedEnv(dir));
    expect(md.stdout).toMatch(/^# carbond emissions report/);
    expect(md.stdout).toContain(`| ${report.totals.avoidedG} |`);
  });

  it('writes codecarbon emissions.csv to --out and says what it wrote', async () => {
    const out = path.join(dir, 'emissions.csv');
    const r = await runCli(['report', '--state-dir', state, '--format', 'codecarbon', '--out', out], isolatedEnv(dir));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote codecarbon report to .*emissions\.csv: 3 jobs/);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(4);
  });

  it('reports only the jobs submitted in --from/--to', async () => {
    const r = await runCli(['report', '--state-dir', state, '--format', 'json', '--from', '2026-11-02T05:00:00Z', '--to', '2026-11-02T12:00:00+00:00'], isolatedEnv(dir));
    expect((JSON.parse(r.stdout) as { jobs: Array<{ id: string }> }).jobs.map((j) => j.id)).toEqual(['job-b']);
  });

  it('rejects bad flags with exit 2, naming each, and writes nothing', async () => {
    const out = path.join(dir, 'never.html');
    const r = await runCli(['report', '--state-dir', state, '--from', 'last week', '--format', 'docx', '--out', out], isolatedEnv(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--from');
    expect(r.stderr).toContain('--format: one of json, csv, md, html, codecarbon, pdf (got "docx")');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses --signal marginal on average data with exit 2 (E_SIGNAL), naming the zones, and writes nothing', async () => {
    const out = path.join(dir, 'marginal.json');
    const r = await runCli(['report', '--state-dir', state, '--signal', 'marginal', '--format', 'json', '--out', out], isolatedEnv(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--signal marginal: the ledger has no marginal intensity for FR \(only average from em\); GB \(only average from uk\)/);
    expect(r.stderr).toContain('does not relabel average data as marginal');
    expect(fs.existsSync(out)).toBe(false);
    const avg = await runCli(['report', '--state-dir', state, '--signal', 'average', '--format', 'json'], isolatedEnv(dir));
    expect(avg.code).toBe(0);
    expect((JSON.parse(avg.stdout) as { signal: string; method: { signal: { requested: string } } }).method.signal.requested).toBe('average');
  });

  it('fails --format pdf with exit 1 and says why when no Chromium is found, writing nothing', async () => {
    const out = path.join(dir, 'never.pdf');
    const r = await runCli(['report', '--state-dir', state, '--format', 'pdf', '--out', out], isolatedEnv(dir, { CARBOND_CHROMIUM: path.join(dir, 'no-such-chromium') }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--format pdf needs headless Chromium .* apt-get install -y chromium/);
    expect(fs.existsSync(out)).toBe(false);
    const noOut = await runCli(['report', '--state-dir', state, '--format', 'pdf'], isolatedEnv(dir));
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out: --format pdf writes a file');
  });

  it('fails with exit 1 and says so when the state dir has no ledger, creating nothing', async () => {
    const empty = path.join(dir, 'empty');
    const r = await runCli(['report', '--state-dir', empty], isolatedEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no ledger at .*empty/);
    expect(fs.existsSync(empty)).toBe(false);
  });
});
