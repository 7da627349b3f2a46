/**
 * `carbond report [--from ISO] [--to ISO] [--group-by job|owner|tag:KEY|site|zone]
 * [--format json|csv|md|html|codecarbon|pdf] [--out FILE] [--signal average|marginal]`:
 * reads the ledger of the state dir read-only (a daemon's or a simulation's, one code
 * path) and renders the report (DESIGN §6). Without `--out` the report goes to stdout
 * (`pdf` needs `--out`). `--signal` is a requirement, not a label: asked of data that lacks
 * it, the report fails with exit 2 (`E_SIGNAL`) and writes nothing; `pdf` without a
 * Chromium fails with exit 1 (`E_PDF_UNAVAILABLE`).
 */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs } from '../command';
import type { CliContext } from '../context';
import { InputError } from '../../core/errors';
import type { Issue } from '../../core/validation';
import { parseIsoMs } from '../../core/units';
import type { GroupBy } from '../../reports/model';
import type { OutputFormat } from '../../reports/render';

const FORMATS: readonly OutputFormat[] = ['json', 'csv', 'md', 'html', 'codecarbon', 'pdf'];

export interface ReportRequest {
  fromMs?: number;
  toMs?: number;
  groupBy: GroupBy;
  format: OutputFormat;
  out?: string;
  /** Required of every zone when given; absent: the signal(s) the providers gave. */
  signal?: 'average' | 'marginal';
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
  if (!FORMATS.includes(format as OutputFormat)) issues.push({ path: '--format', message: `one of ${FORMATS.join(', ')}`, value: format });
  const signal = args['signal'] === undefined ? undefined : String(args['signal']);
  if (signal !== undefined && signal !== 'average' && signal !== 'marginal') issues.push({ path: '--signal', message: 'average or marginal', value: signal });
  const out = args['out'];
  if (out !== undefined && (typeof out !== 'string' || out === '')) issues.push({ path: '--out', message: 'a file path', value: out });
  if (format === 'pdf' && out === undefined) issues.push({ path: '--out', message: '--format pdf writes a file: give --out FILE.pdf', value: out });
  if (issues.length > 0) throw new InputError(issues, 'report options');
  const req: ReportRequest = { fromMs, toMs, groupBy: groupBy as GroupBy, format: format as OutputFormat, out: out as string | undefined };
  if (signal !== undefined) req.signal = signal as 'average' | 'marginal';
  return req;
}

/** The settings a report names in its method section (no secrets: names and types only). */
function configSummary(config: ReturnType<CliContext['config']>, req: ReportRequest): Record<string, string> {
  const zones = Object.entries(config.zones).map(([z, c]) => `${z}: ${c.providers.join(' > ')}`).join(', ');
  return {
    'zones (providers, preferred first)': zones || 'none configured',
    'sites (zone)': Object.entries(config.sites).map(([n, s]) => `${n} (${s.zone})`).join(', ') || 'none configured',
    'embodied.gpuKgCO2e': config.embodied.gpuKgCO2e === undefined ? 'not set' : String(config.embodied.gpuKgCO2e),
    '--signal': req.signal ?? 'as given',
    '--group-by': req.groupBy,
  };
}

async function runReport(args: CommandArgs, ctx: CliContext): Promise<{ data: unknown; text?: string }> {
  const req = parseReportArgs(args);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const fs = require('node:fs') as typeof import('node:fs');
  const { openLedger } = require('../../ledger/db') as typeof import('../../ledger/db');
  const { loadReportRows } = require('../../ledger/report-rows') as typeof import('../../ledger/report-rows');
  const { policiesOfJobs } = require('../../ledger/report-meta') as typeof import('../../ledger/report-meta');
  const { buildReport } = require('../../reports/build') as typeof import('../../reports/build');
  const { renderReport, renderReportBytes } = require('../../reports/render') as typeof import('../../reports/render');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = ctx.config();
  const nowMs = ctx.clock.now();
  const db = openLedger(ctx.locations().ledgerPath, { readonly: true, nowMs });
  let rows;
  let policies;
  try {
    const siteZones = Object.fromEntries(Object.entries(config.sites).map(([name, s]) => [name, s.zone]));
    rows = loadReportRows(db, { fromMs: req.fromMs, toMs: req.toMs }, siteZones);
    policies = policiesOfJobs(db, rows.jobs.map((j) => j.id));
  } finally {
    db.close();
  }
  const providerOrder = [...new Set(Object.values(config.zones).flatMap((z) => z.providers))];
  const meta = {
    providerTypes: Object.fromEntries(Object.entries(config.providers).map(([name, p]) => [name, p.type])),
    policies: policies.map((p) => ({ policy: p.policy, plans: p.plans, from: new Date(p.fromMs).toISOString(), to: new Date(p.toMs).toISOString() })),
    config: configSummary(config, req),
  };
  const report = buildReport(rows, { nowMs, fromMs: req.fromMs, toMs: req.toMs, groupBy: req.groupBy, signal: req.signal, providerOrder, embodied: config.embodied, meta });
  if (req.out === undefined && req.format !== 'pdf') return { data: undefined, text: (await renderReport(report, req.format)).replace(/\n$/, '') };
  const bytes = await renderReportBytes(report, req.format);
  fs.writeFileSync(req.out as string, bytes);
  const t = report.totals;
  return {
    data: { out: req.out, format: req.format, totals: t },
    text: `wrote ${req.format} report to ${req.out}: ${t.jobs} jobs, ${t.energyKWh} kWh, actual ${t.actualG} g, baseline ${t.baselineG} g, avoided ${t.avoidedG} g (${t.status})`,
  };
}

export const reportCommand: CliCommand = {
  command: 'report',
  describe: 'emissions report: summary, method and sources, per-job appendix (json, csv, md, html, codecarbon, pdf)',
  builder: (y: Argv) => y
    .option('from', { type: 'string', describe: 'jobs submitted at or after this ISO time' })
    .option('to', { type: 'string', describe: 'jobs submitted before this ISO time' })
    .option('group-by', { type: 'string', default: 'job', describe: 'job | owner | site | zone | tag:KEY' })
    .option('format', { type: 'string', default: 'md', describe: `${FORMATS.join(' | ')} (pdf: printed by headless Chromium, needs --out)` })
    .option('out', { type: 'string', describe: 'write to this file instead of stdout' })
    .option('signal', { type: 'string', describe: 'average | marginal: require this signal (exit 2 when the ledger lacks it for a zone); default: as the providers gave it' }),
  run: runReport,
};
