/**
 * The report's charts as vega-lite specs (one colour per zone everywhere, see `palette.ts`), rendered to SVG on the server with vega in
 * headless mode (`renderer: 'none'`, `view.toSVG()`): no canvas, no browser, no script in
 * the HTML. vega and vega-lite are ES modules with top-level await, so they are loaded
 * with a native dynamic `import()` (kept out of TypeScript's CommonJS rewriting).
 */
import { energyScale, massScale, massText, pctText, type Scale } from './human';
import type { JobReport, Report } from './model';
import { ACTUAL_COLOUR, BASELINE_COLOUR, zoneScale } from './palette';
import type { Breakdown, BreakdownRow } from './summary';

type VegaModule = typeof import('vega');
// vega-lite's types are only reachable through package exports, which CommonJS resolution ignores.
type VegaLiteModule = { compile(spec: unknown, options?: { logger?: unknown }): { spec: Parameters<VegaModule['parse']>[0] } };

/**
 * vega-lite's warnings go to the console (stderr of `carbond report`); the only one our specs
 * raise is the union of the shared time domain with a layer's own data domain, which is what
 * the time charts want (their axes line up), so warnings are dropped; errors still throw.
 */
interface VlLogger { level(): VlLogger; warn(): VlLogger; info(): VlLogger; debug(): VlLogger; error(e: unknown): never }
const QUIET: VlLogger = { level: () => QUIET, warn: () => QUIET, info: () => QUIET, debug: () => QUIET, error: (e: unknown): never => { throw e instanceof Error ? e : new Error(String(e)); } };

// A native import(): TypeScript would turn `import()` into `require()`, which cannot load an ESM graph with top-level await.
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

let loaded: Promise<{ vega: VegaModule; vl: VegaLiteModule }> | null = null;

