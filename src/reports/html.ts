/**
 * The report as one self-contained HTML file (inline CSS and SVG, no scripts, no external
 * resources), in three parts:
 * - page one, for management (one printed A4 page): the period, the headline, deadlines, a
 *   trend, and breakdowns by project/owner and by zone, each a chart with a takeaway and a
 *   small table;
 * - method and sources (baseline, signal as given, emission-factor basis, providers and
 *   their shares, measured/forecast/estimated, SCI, configuration, simulation, policy);
 * - an appendix for engineers: the time charts, every figure per group and per job in
 *   human units, each job's decisions once, and charts for the largest jobs.
 * Every number is a `<span class="num">` with its field and the model's exact value.
 */
import { jobsCharted, mainBreakdown, topRows, byLabel, type RenderedChart } from './charts';
import { dateText, massText, pctText, hoursText, timeText, energyText } from './human';
import { count, CSS, energy, escapeHtml, figure, hours, mass, num, pct, table, type Column } from './html-parts';
import { methodHtml } from './html-method';
import type { Figures } from './figures';
import type { JobReport, Report } from './model';
import type { BreakdownRow, TrendPoint, ZoneUse } from './summary';

export { escapeHtml } from './html-parts';

/** The period as people read it: the asked-for bounds, else the first and last submission. */
export function periodText(report: Report): string {
  const from = report.from ?? report.firstSubmittedAt;
  const to = report.to === null ? report.lastSubmittedAt : new Date(Date.parse(report.to) - 1).toISOString();
  return from === null ? 'no jobs' : `${dateText(from)} to ${dateText(to)}`;
}

function statusBadge(status: string): string {
  return status === 'settled' ? 'settled' : `<span class="provisional">${escapeHtml(status.toUpperCase())}</span>`;
}

function kpis(report: Report): string {
  const t = report.totals;
  const d = report.deadlines;
  const kpi = (label: string, value: string, sub: string): string => `<div class="kpi"><div class="label">${label}</div><div class="value">${value}</div><div class="sub">${sub}</div></div>`;
  return `<div class="kpis">
${kpi('Emissions avoided', mass('avoidedG', t.avoidedG), `${pct('avoidedPct', t.avoidedPct)} of the baseline`)}
${kpi('Actual vs baseline', mass('actualG', t.actualG), `vs ${mass('baselineG', t.baselineG)}`)}
${kpi('Energy used', energy('energyKWh', t.energyKWh), `${count('jobs', t.jobs)} jobs`)}
${kpi('Deadlines met', `${count('deadlinesMet', d.met)} of ${count('deadlinesJudged', d.judged)}`, d.open ? `${count('deadlinesOpen', d.open)} still open` : d.missed ? `${count('deadlinesMissed', d.missed)} missed` : 'none missed')}
</div>`;
}

function missedLine(report: Report): string {
  const m = report.deadlines.missedJobs;
  if (m.length === 0) return '';
  const shown = m.slice(0, 5).map((j) => `${escapeHtml(j.name)} (${j.finished ? 'late' : 'overdue'} ${num('lateByMs', j.lateByMs, hoursText(j.lateByMs))})`).join(', ');
  return `<p class="missed">Missed deadlines: ${shown}${m.length > 5 ? `, and ${m.length - 5} more (see the appendix)` : ''}.</p>`;
}

const TREND_COLUMNS: ReadonlyArray<Column<TrendPoint>> = [
  { head: 'period', cell: (p) => escapeHtml(p.period) },
  { head: 'jobs', n: true, cell: (p) => count('jobs', p.jobs) },
  { head: 'energy', n: true, cell: (p) => energy('energyKWh', p.energyKWh) },
  { head: 'actual', n: true, cell: (p) => mass('actualG', p.actualG) },
  { head: 'baseline', n: true, cell: (p) => mass('baselineG', p.baselineG) },
  { head: 'avoided', n: true, cell: (p) => `${mass('avoidedG', p.avoidedG)} (${pct('avoidedPct', p.avoidedPct)})` },
];

function groupColumns(label: string): ReadonlyArray<Column<BreakdownRow>> {
  return [
    { head: label, cell: (r) => escapeHtml(r.key) },
    { head: 'energy', n: true, cell: (r) => energy('energyKWh', r.energyKWh) },
    { head: 'actual', n: true, cell: (r) => mass('actualG', r.actualG) },
    { head: 'avoided', n: true, cell: (r) => pct('avoidedPct', r.avoidedPct) },
  ];
}

