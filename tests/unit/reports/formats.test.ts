import type { ReportRows } from '../../../src/accounting/rows';
import { parseReportArgs } from '../../../src/cli/commands/report';
import { InputError } from '../../../src/core/errors';
import { buildReport } from '../../../src/reports/build';
import { CODECARBON_COLUMNS, renderCodeCarbon } from '../../../src/reports/codecarbon';
import { csvField, renderCsv } from '../../../src/reports/csv';
import { renderHtml } from '../../../src/reports/html';
import { decisionLog } from '../../../src/reports/log';
import { renderMarkdown } from '../../../src/reports/markdown';

const H = 3_600_000;

/** RFC 4180 line split (quoted fields, doubled quotes). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}
const T = Date.parse('2026-11-29T00:00:00Z');

function rows(kind: 'measured' | 'forecast' = 'measured'): ReportRows {
  return {
    jobs: [{ id: 'j1', name: 'bert, "large"', owner: 'ann', submittedAtMs: T, deadlineMs: T + 10 * H, gpus: 1, homeSite: 'box', tags: { project: 'nlp' }, state: 'finished' }],
    runs: [{ id: 1, jobId: 'j1', site: 'box', startedAtMs: T + H, endedAtMs: T + 3 * H, startStep: 0, lastStep: 10, exitKind: 'finished', lostSteps: 0 }],
    transitions: [],
    decisions: [],
    samples: [0, 1].map((i) => ({ jobId: 'j1', runId: 1, site: 'box', zone: 'Z', startMs: T + (1 + i) * H, durationMs: H, energyKWh: 0.5, meter: 'nvidia-smi', overhead: false })),
    intensity: [{ zone: 'Z', startMs: T, durationMs: 4 * H, gPerKWh: 200, kind, issuedAtMs: T, provider: 'em', signal: 'average' }],
    siteZones: { box: 'Z' },
  };
}

describe('report formats', () => {
  it('quotes CSV fields that hold commas, quotes or line breaks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(renderCsv(buildReport(rows(), { nowMs: T + 5 * H }))).toMatch(/^total,all,1,1,0,200,200,0,0,0,0,0,/m);
  });

  it('writes CodeCarbon emissions.csv columns with its units (s, kg, kWh, W)', () => {
    const csv = renderCodeCarbon(buildReport(rows(), { nowMs: T + 5 * H }));
    const [head, line] = csv.trim().split('\n');
    expect(head!.split(',')).toEqual([...CODECARBON_COLUMNS]);
    expect(head).toMatch(/^timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,ram_utilization_percent,ram_used_gb,on_cloud,pue,wue$/);
    const cells = splitCsvLine(line!);
    expect(cells).toHaveLength(CODECARBON_COLUMNS.length);
    const at = (c: string): string => cells[CODECARBON_COLUMNS.indexOf(c as (typeof CODECARBON_COLUMNS)[number])]!;
    expect(at('timestamp')).toBe('2026-11-29T03:00:00');
    expect(at('project_name')).toBe('nlp');
    expect(at('experiment_id')).toBe('bert, "large"');
    expect(at('duration')).toBe('7200');
    expect(at('emissions')).toBe('0.2'); // 200 g
    expect(at('energy_consumed')).toBe('1');
    expect(Number(at('gpu_power'))).toBeCloseTo(500, 9); // 1 kWh over 2 h
    expect(Number(at('emissions_rate'))).toBeCloseTo(0.2 / 7200, 12);
  });

  it('labels a report priced with forecasts PROVISIONAL in Markdown and HTML', () => {
    const report = buildReport(rows('forecast'), { nowMs: T + 5 * H });
    expect(report.totals.status).toBe('provisional');
    expect(renderMarkdown(report)).toMatch(/status: \*\*provisional\*\*/);
    expect(renderMarkdown(report)).toMatch(/average\/em forecast 100.00% — \*\*PROVISIONAL\*\*/);
    expect(renderHtml(report, [])).toMatch(/class="provisional">PROVISIONAL</);
  });

  it('escapes job names in HTML and Markdown tables', () => {
    const report = buildReport({ ...rows(), jobs: [{ ...rows().jobs[0]!, name: '<b>x|y</b>' }] }, { nowMs: T + 5 * H });
    expect(renderHtml(report, [])).toContain('&lt;b&gt;x|y&lt;/b&gt;');
    expect(renderMarkdown(report)).toContain('x\\|y');
  });

  it('renders an empty period without failing', () => {
    const report = buildReport({ ...rows(), jobs: [] }, { nowMs: T });
    expect(report.totals).toMatchObject({ jobs: 0, energyKWh: 0, actualG: 0, avoidedPct: null, status: 'settled' });
    expect(renderCsv(report).trim().split('\n')).toHaveLength(2);
    expect(renderMarkdown(report)).toContain('# carbond emissions report');
  });

  it('keeps a decision log of transitions and decisions with reasons, without keep and repeats', () => {
    const log = decisionLog(
      [{ jobId: 'j', atMs: T, fromState: 'queued', toState: 'running', reason: 'started' }],
      [
        { jobId: 'j', atMs: T - 1, action: 'start', site: 'box', reason: 'clean now' },
        { jobId: 'j', atMs: T + 1, action: 'keep', site: null, reason: 'still clean' },
        { jobId: 'j', atMs: T + 2, action: 'pause', site: null, reason: 'peak ahead' },
        { jobId: 'j', atMs: T + 3, action: 'pause', site: null, reason: 'peak ahead' },
      ],
    );
    expect(log.map((e) => `${e.kind}:${e.what}:${e.reason}`)).toEqual(['decision:start @box:clean now', 'transition:queued → running:started', 'decision:pause:peak ahead']);
  });
});

describe('report options', () => {
  it('accepts the documented flags', () => {
    expect(parseReportArgs({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', groupBy: 'tag:project', format: 'html', out: 'r.html' })).toEqual({
      fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z'), groupBy: 'tag:project', format: 'html', out: 'r.html',
    });
    expect(parseReportArgs({ signal: 'marginal', format: 'pdf', out: 'r.pdf' })).toMatchObject({ signal: 'marginal', format: 'pdf', out: 'r.pdf' });
  });

  it('names every bad flag and its value at once', () => {
    let err: unknown;
    try {
      parseReportArgs({ from: 'yesterday', groupBy: 'team', format: 'docx', signal: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map((i) => i.path)).toEqual(['--from', '--group-by', '--format', '--signal']);
    expect((err as InputError).message).toContain('(got "docx")');
    expect(() => parseReportArgs({ format: 'pdf' })).toThrow(/--out: --format pdf writes a file/);
    expect(() => parseReportArgs({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' })).toThrow(/--to: must be after --from/);
  });
});
