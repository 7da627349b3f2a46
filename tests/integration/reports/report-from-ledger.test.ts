import { makeTempDir, removeDir } from '../../helpers/state-dir';
import type { Db } from '../../../src/ledger/db';
import { loadReportRows } from '../../../src/ledger/report-rows';
import { buildReport } from '../../../src/reports/build';
import { CSV_HEADER, renderCsv } from '../../../src/reports/csv';
import { renderHtml } from '../../../src/reports/html';
import { renderJson } from '../../../src/reports/json';
import { renderMarkdown } from '../../../src/reports/markdown';
import { FIGURE_COLUMNS } from '../../../src/reports/figures';
import type { Report } from '../../../src/reports/model';
import { nullLogger } from '../../../src/core/logger';
import type { StatusReport } from '../../../src/daemon/status/types';
import { statusEnergy } from '../../../src/reports/status';
import { energyStatus } from '../../../src/reports/status-contributor';
import { recompute } from './recompute';
import { NOW, settleGb, writeReportLedger } from './report-ledger';

const SITE_ZONES = { box1: 'GB', box2: 'FR' };
const SITE_ZONES_CONFIG = { box1: { zone: 'GB' }, box2: { zone: 'FR' } };

function reportOf(db: Db, groupBy: Report['groupBy'] = 'job'): Report {
  return buildReport(loadReportRows(db, {}, SITE_ZONES), { nowMs: NOW, groupBy });
}

/** Figures by row key (`total:all`, `group:…`, `job:…`) parsed back out of each format. */
function fromCsv(csv: string): Map<string, Record<string, string>> {
  const [head, ...lines] = csv.trim().split('\n');
  const cols = head!.split(',');
  const out = new Map<string, Record<string, string>>();
  for (const line of lines) {
    const cells = line.split(',');
    out.set(`${cells[0]}:${cells[1]}`, Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? ''])));
  }
  return out;
}

/** The exact values (`data-value`) of every number in the HTML report's figure rows. */
function fromHtml(html: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const m of html.matchAll(/<tr data-row="(\w+)" data-key="([^"]*)">(.*?)<\/tr>/g)) {
    const cells = Object.fromEntries([...m[3]!.matchAll(/<span class="num" data-field="(\w+)" data-value="([^"]*)">/g)].map((c) => [c[1]!, c[2]!]));
    out.set(`${m[1]}:${m[2]}`, cells);
  }
  return out;
}

/** The figures each HTML row shows (the appendix tables; CSV and JSON carry all of them). */
const HTML_FIELDS = {
  total: ['jobs', 'energyKWh', 'overheadKWh', 'actualG', 'baselineG', 'avoidedG', 'avoidedPct', 'provisionalG', 'pauses', 'pausedMs', 'delayMs', 'sciPerRunG'],
  group: ['jobs', 'energyKWh', 'overheadKWh', 'actualG', 'baselineG', 'avoidedG', 'avoidedPct', 'provisionalG', 'pauses', 'pausedMs', 'delayMs', 'sciPerRunG'],
  job: ['energyKWh', 'actualG', 'baselineG', 'avoidedPct', 'pausedMs'],
} as const;

