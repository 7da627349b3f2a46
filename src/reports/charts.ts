/**
 * The report's charts as vega-lite specs, rendered to SVG on the server with vega in
 * headless mode (`renderer: 'none'`, `view.toSVG()`): no canvas, no browser, no script in
 * the HTML. vega and vega-lite are ES modules with top-level await, so they are loaded
 * with a native dynamic `import()` (kept out of TypeScript's CommonJS rewriting).
 */
import type { Report } from './model';

type VegaModule = typeof import('vega');
// vega-lite's types are only reachable through package exports, which CommonJS resolution ignores.
type VegaLiteModule = { compile(spec: unknown): { spec: Parameters<VegaModule['parse']>[0] } };

// A native import(): TypeScript would turn `import()` into `require()`, which cannot load an ESM graph with top-level await.
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

let loaded: Promise<{ vega: VegaModule; vl: VegaLiteModule }> | null = null;

function loadVega(): Promise<{ vega: VegaModule; vl: VegaLiteModule }> {
  loaded ??= Promise.all([importEsm<VegaModule>('vega'), importEsm<VegaLiteModule>('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return loaded;
}

/** A rendered chart: what it shows, and its SVG. */
export interface RenderedChart {
  /** `intensity`, `cumulative`, `avoided-by-month`, or `job:<id>` for a job's own chart. */
  id: string;
  title: string;
  svg: string;
}

const WIDTH = 720;
const CONFIG = { font: 'sans-serif', background: 'white', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } };

/** vega-lite specs of the three charts (exported for tests). */
export function chartSpecs(report: Report): Array<{ id: string; title: string; spec: Record<string, unknown> }> {
  const c = report.charts;
  return [
    {
      id: 'intensity',
      title: 'Grid intensity over time, with the jobs’ runs (shaded)',
      spec: {
        width: WIDTH, height: 260, config: CONFIG,
        layer: [
          { data: { values: c.runs }, mark: { type: 'rect', color: '#2e7d32', opacity: 0.18 }, encoding: { x: { field: 'start', type: 'temporal', title: 'time (UTC)' }, x2: { field: 'end' } } },
          {
            data: { values: c.intensity }, mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
            encoding: {
              x: { field: 'at', type: 'temporal', title: 'time (UTC)' },
              y: { field: 'gPerKWh', type: 'quantitative', title: `${report.signal} intensity (gCO2eq/kWh)` },
              color: { field: 'zone', type: 'nominal', title: 'zone' },
            },
          },
        ],
      },
    },
    {
      id: 'cumulative',
      title: 'Cumulative emissions: actual vs baseline',
      spec: {
        width: WIDTH, height: 240, config: CONFIG, data: { values: c.cumulative },
        transform: [{ fold: ['actualG', 'baselineG'], as: ['field', 'g'] }, { calculate: "datum.field === 'actualG' ? 'actual' : 'baseline'", as: 'series' }],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'at', type: 'temporal', title: 'time (UTC)' },
          y: { field: 'g', type: 'quantitative', title: 'cumulative gCO2eq' },
          color: { field: 'series', type: 'nominal', title: 'series', scale: { domain: ['actual', 'baseline'], range: ['#2e7d32', '#c62828'] } },
          strokeDash: { field: 'series', type: 'nominal', scale: { domain: ['actual', 'baseline'], range: [[1, 0], [6, 3]] } },
        },
      },
    },
    {
      id: 'avoided-by-month',
      title: 'Avoided emissions per month (jobs by submission month)',
      spec: {
        width: Math.min(WIDTH, 120 + 60 * c.avoidedByMonth.length), height: 200, config: CONFIG, data: { values: c.avoidedByMonth },
        layer: [
          { mark: { type: 'bar', color: '#2e7d32' }, encoding: { x: { field: 'month', type: 'ordinal', title: 'month' }, y: { field: 'avoidedG', type: 'quantitative', title: 'avoided gCO2eq' } } },
          { mark: { type: 'text', dy: -6 }, encoding: { x: { field: 'month', type: 'ordinal' }, y: { field: 'avoidedG', type: 'quantitative' }, text: { field: 'avoidedG', type: 'quantitative', format: ',.0f' } } },
        ],
      },
    },
  ];
}

/** Jobs that get a chart of their own: the largest emitters, at most this many (each chart costs ~0.1 s to render). */
export const MAX_JOB_CHARTS = 6;

/** A job's chart: the intensity of the zones it could run in, over its life, with its runs shaded. */
function jobChartSpecs(report: Report): Array<{ id: string; title: string; spec: Record<string, unknown> }> {
  const c = report.charts;
  return [...report.jobs]
    .filter((j) => j.firstSampleAt !== null)
    .sort((a, b) => b.figures.actualG - a.figures.actualG)
    .slice(0, MAX_JOB_CHARTS)
    .map((j) => {
      const runs = c.runs.filter((r) => r.jobId === j.id);
      const zones = new Set([j.homeZone, ...runs.map((r) => r.zone)]);
      const from = j.submittedAt;
      const to = j.lastSampleAt as string;
      const intensity = c.intensity.filter((p) => zones.has(p.zone) && p.at >= from.slice(0, 13) && p.at <= to);
      return {
        id: `job:${j.id}`,
        title: `${j.name} (${j.id}): intensity with its runs (shaded); avoided ${j.figures.avoidedG} g`,
        spec: {
          width: WIDTH, height: 160, config: CONFIG,
          layer: [
            { data: { values: runs }, mark: { type: 'rect', color: '#2e7d32', opacity: 0.25 }, encoding: { x: { field: 'start', type: 'temporal', title: 'time (UTC)' }, x2: { field: 'end' } } },
            {
              data: { values: intensity }, mark: { type: 'line', interpolate: 'step-after' },
              encoding: {
                x: { field: 'at', type: 'temporal', title: 'time (UTC)' }, y: { field: 'gPerKWh', type: 'quantitative', title: 'gCO2eq/kWh' },
                color: { field: 'zone', type: 'nominal', title: 'zone' },
              },
            },
          ],
        },
      };
    });
}

/** Renders every chart to SVG: the three report charts, then one per large job. */
export async function renderCharts(report: Report): Promise<RenderedChart[]> {
  const { vega, vl } = await loadVega();
  const out: RenderedChart[] = [];
  for (const { id, title, spec } of [...chartSpecs(report), ...jobChartSpecs(report)]) {
    const compiled = vl.compile(spec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    try {
      out.push({ id, title, svg: await view.toSVG() });
    } finally {
      view.finalize();
    }
  }
  return out;
}
