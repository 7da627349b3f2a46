/**
 * The report as Markdown, with the HTML report's content: the summary (headline, deadlines,
 * trend, breakdowns by project/owner and zone, in human units), method and sources, and an
 * appendix with the exact figures (same rounded numbers as JSON and CSV) and each job's
 * decisions, once each.
 */
import { byLabel, mainBreakdown, topRows } from './charts';
import { figureText, type Figures } from './figures';
import { periodText } from './html';
import { energyText, hoursText, massText, pctText, timeText } from './human';
import { methodEntries } from './method-text';
import type { JobReport, Report } from './model';

const COLUMNS: ReadonlyArray<[keyof Figures, string]> = [
  ['jobs', 'jobs'], ['energyKWh', 'energy kWh'], ['overheadKWh', 'overhead kWh'], ['actualG', 'actual g'], ['baselineG', 'baseline g'],
  ['avoidedG', 'avoided g'], ['avoidedPct', 'avoided %'], ['provisionalG', 'provisional g'], ['delayMs', 'delay ms'], ['pauses', 'pauses'],
  ['moves', 'moves'], ['pausedMs', 'paused ms'], ['sciG', 'SCI g (sum of runs)'], ['sciPerRunG', 'SCI g/run'], ['deadlinesMet', 'deadlines met'], ['deadlinesMissed', 'missed'], ['status', 'status'],
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(rows: ReadonlyArray<[string, Figures]>, first: string): string[] {
  const head = `| ${first} | ${COLUMNS.map(([, h]) => h).join(' | ')} |`;
  const rule = `|${' --- |'.repeat(COLUMNS.length + 1)}`;
  const body = rows.map(([k, f]) => `| ${cell(k)} | ${COLUMNS.map(([c]) => cell(typeof f[c] === 'string' ? (f[c] as string) : figureText(f[c] as number | null))).join(' | ')} |`);
  return [head, rule, ...body];
}

function jobSection(j: JobReport): string[] {
  const f = j.figures;
  const deadline = j.deadlineOutcome === 'missed' ? `missed by ${hoursText(j.lateByMs ?? 0)}` : j.deadlineOutcome;
  const out = [
    `### ${cell(j.name)} (\`${j.id}\`)`,
    '',
    `owner ${j.owner} · home ${j.homeSite} (${j.homeZone}) · ran on ${j.sites.join(', ') || 'nothing yet'} · ${j.state} · submitted ${timeText(j.submittedAt)}` +
      (j.finishedAt ? ` · finished ${timeText(j.finishedAt)}` : '') + ` · deadline ${timeText(j.deadline)} (${deadline})`,
    '',
    `- actual ${massText(f.actualG)}, baseline ${massText(f.baselineG)}, avoided ${massText(f.avoidedG)} (${pctText(f.avoidedPct)}); ran ${hoursText(j.runningMs)}, paused ${hoursText(f.pausedMs)}; delay ${j.delayMs === null ? 'n/a (unfinished)' : hoursText(Math.max(0, j.delayMs))}` +
      (j.delayMs !== null && j.delayMs < 0 ? ' (finished before the baseline)' : ''),
    `- actual basis: ${f.actualBasis}${f.status === 'settled' ? '' : ` — **${f.status.toUpperCase()}**`}`,
    `- baseline basis: ${f.baselineBasis}`,
    `- SCI: ${j.sci.perRunG} g per ${j.sci.functionalUnit} (E×I ${j.sci.operationalG} g + M ${j.sci.embodiedG} g; ${j.sci.note})`,
    '',
  ];
  if (j.log.length > 0) {
    out.push('| time (UTC) | event | reason |', '| --- | --- | --- |');
    for (const e of j.log) out.push(`| ${timeText(e.at)} | ${cell(e.what)} | ${cell(e.reason)} |`);
    out.push('');
  }
  return out;
}

function simpleTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  return [`| ${head.join(' | ')} |`, `|${' --- |'.repeat(head.length)}`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

function summary(report: Report): string[] {
  const t = report.totals;
  const d = report.deadlines;
  const main = mainBreakdown(report);
  const missed = d.missedJobs.map((j) => `${j.name} (${j.finished ? 'late' : 'overdue'} ${hoursText(j.lateByMs)})`).join(', ');
  return [
    `# ${report.title}${report.method.simulation.simulated ? ' — SIMULATION' : ''}`,
    '',
    `Jobs submitted ${periodText(report)}; location-based, ${report.signal} intensity; status: **${t.status}**; generated ${timeText(report.generatedAt)}.`,
    '',
    `**Avoided ${massText(t.avoidedG)} (${pctText(t.avoidedPct)})** — actual ${massText(t.actualG)} vs baseline ${massText(t.baselineG)}, for ${energyText(t.energyKWh)} over ${t.jobs} jobs.`,
    '',
    `**Deadlines met: ${d.met} of ${d.judged}**${d.open ? `; ${d.open} still open` : ''}${missed ? `. Missed: ${missed}.` : '.'}`,
    '',
    `## Per ${report.trend.unit}`,
    '',
    ...simpleTable([report.trend.unit, 'jobs', 'energy', 'actual', 'baseline', 'avoided'],
      report.trend.points.map((p) => [p.period, String(p.jobs), energyText(p.energyKWh), massText(p.actualG), massText(p.baselineG), `${massText(p.avoidedG)} (${pctText(p.avoidedPct)})`])),
    '',
    ...(main ? [`## By ${byLabel(main.by)}`, '', ...simpleTable([byLabel(main.by), 'jobs', 'energy', 'actual', 'avoided'],
      topRows(main.rows).map((r) => [r.key, String(r.jobs), energyText(r.energyKWh), massText(r.actualG), `${massText(r.avoidedG)} (${pctText(r.avoidedPct)})`])), ''] : []),
    '## By zone where the energy was used',
    '',
    ...simpleTable(['zone', 'energy', 'share', 'actual', 'g CO2e/kWh'],
      report.zonesUsed.map((z) => [z.zone, energyText(z.energyKWh), pctText(z.energySharePct), massText(z.actualG), z.gPerKWh === null ? 'n/a' : String(Math.round(z.gPerKWh))])),
    '',
  ];
}

export function renderMarkdown(report: Report): string {
  const t = report.totals;
  const lines = [
    ...summary(report),
    '## Method and sources',
    '',
    ...methodEntries(report).map(([k, v]) => `- **${k}**: ${v}`),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    '## Appendix: exact figures (kWh, g, ms)',
    '',
    '### Totals',
    '',
    ...table([['all', t]], 'scope'),
    '',
    `### By ${report.groupBy}`,
    '',
    ...table(report.groups.map((g) => [g.key, g.figures]), report.groupBy),
    '',
    '### Jobs and decisions',
    '',
    ...report.jobs.flatMap(jobSection),
  ];
  return lines.join('\n');
}