describe('carbond report from a ledger', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = makeTempDir('carbond-report-');
    db = writeReportLedger(dir);
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  it('gives totals and per-job figures equal to an independent recomputation from the ledger rows', () => {
    const report = reportOf(db);
    const naive = recompute(db, SITE_ZONES);
    expect(report.totals.jobs).toBe(3);
    expect(report.totals.energyKWh).toBeCloseTo(naive.energyKWh, 5);
    expect(report.totals.actualG).toBeCloseTo(naive.actualG, 2);
    expect(report.totals.baselineG).toBeCloseTo(naive.baselineG, 2);
    expect(report.totals.avoidedG).toBeCloseTo(naive.baselineG - naive.actualG, 2);
    expect(report.totals.provisionalG).toBeCloseTo(naive.provisionalG, 2);
    for (const j of report.jobs) {
      expect(j.figures.actualG).toBeCloseTo(naive.byJob.get(j.id)!.actualG, 2);
      expect(j.figures.baselineG).toBeCloseTo(naive.byJob.get(j.id)!.baselineG, 2);
    }
    // the migrated job ran in a cleaner zone than its home: it avoided most of its baseline
    expect(report.jobs.find((j) => j.id === 'job-b')!.figures.avoidedPct).toBeGreaterThan(70);
  });

  it('counts pauses, paused time, overheads and delay of the job that was paused and resumed', () => {
    const a = reportOf(db).jobs.find((j) => j.id === 'job-a')!;
    expect(a.state).toBe('finished');
    expect(a.figures.pauses).toBe(1);
    expect(a.figures.pausedMs).toBe(12 * 3_600_000);
    expect(a.figures.overheadKWh).toBeGreaterThan(0);
    // baseline runs the 4 h 45 m of work (minus the 5 min overhead) from submission: ends 04:40; actual finished at 17:00
    expect(a.delayMs).toBeGreaterThan(12 * 3_600_000);
    expect(a.log.map((e) => e.what)).toEqual(['new → queued', 'queued → running', 'pause', 'running → paused', 'resume @box1', 'paused → running', 'running → finished']);
    expect(a.deadlineOutcome).toBe('met');
    expect(a.runningMs).toBe((2 * 60 - 10 + 3 * 60) * 60_000);
    expect(a.log.find((e) => e.what === 'pause')!.reason).toMatch(/saves 1.9 kg/);
  });

  it('prints identical numbers in JSON, CSV, Markdown and HTML', () => {
    const report = reportOf(db, 'tag:project');
    const json = JSON.parse(renderJson(report)) as Report;
    const csv = fromCsv(renderCsv(report));
    const html = fromHtml(renderHtml(report, []));
    const md = renderMarkdown(report);
    const rows: Array<[string, Report['totals']]> = [
      ['total:all', json.totals],
      ...json.groups.map((g) => [`group:tag:project=${g.key}`, g.figures] as [string, Report['totals']]),
      ...json.jobs.map((j) => [`job:${j.id}`, j.figures] as [string, Report['totals']]),
    ];
    expect(rows).toHaveLength(1 + 2 + 3);
    const csvNames: Record<string, string> = { energyKWh: 'energy_kwh', actualG: 'actual_g', baselineG: 'baseline_g', avoidedG: 'avoided_g', avoidedPct: 'avoided_pct', provisionalG: 'provisional_g', pausedMs: 'paused_ms' };
    for (const [key, f] of rows) {
      for (const [field, csvName] of Object.entries(csvNames)) {
        const want = String(f[field as keyof typeof f]);
        expect(`${key} ${field} csv=${csv.get(key)?.[csvName]}`).toBe(`${key} ${field} csv=${want}`);
      }
      for (const c of FIGURE_COLUMNS) expect(`${key} ${c} csv=${csv.get(key)?.[CSV_HEADER[FIGURE_COLUMNS.indexOf(c) + 2]!]}`).toBe(`${key} ${c} csv=${f[c] === null ? '' : String(f[c])}`);
      for (const c of HTML_FIELDS[key.split(':')[0] as keyof typeof HTML_FIELDS]) {
        expect(`${key} ${c} html=${html.get(key)?.[c]}`).toBe(`${key} ${c} html=${f[c] === null ? '' : String(f[c])}`);
      }
    }
    // the appendix's exact figures (page one's tables are in human units)
    const appendix = md.slice(md.indexOf('## Appendix'));
    expect(md).toMatch(/\*\*Avoided [\d.,]+ (g|kg) CO2e \([\d.]+ %\)\*\*/);
    const mdRow = (label: string): string[] => appendix.split('\n').find((l) => l.startsWith(`| ${label} |`))!.split('|').map((s) => s.trim()).slice(2, 9);
    const mdWant = (f: Report['totals']): string[] => [f.jobs, f.energyKWh, f.overheadKWh, f.actualG, f.baselineG, f.avoidedG, f.avoidedPct].map(String);
    expect(mdRow('all')).toEqual(mdWant(json.totals));
    for (const g of json.groups) expect(mdRow(g.key)).toEqual(mdWant(g.figures));
  });

  it('labels the figures priced with forecasts provisional, and after settlement changes totals only by the settled difference', () => {
    const before = reportOf(db);
    const c0 = before.jobs.find((j) => j.id === 'job-c')!;
    expect(before.totals.status).toBe('provisional');
    expect(c0.figures.status).toBe('provisional');
    expect(c0.figures.actualBasis).toMatch(/average\/uk forecast/);
    expect(before.notes.join(' ')).toMatch(/PROVISIONAL/);
    expect(before.jobs.find((j) => j.id === 'job-a')!.figures.status).toBe('settled');

    settleGb(db);
    const after = reportOf(db);
    const c1 = after.jobs.find((j) => j.id === 'job-c')!;
    expect(after.totals.status).toBe('settled');
    expect(after.totals.provisionalG).toBe(0);
    // measured values are 25 g/kWh below the newest forecast, over the provisional energy
    const provisionalKWh = c0.actualSources.filter((s) => s.basis === 'forecast').reduce((s, x) => s + x.energyKWh, 0);
    expect(after.totals.actualG - before.totals.actualG).toBeCloseTo(-25 * provisionalKWh, 2);
    expect(c1.figures.actualG - c0.figures.actualG).toBeCloseTo(-25 * provisionalKWh, 2);
    for (const id of ['job-a', 'job-b']) {
      expect(after.jobs.find((j) => j.id === id)!.figures).toEqual(before.jobs.find((j) => j.id === id)!.figures);
    }
    expect(after.totals.energyKWh).toBe(before.totals.energyKWh);
  });

  it('labels grams priced with points the provider flagged estimated (schema v2 column) as estimated', () => {
    db.prepare("UPDATE intensity_points SET estimated = 1 WHERE zone = 'FR'").run();
    const b = reportOf(db).jobs.find((j) => j.id === 'job-b')!;
    expect(b.figures.status).toBe('estimated');
    expect(b.figures.actualBasis).toBe('average/em estimated 100.00%');
    expect(b.figures.estimatedG).toBe(b.figures.actualG);
  });

  it('groups by owner, site, zone and a tag, and the groups add up to the totals', () => {
    for (const groupBy of ['owner', 'site', 'zone', 'tag:project', 'job'] as const) {
      const r = reportOf(db, groupBy);
      const sum = r.groups.reduce((s, g) => s + g.figures.actualG, 0);
      expect(sum).toBeCloseTo(r.totals.actualG, 2);
    }
    expect(reportOf(db, 'owner').groups.map((g) => g.key).sort()).toEqual(['alice', 'bob']);
    expect(reportOf(db, 'tag:project').groups.map((g) => g.key).sort()).toEqual(['llm', 'vision']);
  });

  it('reports only jobs submitted in the period', () => {
    const rows = loadReportRows(db, { fromMs: Date.parse('2026-11-02T05:00:00Z'), toMs: Date.parse('2026-11-02T12:00:00Z') }, SITE_ZONES);
    expect(rows.jobs.map((j) => j.id)).toEqual(['job-b']);
    expect(rows.samples.every((s) => s.jobId === 'job-b')).toBe(true);
  });

  it('gives status the energy, emissions and avoided so far of the running job and in total', () => {
    const s = statusEnergy(db, NOW, SITE_ZONES);
    expect(s.running.map((r) => r.jobId)).toEqual(['job-c']);
    expect(s.running[0]!.provisionalG).toBeGreaterThan(0);
    expect(s.total.jobs).toBe(3);
    expect(s.total.avoidedG).toBe(reportOf(db).totals.avoidedG);
    const recent = statusEnergy(db, NOW, SITE_ZONES, 2 * 3_600_000);
    expect(recent.since).toBe(new Date(NOW - 2 * 3_600_000).toISOString());
    expect(recent.total.jobs).toBe(1); // only the running job: the others were submitted earlier
  });

  it('plugs into carbond status: an energy section, fields on the running job, and lines for people', async () => {
    const report: StatusReport = {
      source: 'ledger', daemon: { running: false, pid: null, startedAt: null, version: null, socketPath: '/x' }, ledger: { path: '/x', exists: true, schemaVersion: 1 },
      zones: [], jobs: [{ id: 'job-c', state: 'running' }, { id: 'job-a', state: 'finished' }], notes: [],
    };
    await energyStatus.contribute({ db, nowMs: NOW, live: false, logger: nullLogger, config: () => ({ sites: SITE_ZONES_CONFIG }) as never }, report);
    expect(report.jobs[0]).toMatchObject({ id: 'job-c', emissionsStatus: 'provisional' });
    expect(report.jobs[0]!['emissionsG']).toBeGreaterThan(0);
    expect(report.jobs[1]).toMatchObject({ id: 'job-a', state: 'finished', nextAction: { action: 'resume', site: 'box1' } });
    expect(report.jobs[1]).not.toHaveProperty('emissionsG'); // not running: no energy fields
    expect(report.notes.join(' ')).toMatch(/provisional/);
    const lines = energyStatus.render!(report);
    // One line for people; the running job's figures are columns of status's jobs table.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Energy since \d{4}-\d{2}-\d{2}: 3 jobs, [\d.]+ k?Wh, [\d.]+ k?g CO2e emitted, [\d.]+ k?g avoided/);
  });
});
