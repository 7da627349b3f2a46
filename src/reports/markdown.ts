/**
 * The report as Markdown: totals, groups, jobs (same rounded numbers as JSON and CSV),
 * provenance, SCI, notes and a decision log per job.
 */
import { formatDurationMs, formatGrams } from '../core/units';
import { figureText, type Figures } from './figures';
import type { JobReport, Report } from './model';

const COLUMNS: ReadonlyArray<[keyof Figures, string]> = [
  ['jobs', 'jobs'], ['energyKWh', 'energy kWh'], ['overheadKWh', 'overhead kWh'], ['actualG', 'actual g'], ['baselineG', 'baseline g'],
  ['avoidedG', 'avoided g'], ['avoidedPct', 'avoided %'], ['provisionalG', 'provisional g'], ['delayMs', 'delay ms'], ['pauses', 'pauses'],
  ['pausedMs', 'paused ms'], ['sciG', 'SCI g/run'], ['status', 'status'],
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
  const out = [
    `### ${cell(j.name)} (\`${j.id}\`)`,
    '',
    `owner ${j.owner} · home ${j.homeSite} (${j.homeZone}) · ran on ${j.sites.join(', ') || 'nothing yet'} · ${j.state} · submitted ${j.submittedAt}` +
      (j.finishedAt ? ` · finished ${j.finishedAt}` : ''),
    '',
    `- actual ${formatGrams(f.actualG)}, baseline ${formatGrams(f.baselineG)}, avoided ${formatGrams(f.avoidedG)}` +
      (f.avoidedPct === null ? '' : ` (${f.avoidedPct}%)`) + `; delay ${j.delayMs === null ? 'n/a (unfinished)' : formatDurationMs(Math.max(0, j.delayMs))}` +
      (j.delayMs !== null && j.delayMs < 0 ? ' (finished before the baseline)' : ''),
    `- actual basis: ${f.actualBasis}${f.status === 'settled' ? '' : ` — **${f.status.toUpperCase()}**`}`,
    `- baseline basis: ${f.baselineBasis}`,
    `- SCI: ${j.sci.perRunG} g per ${j.sci.functionalUnit} (E×I ${j.sci.operationalG} g + M ${j.sci.embodiedG} g; ${j.sci.note})`,
    '',
  ];
  if (j.log.length > 0) {
    out.push('| time (UTC) | event | reason |', '| --- | --- | --- |');
    for (const e of j.log) out.push(`| ${e.at} | ${cell(e.what)} | ${cell(e.reason)} |`);
    out.push('');
  }
  return out;
}

export function renderMarkdown(report: Report): string {
  const t = report.totals;
  const period = `${report.from ?? 'the beginning'} to ${report.to ?? 'now'}`;
  const lines = [
    `# ${report.title}`,
    '',
    `Jobs submitted from ${period}; generated ${report.generatedAt}; signal: ${report.signal}; status: **${t.status}**.`,
    '',
    `**Avoided ${formatGrams(t.avoidedG)}${t.avoidedPct === null ? '' : ` (${t.avoidedPct}%)`}** — actual ${formatGrams(t.actualG)} vs baseline ${formatGrams(t.baselineG)} for ${t.energyKWh} kWh.`,
    '',
    '## Totals',
    '',
    ...table([['all', t]], 'scope'),
    '',
    `## By ${report.groupBy}`,
    '',
    ...table(report.groups.map((g) => [g.key, g.figures]), report.groupBy),
    '',
    '## Notes',
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    '## Jobs and decisions',
    '',
    ...report.jobs.flatMap(jobSection),
  ];
  return lines.join('\n');
}
