/**
 * Building blocks of the HTML report: escaping, numbers that never break across lines
 * (`<span class="num">`, each carrying its field and exact value for tools and tests),
 * small tables in human units, and chart figures with their title, takeaway and units.
 */
import type { RenderedChart } from './charts';
import { energyText, hoursText, massText, pctText } from './human';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number for people (`text`) carrying its model field and exact value: `<span class="num" data-field data-value>`. */
export function num(field: string, value: number | null, text: string): string {
  return `<span class="num" data-field="${escapeHtml(field)}" data-value="${value === null ? '' : String(value)}">${escapeHtml(text)}</span>`;
}

export const mass = (field: string, g: number): string => num(field, g, massText(g));
export const energy = (field: string, kWh: number): string => num(field, kWh, energyText(kWh));
export const pct = (field: string, p: number | null): string => num(field, p, pctText(p));
export const hours = (field: string, ms: number | null): string => num(field, ms, ms === null ? '—' : hoursText(ms));
export const count = (field: string, n: number): string => num(field, n, String(n));

/** A table column: header, and the cell of a row (already HTML). `n`: a numeric (right-aligned) column. */
export interface Column<T> { head: string; cell: (row: T) => string; n?: boolean }

/** A table; `rowAttrs` gives each `<tr>` its attributes (e.g. `data-row`, `data-key`). */
export function table<T>(cls: string, columns: ReadonlyArray<Column<T>>, rows: readonly T[], rowAttrs: (row: T) => string = () => ''): string {
  const head = `<tr>${columns.map((c) => `<th${c.n ? ' class="n"' : ''}>${escapeHtml(c.head)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr${rowAttrs(r)}>${columns.map((c) => `<td${c.n ? ' class="n"' : ''}>${c.cell(r)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** A chart with its title, one-line takeaway, units (`data-units`) and an optional table under it. */
export function figure(chart: RenderedChart | undefined, tableHtml = ''): string {
  if (!chart) return tableHtml;
  return `<figure data-chart="${escapeHtml(chart.id)}" data-units="${escapeHtml(chart.units.join('; '))}"><figcaption>${escapeHtml(chart.title)}</figcaption>
${chart.takeaway ? `<p class="takeaway">${escapeHtml(chart.takeaway)}</p>` : ''}${chart.svg}
${tableHtml}</figure>`;
}

export const CSS = `
* { box-sizing: border-box; }
body { font: 13px/1.4 system-ui, sans-serif; color: #111; margin: 1.5em auto; max-width: 1100px; padding: 0 1em; }
h1 { font-size: 1.5em; margin: 0 0 0.2em; } h2 { font-size: 1.2em; margin-top: 1.4em; border-bottom: 1px solid #ccc; } h3 { font-size: 1.05em; margin: 1em 0 0.3em; }
.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 11px; max-width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 2px 5px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; overflow-wrap: normal; word-break: normal; hyphens: none; }
td { overflow-wrap: anywhere; } th.n, td.n { text-align: right; overflow-wrap: normal; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: bold; font-size: 0.85em; }
.provisional { color: #b26a00; font-weight: bold; } .simulated { background: #fde9c8; color: #7a4a00; }
.kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px; margin: 0.6em 0; }
.kpi { border: 1px solid #ccc; border-radius: 4px; padding: 6px 8px; } .kpi .label { font-size: 0.8em; color: #555; } .kpi .value { font-size: 1.35em; font-weight: 700; }
.kpi .sub { font-size: 0.85em; color: #333; }
.headline { font-size: 1.05em; margin: 0.3em 0; }
.cols { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; }
figure { margin: 0.6em 0; break-inside: avoid; page-break-inside: avoid; } figcaption { font-weight: bold; }
.takeaway { margin: 0.1em 0 0.2em; color: #333; font-style: italic; }
figure svg { max-width: 100%; height: auto; display: block; }
dl.method dt { font-weight: 600; margin-top: 0.5em; } dl.method dd { margin: 0.1em 0 0 1em; }
.job { break-inside: avoid; margin: 0.4em 0 0.8em; } .job h4 { margin: 0.6em 0 0.2em; font-size: 1em; }
.note { color: #444; }
@media (max-width: 900px) { body { font-size: 12px; } .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); } .cols { grid-template-columns: 1fr; } table { font-size: 10px; } th, td { padding: 2px 3px; } }
@page { size: A4; margin: 11mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10px; padding: 0; }
  #summary h1 { font-size: 1.35em; }
  #summary figure { margin: 0.3em 0; } #summary table { font-size: 9px; }
  #method { break-before: page; page-break-before: always; }
  .kpis { grid-template-columns: repeat(4, minmax(0, 1fr)); } .cols { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  a { color: inherit; }
}
`;