function loadVega(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  loaded ??= Promise.all([importEsm<VegaModule>('vega'), importEsm<VegaLiteModule>('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return loaded;
}

/** A rendered chart: what it shows, and its SVG. */
export interface RenderedChart {
  /** `trend`, `by-group`, `by-zone`, `intensity`, `cumulative`, `runs`, or `job:<id>` for a job's own chart. */
  id: string;
  title: string;
  takeaway: string;
  units: string[];
  svg: string;
}

/** Chart widths, px: the full-width charts share one width so their time axes line up. */
export const WIDTH = 640;
const HALF_WIDTH = 280;
const CONFIG = { font: 'sans-serif', background: 'white', axis: { labelFontSize: 10, titleFontSize: 11, labelLimit: 110 }, legend: { labelFontSize: 10, titleFontSize: 11, orient: 'bottom', direction: 'horizontal' } };

export interface ChartSpec {
  id: string;
  title: string;
  /** One sentence on what the chart shows, for people. */
  takeaway: string;
  /** The units on its axes, e.g. `kg CO2e`. */
  units: string[];
  spec: Record<string, unknown>;
}

const SIDES = { domain: ['actual', 'baseline'], range: [ACTUAL_COLOUR, BASELINE_COLOUR] };

/** Long-format rows (`series`, `value`) of actual vs baseline in `scale`'s unit. */
function sides<T extends { actualG: number; baselineG: number }>(rows: readonly T[], scale: Scale, label: (r: T) => string): Array<{ key: string; series: string; value: number }> {
  return rows.flatMap((r) => [
    { key: label(r), series: 'actual', value: r.actualG / scale.divisor },
    { key: label(r), series: 'baseline', value: r.baselineG / scale.divisor },
  ]);
}

/** The breakdown page one shows: the report's own grouping when it is owner or a tag, else project, team, … then owner. */
export function mainBreakdown(report: Report): Breakdown | undefined {
  return report.breakdowns.find((b) => b.by === report.groupBy) ?? report.breakdowns[0];
}

/** The first rows of a breakdown and one `other (n)` row for the rest. */
export function topRows(rows: readonly BreakdownRow[], n = 6): BreakdownRow[] {
  if (rows.length <= n) return [...rows];
  const rest = rows.slice(n - 1);
  const sum = (f: (r: BreakdownRow) => number): number => rest.reduce((s, r) => s + f(r), 0);
  const baselineG = sum((r) => r.baselineG);
  const avoidedG = sum((r) => r.avoidedG);
  return [...rows.slice(0, n - 1), {
    key: `other (${rest.length})`, jobs: sum((r) => r.jobs), energyKWh: sum((r) => r.energyKWh), actualG: sum((r) => r.actualG), baselineG, avoidedG,
    avoidedPct: baselineG > 0 ? Math.round((avoidedG / baselineG) * 10000) / 100 : null, energySharePct: sum((r) => r.energySharePct),
  }];
}

/** The label of a breakdown key, e.g. `tag:project` → `project`. */
export function byLabel(by: string): string {
  return by.startsWith('tag:') ? by.slice(4) : by;
}

/** Page one's charts: the trend, the main breakdown, and the zones where the energy was used. */
export function summarySpecs(report: Report): ChartSpec[] {
  const trend = report.trend.points;
  const tScale = massScale(Math.max(0, ...trend.map((p) => p.baselineG), ...trend.map((p) => p.actualG)));
  const best = [...trend].sort((a, b) => b.avoidedG - a.avoidedG)[0];
  const out: ChartSpec[] = [{
    id: 'trend', title: `Emissions per ${report.trend.unit}: actual vs baseline`, units: [`${tScale.unit} CO2e`],
    takeaway: best && best.avoidedG > 0 ? `Most avoided in ${best.period}: ${massText(best.avoidedG)} (${pctText(best.avoidedPct)} of its baseline).` : 'No emissions avoided in this period.',
    spec: {
      width: WIDTH, height: 120, config: CONFIG, data: { values: sides(trend, tScale, (p) => p.period) },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'key', type: 'ordinal', title: report.trend.unit === 'week' ? 'ISO week (jobs by submission)' : 'month (jobs by submission)', axis: { labelAngle: 0 } },
        xOffset: { field: 'series' },
        y: { field: 'value', type: 'quantitative', title: `${tScale.unit} CO2e` },
        color: { field: 'series', type: 'nominal', title: 'emissions', scale: SIDES },
      },
    },
  }];
  const main = mainBreakdown(report);
  if (main) {
    const rows = topRows(main.rows);
    const gScale = massScale(Math.max(0, ...rows.map((r) => r.baselineG)));
    const top = [...main.rows].sort((a, b) => b.avoidedG - a.avoidedG)[0];
    out.push({
      id: 'by-group', title: `By ${byLabel(main.by)}: actual vs baseline`, units: [`${gScale.unit} CO2e`],
      takeaway: top ? `${top.key} avoided the most: ${massText(top.avoidedG)} (${pctText(top.avoidedPct)}).` : '',
      spec: {
        width: HALF_WIDTH, height: { step: 9 }, config: CONFIG, data: { values: sides(rows, gScale, (r) => r.key) },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'key', type: 'nominal', title: byLabel(main.by), sort: rows.map((r) => r.key) },
          yOffset: { field: 'series' },
          x: { field: 'value', type: 'quantitative', title: `${gScale.unit} CO2e` },
          color: { field: 'series', type: 'nominal', title: 'emissions', scale: SIDES },
        },
      },
    });
  }
  const zones = report.zonesUsed;
  const eScale = energyScale(Math.max(0, ...zones.map((z) => z.energyKWh)));
  const first = zones[0];
  out.push({
    id: 'by-zone', title: 'Energy by the zone where it was used', units: [eScale.unit],
    takeaway: first ? `${first.zone} took ${pctText(first.energySharePct)} of the energy, at ${first.gPerKWh ?? 'n/a'} g CO2e/kWh on average.` : 'No energy used.',
    spec: {
      width: HALF_WIDTH, height: { step: 16 }, config: CONFIG,
      data: { values: zones.map((z) => ({ zone: z.zone, value: z.energyKWh / eScale.divisor })) },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'zone', type: 'nominal', title: 'zone', sort: zones.map((z) => z.zone) },
        x: { field: 'value', type: 'quantitative', title: `energy (${eScale.unit})` },
        color: { field: 'zone', type: 'nominal', title: 'zone', scale: zoneScale(new Map(Object.entries(report.zoneColours))) },
      },
    },
  });
  return out;
}

/** The shared time axis of the intensity, cumulative and runs charts: the whole span of the data. */
function timeAxis(report: Report): Record<string, unknown> {
  const c = report.charts;
  const times = [...c.intensity.map((p) => p.at), ...c.runs.flatMap((r) => [r.start, r.end]), ...c.cumulative.map((p) => p.at)].sort();
  const domain = times.length ? [Date.parse(times[0] as string), Date.parse(times[times.length - 1] as string)] : undefined;
  return { type: 'temporal', title: 'time (UTC)', scale: domain ? { domain } : {}, axis: { format: '%d %b', labelOverlap: true } };
}