const ZONE_COLUMNS: ReadonlyArray<Column<ZoneUse>> = [
  { head: 'zone', cell: (z) => escapeHtml(z.zone) },
  { head: 'energy', n: true, cell: (z) => energy('energyKWh', z.energyKWh) },
  { head: 'share', n: true, cell: (z) => pct('energySharePct', z.energySharePct) },
  { head: 'g/kWh', n: true, cell: (z) => num('gPerKWh', z.gPerKWh, z.gPerKWh === null ? 'n/a' : String(Math.round(z.gPerKWh))) },
];

function pageOne(report: Report, charts: readonly RenderedChart[]): string {
  const t = report.totals;
  const chart = (id: string): RenderedChart | undefined => charts.find((c) => c.id === id);
  const main = mainBreakdown(report);
  const trend = report.trend.points;
  const sim = report.method.simulation.simulated ? ' <span class="badge simulated">SIMULATION</span>' : '';
  const headline = t.jobs === 0 ? 'No jobs were submitted in this period.'
    : `Scheduling by grid carbon intensity avoided ${massText(t.avoidedG)} (${pctText(t.avoidedPct)}) of the emissions the same ${t.jobs} jobs would have caused run at once on their home sites: ${massText(t.actualG)} instead of ${massText(t.baselineG)}, for ${energyText(t.energyKWh)}.`;
  return `<section id="summary">
<h1>${escapeHtml(report.title)}${sim}</h1>
<p class="period">Jobs submitted <b>${escapeHtml(periodText(report))}</b> · location-based, ${escapeHtml(report.signal)} intensity · status ${statusBadge(t.status)} · generated ${escapeHtml(timeText(report.generatedAt))}</p>
${kpis(report)}
<p class="headline">${escapeHtml(headline)}</p>
${missedLine(report)}
${figure(chart('trend'), trend.length <= 6 ? table('small', TREND_COLUMNS, trend) : `${table('small', TREND_COLUMNS, trend.slice(-6))}<p class="note">The latest 6 ${report.trend.unit}s; all ${trend.length} are in the appendix.</p>`)}
<div class="cols">
<div>${main ? figure(chart('by-group'), table('small', groupColumns(byLabel(main.by)), topRows(main.rows))) : ''}</div>
<div>${figure(chart('by-zone'), table('small', ZONE_COLUMNS, report.zonesUsed.slice(0, 6)))}</div>
</div>
</section>`;
}

/** The figures of the totals and each group, in human units, with every cell's exact value. */
function figureRows(rows: ReadonlyArray<{ row: string; key: string; label: string; f: Figures }>, first: string): string {
  const cols: ReadonlyArray<Column<{ label: string; f: Figures }>> = [
    { head: first, cell: (r) => escapeHtml(r.label) },
    { head: 'jobs', n: true, cell: (r) => count('jobs', r.f.jobs) },
    { head: 'energy', n: true, cell: (r) => energy('energyKWh', r.f.energyKWh) },
    { head: 'of which overhead', n: true, cell: (r) => energy('overheadKWh', r.f.overheadKWh) },
    { head: 'actual', n: true, cell: (r) => mass('actualG', r.f.actualG) },
    { head: 'baseline', n: true, cell: (r) => mass('baselineG', r.f.baselineG) },
    { head: 'avoided', n: true, cell: (r) => `${mass('avoidedG', r.f.avoidedG)} ${pct('avoidedPct', r.f.avoidedPct)}` },
    { head: 'provisional', n: true, cell: (r) => mass('provisionalG', r.f.provisionalG) },
    { head: 'pauses', n: true, cell: (r) => `${count('pauses', r.f.pauses)} · ${hours('pausedMs', r.f.pausedMs)}` },
    { head: 'moves', n: true, cell: (r) => count('moves', r.f.moves) },
    { head: 'delay (sum)', n: true, cell: (r) => hours('delayMs', r.f.delayMs) },
    { head: 'SCI per run', n: true, cell: (r) => r.f.sciPerRunG === null ? '—' : mass('sciPerRunG', r.f.sciPerRunG) },
    { head: 'status', cell: (r) => statusBadge(r.f.status) },
  ];
  return table('figures', cols, rows, (r) => ` data-row="${(r as { row: string }).row}" data-key="${escapeHtml((r as { key: string }).key)}"`);
}

function deadlineCell(j: JobReport): string {
  if (j.deadlineOutcome === 'missed') return `${j.state === 'finished' ? 'late' : 'overdue'} ${hours('lateByMs', j.lateByMs)}`;
  return escapeHtml(j.deadlineOutcome === 'not-judged' ? 'n/a' : j.deadlineOutcome);
}

