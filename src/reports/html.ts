/**
 * The report as one self-contained HTML file: inline CSS, inline SVG charts (rendered by
 * `renderCharts`), no scripts, no external resources; readable when printed. Every figure
 * cell carries `data-field` and its row `data-row`/`data-key`, with the same rounded
 * numbers as JSON, CSV and Markdown.
 */
import { formatDurationMs, formatGrams } from '../core/units';
import type { RenderedChart } from './charts';
import { FIGURE_COLUMNS, figureText, type Figures } from './figures';
import type { JobReport, Report } from './model';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const HEADERS: Record<(typeof FIGURE_COLUMNS)[number], string> = {
  jobs: 'jobs', energyKWh: 'energy kWh', overheadKWh: 'overhead kWh', actualG: 'actual g', baselineG: 'baseline g', avoidedG: 'avoided g',
  avoidedPct: 'avoided %', provisionalG: 'provisional g', estimatedG: 'estimated g', unpricedKWh: 'unpriced kWh', delayMs: 'delay ms',
  maxDelayMs: 'max delay ms', pauses: 'pauses', pausedMs: 'paused ms', embodiedG: 'embodied g', sciG: 'SCI g',
};

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; color: #111; margin: 2em auto; max-width: 1250px; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; font-size: 11px; margin: 0.5em 0; } table.figures { table-layout: fixed; } table.figures th:first-child { width: 7em; }
th { overflow-wrap: anywhere; } td { overflow-wrap: anywhere; }
th, td { border: 1px solid #ccc; padding: 2px 4px; text-align: right; } th:first-child, td:first-child, td.text { text-align: left; }
th { background: #f2f2f2; } .headline { font-size: 1.3em; } .provisional { color: #b26a00; font-weight: bold; }
figure { margin: 1em 0; break-inside: avoid; page-break-inside: avoid; } figcaption { font-weight: bold; margin-bottom: 0.3em; }
figure svg { max-width: 100%; height: auto; } details { margin: 0.5em 0; } .job { break-inside: avoid; }
@page { size: A4 landscape; margin: 10mm; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } details { display: block; } details > * { display: block; } a { color: inherit; } }
`;

function figureCells(f: Figures): string {
  return FIGURE_COLUMNS.map((c) => `<td data-field="${c}">${escapeHtml(figureText(f[c]))}</td>`).join('') +
    `<td class="text" data-field="status">${escapeHtml(f.status)}</td>`;
}

function figureTable(rows: ReadonlyArray<{ row: string; key: string; label: string; f: Figures }>, first: string): string {
  const head = `<tr><th>${escapeHtml(first)}</th>${FIGURE_COLUMNS.map((c) => `<th>${HEADERS[c]}</th>`).join('')}<th>status</th></tr>`;
  const body = rows.map((r) => `<tr data-row="${r.row}" data-key="${escapeHtml(r.key)}"><td>${escapeHtml(r.label)}</td>${figureCells(r.f)}</tr>`).join('\n');
  return `<table class="figures">${head}\n${body}</table>`;
}

function jobDetails(j: JobReport, chart: RenderedChart | undefined): string {
  const log = j.log.length === 0 ? '<p>No decisions recorded.</p>' :
    `<table><tr><th>time (UTC)</th><th>event</th><th>reason</th></tr>${j.log.map((e) =>
      `<tr><td class="text">${escapeHtml(e.at)}</td><td class="text">${escapeHtml(e.what)}</td><td class="text">${escapeHtml(e.reason)}</td></tr>`).join('')}</table>`;
  const status = j.figures.status === 'settled' ? '' : ` <span class="provisional">${j.figures.status.toUpperCase()}</span>`;
  return `<details class="job" open><summary><b>${escapeHtml(j.name)}</b> (${escapeHtml(j.id)}) — ${escapeHtml(j.state)}${status}</summary>
<p>owner ${escapeHtml(j.owner)} · home ${escapeHtml(j.homeSite)} (${escapeHtml(j.homeZone)}) · ran on ${escapeHtml(j.sites.join(', ') || 'nothing yet')} · submitted ${escapeHtml(j.submittedAt)}${j.finishedAt ? ` · finished ${escapeHtml(j.finishedAt)}` : ''}</p>
<p>actual ${escapeHtml(formatGrams(j.figures.actualG))} · baseline ${escapeHtml(formatGrams(j.figures.baselineG))} · avoided ${escapeHtml(formatGrams(j.figures.avoidedG))} · delay ${j.delayMs === null ? 'n/a (unfinished)' : escapeHtml((j.delayMs < 0 ? '−' : '') + formatDurationMs(Math.abs(j.delayMs)))} · ${j.figures.pauses} pause(s)<br>
actual basis: ${escapeHtml(j.figures.actualBasis)}<br>baseline basis: ${escapeHtml(j.figures.baselineBasis)}<br>SCI ${j.sci.perRunG} g per ${j.sci.functionalUnit} (E×I ${j.sci.operationalG} g + M ${j.sci.embodiedG} g; ${escapeHtml(j.sci.note)})</p>
${chart ? `<figure data-chart="${escapeHtml(chart.id)}"><figcaption>${escapeHtml(chart.title)}</figcaption>\n${chart.svg}\n</figure>` : ''}
${log}</details>`;
}

/** Renders the report with its already-rendered charts (see `renderCharts`). */
export function renderHtml(report: Report, charts: readonly RenderedChart[]): string {
  const t = report.totals;
  const status = t.status === 'settled' ? 'settled' : `<span class="provisional">${t.status.toUpperCase()}</span>`;
  const figures = charts.filter((c) => !c.id.startsWith('job:')).map((c) => `<figure data-chart="${c.id}"><figcaption>${escapeHtml(c.title)}</figcaption>\n${c.svg}\n</figure>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p>Jobs submitted from ${escapeHtml(report.from ?? 'the beginning')} to ${escapeHtml(report.to ?? 'now')} · generated ${escapeHtml(report.generatedAt)} · signal: ${escapeHtml(report.signal)} · status: ${status}</p>
<p class="headline">Avoided <b>${escapeHtml(formatGrams(t.avoidedG))}</b>${t.avoidedPct === null ? '' : ` (${t.avoidedPct}%)`}: actual ${escapeHtml(formatGrams(t.actualG))} vs baseline ${escapeHtml(formatGrams(t.baselineG))} for ${t.energyKWh} kWh over ${t.jobs} jobs.</p>
<h2>Totals</h2>
${figureTable([{ row: 'total', key: 'all', label: 'all', f: t }], 'scope')}
<p>Actual priced with: ${escapeHtml(t.actualBasis)}.<br>Baseline priced with: ${escapeHtml(t.baselineBasis)}.</p>
<h2>By ${escapeHtml(report.groupBy)}</h2>
${figureTable(report.groups.map((g) => ({ row: 'group', key: `${report.groupBy}=${g.key}`, label: g.key, f: g.figures })), report.groupBy)}
<h2>Charts</h2>
${figures}
<h2>Notes</h2>
<ul>${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
<h2>Jobs</h2>
${figureTable(report.jobs.map((j) => ({ row: 'job', key: j.id, label: j.name, f: j.figures })), 'job')}
<h2>Decision log</h2>
${report.jobs.map((j) => jobDetails(j, charts.find((c) => c.id === `job:${j.id}`))).join('\n')}
</body></html>
`;
}
