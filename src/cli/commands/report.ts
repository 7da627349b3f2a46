/**
 * `carbond report [--from ISO] [--to ISO] [--group-by job|owner|tag:KEY|site|zone]
 * [--format json|csv|md|html|codecarbon] [--out FILE] [--signal average|marginal]`:
 * reads the ledger of the state dir read-only (a daemon's or a simulation's, one code
 * path) and renders the report (DESIGN §6). Without `--out` the report goes to stdout.
 */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs } from '../command';
import type { CliContext } from '../context';
import { InputError } from '../../core/errors';
import type { Issue } from '../../core/validation';
import { parseIsoMs } from '../../core/units';
import type { GroupBy } from '../../reports/model';
import type { ReportFormat } from '../../reports/render';

const FORMATS: readonly ReportFormat[] = ['json', 'csv', 'md', 'html', 'codecarbon'];

export interface ReportRequest {
  fromMs?: number;
  toMs?: number;
  groupBy: GroupBy;
  format: ReportFormat;
  out?: string;
  signal: 'average' | 'marginal';
}

/** Validates the flags, reporting every bad one at once (exit 2, nothing written). */
export function parseReportArgs(args: CommandArgs): ReportRequest {
  const issues: Issue[] = [];
  const time = (name: 'from' | 'to'): number | undefined => {
    const v = args[name];
    if (v === undefined) return undefined;
    const ms = typeof v === 'string' ? parseIsoMs(v) : undefined;
    if (ms === undefined) issues.push({ path: `--${name}`, message: 'not an ISO-8601 time with a zone, e.g. 2026-11-01T00:00:00Z', value: v });
    return ms;
  };
  const fromMs = time('from');
  const toMs = time('to');
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) issues.push({ path: '--to', message: 'must be after --from', value: args['to'] });
  const groupBy = String(args['groupBy'] ?? 'job');
  if (!/^(job|owner|site|zone|tag:.+)$/.test(groupBy)) issues.push({ path: '--group-by', message: 'one of job, owner, site, zone, tag:KEY', value: groupBy });
  const format = String(args['format'] ?? 'md');
  if (!FORMATS.includes(format as ReportFormat)) issues.push({ path: '--format', message: `one of ${FORMATS.join(', ')}`, value: format });
  const signal = String(args['signal'] ?? 'average');
  if (signal !== 'average' && signal !== 'marginal') issues.push({ path: '--signal', message: 'average or marginal', value: signal });
  const out = args['out'];
  if (out !== undefined && (typeof out !== 'string' || out === '')) issues.push({ path: '--out', message: 'a file path', value: out });
  if (issues.length > 0) throw new InputError(issues, 'report options');
  return { fromMs, toMs, groupBy: groupBy as GroupBy, format: format as ReportFormat, out: out as string | undefined, signal: signal as 'average' | 'marginal' };
}

async function runReport(args: CommandArgs, ctx: CliContext): Promise<{ data: unknown; text?: string }> {
  const req = parseReportArgs(args);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const fs = require('node:fs') as typeof import('node:fs');
  const { openLedger } = require('../../ledger/db') as typeof import('../../ledger/db');
  const { loadReportRows } = require('../../ledger/report-rows') as typeof import('../../ledger/report-rows');
  const { buildReport } = require('../../reports/build') as typeof import('../../reports/build');
  const { renderReport } = require('../../reports/render') as typeof import('../../reports/render');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = ctx.config();
  const nowMs = ctx.clock.now();
  const db = openLedger(ctx.locations().ledgerPath, { readonly: true, nowMs });
  let rows;
  try {
    const siteZones = Object.fromEntries(Object.entries(config.sites).map(([name, s]) => [name, s.zone]));
    rows = loadReportRows(db, { fromMs: req.fromMs, toMs: req.toMs }, siteZones);
  } finally {
    db.close();
  }
  const providerOrder = [...new Set(Object.values(config.zones).flatMap((z) => z.providers))];
  const report = buildReport(rows, { nowMs, fromMs: req.fromMs, toMs: req.toMs, groupBy: req.groupBy, signal: req.signal, providerOrder, embodied: config.embodied });
  const rendered = await renderReport(report, req.format);
  if (req.out === undefined) return { data: undefined, text: rendered.replace(/\n$/, '') };
  fs.writeFileSync(req.out, rendered);
  const t = report.totals;
  return {
    data: { out: req.out, format: req.format, totals: t },
    text: `wrote ${req.format} report to ${req.out}: ${t.jobs} jobs, ${t.energyKWh} kWh, actual ${t.actualG} g, baseline ${t.baselineG} g, avoided ${t.avoidedG} g (${t.status})`,
  };
}

export const reportCommand: CliCommand = {
  command: 'report',
  describe: 'emissions report: energy, actual, baseline, avoided, delay, pauses, decisions (json, csv, md, html, codecarbon)',
  builder: (y: Argv) => y
    .option('from', { type: 'string', describe: 'jobs submitted at or after this ISO time' })
    .option('to', { type: 'string', describe: 'jobs submitted before this ISO time' })
    .option('group-by', { type: 'string', default: 'job', describe: 'job | owner | site | zone | tag:KEY' })
    .option('format', { type: 'string', default: 'md', describe: FORMATS.join(' | ') })
    .option('out', { type: 'string', describe: 'write to this file instead of stdout' })
    .option('signal', { type: 'string', default: 'average', describe: 'average | marginal' }),
  run: runReport,
};