const JOB_COLUMNS: ReadonlyArray<Column<JobReport>> = [
  { head: 'job', cell: (j) => `${escapeHtml(j.name)}${j.name === j.id ? '' : ` <span class="note">${escapeHtml(j.id)}</span>`}` },
  { head: 'owner', cell: (j) => escapeHtml(j.owner) },
  { head: 'state', cell: (j) => escapeHtml(j.state) },
  { head: 'deadline', cell: deadlineCell },
  { head: 'ran', n: true, cell: (j) => hours('runningMs', j.runningMs) },
  { head: 'paused', n: true, cell: (j) => hours('pausedMs', j.figures.pausedMs) },
  { head: 'delay', n: true, cell: (j) => hours('delayMs', j.delayMs) },
  { head: 'energy', n: true, cell: (j) => energy('energyKWh', j.figures.energyKWh) },
  { head: 'actual', n: true, cell: (j) => mass('actualG', j.figures.actualG) },
  { head: 'baseline', n: true, cell: (j) => mass('baselineG', j.figures.baselineG) },
  { head: 'avoided', n: true, cell: (j) => pct('avoidedPct', j.figures.avoidedPct) },
];

function jobDetails(j: JobReport, chart: RenderedChart | undefined): string {
  const log = j.log.length === 0 ? '<p class="note">No decisions recorded.</p>'
    : table('log', [
      { head: 'time (UTC)', cell: (e: JobReport['log'][number]) => `<span class="num">${escapeHtml(timeText(e.at))}</span>` },
      { head: 'event', cell: (e) => escapeHtml(e.what) },
      { head: 'reason', cell: (e) => escapeHtml(e.reason) },
    ], j.log);
  return `<div class="job" data-job="${escapeHtml(j.id)}"><h4>${escapeHtml(j.name)} (${escapeHtml(j.id)}) — ${escapeHtml(j.state)}${j.figures.status === 'settled' ? '' : ` ${statusBadge(j.figures.status)}`}</h4>
<p>owner ${escapeHtml(j.owner)} · home ${escapeHtml(j.homeSite)} (${escapeHtml(j.homeZone)}) · ran on ${escapeHtml(j.sites.join(', ') || 'nothing yet')} · submitted ${escapeHtml(timeText(j.submittedAt))} · deadline ${escapeHtml(timeText(j.deadline))}${j.finishedAt ? ` · finished ${escapeHtml(timeText(j.finishedAt))}` : ''}<br>
actual priced with: ${escapeHtml(j.figures.actualBasis)} · SCI ${mass('sciPerRunG', j.sci.perRunG)} per ${escapeHtml(j.sci.functionalUnit)}</p>
${chart ? figure(chart) : ''}${log}</div>`;
}

function appendix(report: Report, charts: readonly RenderedChart[]): string {
  const charted = jobsCharted(report);
  const chartNote = report.jobs.length === 0 ? '' : charted.length === report.jobs.length
    ? '<p class="note">Every job has its own chart below.</p>'
    : `<p class="note">Charts of their own for the ${charted.length} largest emitters (${charted.map((j) => escapeHtml(j.name)).join(', ')}); the other ${report.jobs.length - charted.length} jobs’ runs are in the “Runs of every job” chart above, and all their figures in the table.</p>`;
  const detail = ['intensity', 'cumulative', 'runs'].map((id) => figure(charts.find((c) => c.id === id))).join('\n');
  return `<section id="appendix">
<h2>Appendix for engineers</h2>
<h3>Over time</h3>
${detail}
<h3>Totals and by ${escapeHtml(report.groupBy)}</h3>
${figureRows([{ row: 'total', key: 'all', label: 'all jobs', f: report.totals }, ...report.groups.map((g) => ({ row: 'group', key: `${report.groupBy}=${g.key}`, label: g.key, f: g.figures }))], report.groupBy)}
<h3>Every ${report.trend.unit}</h3>
${table('small', TREND_COLUMNS, report.trend.points)}
<h3>Every job</h3>
${table('jobs', JOB_COLUMNS, report.jobs, (j) => ` data-row="job" data-key="${escapeHtml(j.id)}"`)}
<h3>Decisions, once each, and charts per job</h3>
${chartNote}
${report.jobs.map((j) => jobDetails(j, charts.find((c) => c.id === `job:${j.id}`))).join('\n')}
</section>`;
}

/** Renders the report with its already-rendered charts (see `renderCharts`). */
export function renderHtml(report: Report, charts: readonly RenderedChart[]): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(report.title)}</title><style>${CSS}</style></head>
<body>
${pageOne(report, charts)}
${methodHtml(report)}
${appendix(report, charts)}
</body></html>
`;
}