/** The detail charts: intensity with every run shaded in its zone's colour, cumulative emissions, and every job's runs. */
export function chartSpecs(report: Report): ChartSpec[] {
  const c = report.charts;
  const zones = zoneScale(new Map(Object.entries(report.zoneColours)));
  const x = timeAxis(report);
  const last = c.cumulative[c.cumulative.length - 1];
  const cScale = massScale(Math.max(0, ...c.cumulative.map((p) => Math.max(p.actualG, p.baselineG))));
  const jobs = [...new Set(c.runs.map((r) => r.job))];
  return [
    {
      id: 'intensity', title: 'Grid intensity by zone, with the jobs’ runs shaded in the colour of the zone they ran in', units: ['g CO2e/kWh'],
      takeaway: `${report.signal} intensity as the providers gave it; ${c.runs.length} runs of ${report.jobs.length} jobs.`,
      spec: {
        width: WIDTH, height: 200, config: CONFIG,
        layer: [
          { data: { values: c.runs }, mark: { type: 'rect', opacity: 0.15 }, encoding: { x: { field: 'start', ...x }, x2: { field: 'end' }, color: { field: 'zone', type: 'nominal', title: 'zone', scale: zones } } },
          {
            data: { values: c.intensity }, mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2 },
            encoding: {
              x: { field: 'at', type: 'temporal' },
              y: { field: 'gPerKWh', type: 'quantitative', title: `${report.signal} intensity (g CO2e/kWh)` },
              color: { field: 'zone', type: 'nominal', title: 'zone', scale: zones },
            },
          },
        ],
      },
    },
    {
      id: 'cumulative', title: 'Cumulative emissions: actual vs baseline', units: [`${cScale.unit} CO2e`],
      takeaway: last ? `By the end: ${massText(last.actualG)} actual vs ${massText(last.baselineG)} baseline.` : 'No emissions.',
      spec: {
        width: WIDTH, height: 160, config: CONFIG,
        data: { values: c.cumulative.flatMap((p) => [{ at: p.at, series: 'actual', value: p.actualG / cScale.divisor }, { at: p.at, series: 'baseline', value: p.baselineG / cScale.divisor }]) },
        mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
        encoding: {
          x: { field: 'at', ...x },
          y: { field: 'value', type: 'quantitative', title: `cumulative ${cScale.unit} CO2e` },
          color: { field: 'series', type: 'nominal', title: 'emissions', scale: SIDES },
          strokeDash: { field: 'series', type: 'nominal', title: 'emissions', scale: { domain: ['actual', 'baseline'], range: [[1, 0], [6, 3]] } },
        },
      },
    },
    {
      id: 'runs', title: `Runs of every job (${jobs.length}), coloured by the zone they ran in`, units: ['time (UTC)'],
      takeaway: `Every job’s runs; gaps are pauses.`,
      spec: {
        width: WIDTH, height: { step: 11 }, config: CONFIG, data: { values: c.runs },
        mark: { type: 'bar', cornerRadius: 1 },
        encoding: {
          y: { field: 'job', type: 'nominal', title: 'job', sort: jobs },
          x: { field: 'start', ...x }, x2: { field: 'end' },
          color: { field: 'zone', type: 'nominal', title: 'zone', scale: zones },
        },
      },
    },
  ];
}

/** Jobs that get a chart of their own: the largest emitters, at most this many (each chart costs ~0.1 s to render); every job is in the runs chart. */
export const MAX_JOB_CHARTS = 6;

/** The jobs that get their own chart, largest actual emissions first. */
export function jobsCharted(report: Report): JobReport[] {
  return [...report.jobs].filter((j) => j.firstSampleAt !== null).sort((a, b) => b.figures.actualG - a.figures.actualG || a.id.localeCompare(b.id)).slice(0, MAX_JOB_CHARTS);
}

/** A job's chart: the intensity of the zones it could run in, over its life, with its runs shaded in their zone's colour. */
function jobChartSpecs(report: Report): ChartSpec[] {
  const c = report.charts;
  const zones = zoneScale(new Map(Object.entries(report.zoneColours)));
  return jobsCharted(report).map((j) => {
    const runs = c.runs.filter((r) => r.jobId === j.id);
    const zoneSet = new Set([j.homeZone, ...runs.map((r) => r.zone)]);
    const from = j.submittedAt;
    const to = j.lastSampleAt as string;
    const intensity = c.intensity.filter((p) => zoneSet.has(p.zone) && p.at >= from.slice(0, 13) && p.at <= to);
    const x = { type: 'temporal', title: 'time (UTC)', axis: { format: '%d %b %H:%M', labelOverlap: true } };
    return {
      id: `job:${j.id}`, units: ['g CO2e/kWh'],
      title: `${j.name} (${j.id}): intensity with its runs shaded; avoided ${massText(j.figures.avoidedG)}`,
      takeaway: '',
      spec: {
        width: WIDTH, height: 120, config: CONFIG,
        layer: [
          { data: { values: runs }, mark: { type: 'rect', opacity: 0.2 }, encoding: { x: { field: 'start', ...x }, x2: { field: 'end' }, color: { field: 'zone', type: 'nominal', title: 'zone', scale: zones } } },
          {
            data: { values: intensity }, mark: { type: 'line', interpolate: 'step-after' },
            encoding: {
              x: { field: 'at', ...x }, y: { field: 'gPerKWh', type: 'quantitative', title: 'g CO2e/kWh' },
              color: { field: 'zone', type: 'nominal', title: 'zone', scale: zones },
            },
          },
        ],
      },
    };
  });
}

/** Renders every chart to SVG: page one's, the detail charts, then one per large job. */
export async function renderCharts(report: Report): Promise<RenderedChart[]> {
  const { vega, vl } = await loadVega();
  const out: RenderedChart[] = [];
  for (const { id, title, takeaway, units, spec } of [...summarySpecs(report), ...chartSpecs(report), ...jobChartSpecs(report)]) {
    const compiled = vl.compile(spec, { logger: QUIET }).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    try {
      out.push({ id, title, takeaway, units, svg: await view.toSVG() });
    } finally {
      view.finalize();
    }
  }
  return out;
}
