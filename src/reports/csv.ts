/**
 * The report as one CSV table (RFC 4180): a `total` row, one `group` row per group and one
 * `job` row per job, with the same rounded figures as every other format.
 */
import { ADDED_FIGURE_COLUMNS, FIGURE_COLUMNS, figureText, type Figures } from './figures';
import type { Report } from './model';

/** Quotes a field when it holds a comma, quote or line break. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** Column headers, snake_case with units. */
export const CSV_HEADER = [
  'row', 'key', 'jobs', 'energy_kwh', 'overhead_kwh', 'actual_g', 'baseline_g', 'avoided_g', 'avoided_pct', 'provisional_g',
  'estimated_g', 'unpriced_kwh', 'delay_ms', 'max_delay_ms', 'pauses', 'paused_ms', 'embodied_g', 'sci_g', 'status', 'actual_basis', 'baseline_basis',
  // added later, after every older column:
  'sci_per_run_g', 'deadlines_met', 'deadlines_missed', 'deadlines_open', 'deadline', 'late_by_ms', 'running_ms', 'moves',
];

/** `job`: the job's deadline (ISO), how late (ms) and how long it ran (ms); empty on other rows. `moves` came after those. */
function row(kind: string, key: string, f: Figures, job?: { deadline: string; lateByMs: number | null; runningMs: number }): string {
  return csvLine([kind, key, ...FIGURE_COLUMNS.map((c) => figureText(f[c])), f.status, f.actualBasis, f.baselineBasis,
    ...ADDED_FIGURE_COLUMNS.map((c) => figureText(f[c])), job?.deadline ?? '', job ? figureText(job.lateByMs) : '', job ? String(job.runningMs) : '', String(f.moves)]);
}

export function renderCsv(report: Report): string {
  const lines = [csvLine(CSV_HEADER), row('total', 'all', report.totals)];
  for (const g of report.groups) lines.push(row('group', `${report.groupBy}=${g.key}`, g.figures));
  for (const j of report.jobs) lines.push(row('job', j.id, j.figures, j));
  return lines.join('\n') + '\n';
}
