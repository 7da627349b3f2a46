/**
 * `buildReport(rows, options)`: the pure function from ledger rows to the report model
 * (DESIGN §6). Simulated and real ledgers go through this same path.
 */
import { accountJob, type JobAccount } from '../accounting/job';
import type { EnergySample, ReportRows, RunRow } from '../accounting/rows';
import type { EmbodiedFigures } from '../accounting/sci';
import { tallySources } from '../accounting/tally';
import { buildTimelines } from '../accounting/timeline';
import { isoUtc } from '../core/clock';
import { CumulativeBins, intensitySeries, monthOf, type MonthFigure } from './chart-data';
import { figuresOf, G_DECIMALS, round } from './figures';
import { decisionLog } from './log';
import type { GroupBy, JobReport, Report, ReportGroup } from './model';

export interface ReportOptions {
  /** When the report is made (running runs count up to here), UTC epoch ms. */
  nowMs: number;
  /** Jobs submitted in `[fromMs, toMs)`; absent = open ends. */
  fromMs?: number;
  toMs?: number;
  groupBy?: GroupBy;
  signal?: 'average' | 'marginal';
  /** Preferred providers first (the zones' configured order). */
  providerOrder?: readonly string[];
  embodied?: EmbodiedFigures;
  title?: string;
}

function groupOf<T extends { jobId: string }>(rows: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const list = m.get(r.jobId);
    if (list) list.push(r);
    else m.set(r.jobId, [r]);
  }
  return m;
}

function isSortedByStart(list: readonly EnergySample[]): boolean {
  for (let i = 1; i < list.length; i++) if ((list[i] as EnergySample).startMs < (list[i - 1] as EnergySample).startMs) return false;
  return true;
}

/** The group key of a job, e.g. `tag:project` → the job's `project` tag or `(none)`. */
export function groupKeyOf(account: JobAccount, groupBy: GroupBy): string {
  const j = account.job;
  if (groupBy === 'job') return j.id;
  if (groupBy === 'owner') return j.owner;
  if (groupBy === 'site') return j.homeSite;
  if (groupBy === 'zone') return account.homeZone;
  return j.tags[groupBy.slice('tag:'.length)] ?? '(none)';
}

function jobReport(a: JobAccount, runs: readonly RunRow[], samples: readonly EnergySample[], log: JobReport['log']): JobReport {
  const first = samples[0];
  const last = samples[samples.length - 1];
  return {
    id: a.job.id, name: a.job.name, owner: a.job.owner, tags: a.job.tags, homeSite: a.job.homeSite, homeZone: a.homeZone,
    sites: [...new Set(runs.map((r) => r.site))], gpus: a.job.gpus, state: a.state,
    submittedAt: isoUtc(a.job.submittedAtMs), finishedAt: a.finishedAtMs === null ? null : isoUtc(a.finishedAtMs),
    firstSampleAt: first ? isoUtc(first.startMs) : null, lastSampleAt: last ? isoUtc(last.startMs + last.durationMs) : null,
    delayMs: a.delayMs === null ? null : Math.round(a.delayMs),
    figures: figuresOf([a]).figures,
    actualSources: roundSources(tallySources(a.actual)), baselineSources: roundSources(tallySources(a.baseline)),
    sci: { ...a.sci, operationalG: round(a.sci.operationalG, G_DECIMALS), embodiedG: round(a.sci.embodiedG, G_DECIMALS), perRunG: round(a.sci.perRunG, G_DECIMALS) },
    log,
  };
}

/** Where a running run is drawn up to: its last energy sample (the ledger's own "now"), else `nowMs`. */
function lastSampleEndMs(samples: readonly EnergySample[] | undefined, nowMs: number): number {
  const last = samples?.[samples.length - 1];
  return last ? last.startMs + last.durationMs : nowMs;
}

function roundSources<T extends { energyKWh: number; g: number }>(list: T[]): T[] {
  return list.map((s) => ({ ...s, energyKWh: round(s.energyKWh, 6), g: round(s.g, G_DECIMALS) }));
}

function notesOf(report: Pick<Report, 'totals' | 'signal'>, embodiedConfigured: boolean): string[] {
  const t = report.totals;
  const notes = [
    `Emissions are energy × the ${report.signal} grid intensity of the zone at that time, time-weighted; measured intensity where published, otherwise the forecast.`,
    'Baseline: the same work (energy per step as measured, without pause overheads) run from submission at the home site without pauses. Avoided = baseline − actual.',
    'Jobs belong to the period in which they were submitted.',
  ];
  if (t.provisionalG > 0) notes.push(`PROVISIONAL: ${t.provisionalG} g of the actual emissions are priced with forecasts and will be settled when measured intensity is published.`);
  if (t.estimatedG > 0) notes.push(`ESTIMATED: ${t.estimatedG} g were priced with the nearest known intensity where no point covered the time.`);
  if (t.unpricedKWh > 0) notes.push(`UNPRICED: ${t.unpricedKWh} kWh ran in zones with no intensity data and count as 0 g.`);
  notes.push(embodiedConfigured ? 'SCI includes embodied emissions M from the configured per-GPU figure.' : 'SCI: embodied emissions not configured (embodied.gpuKgCO2e), so M = 0.');
  return notes;
}

/** Builds the report model from ledger rows. Pure: the same rows and options give the same report. */
export function buildReport(rows: ReportRows, options: ReportOptions): Report {
  const signal = options.signal ?? 'average';
  const groupBy = options.groupBy ?? 'job';
  const timelines = buildTimelines(rows.intensity, { signal, providerOrder: options.providerOrder });
  const jobs = rows.jobs
    .filter((j) => (options.fromMs === undefined || j.submittedAtMs >= options.fromMs) && (options.toMs === undefined || j.submittedAtMs < options.toMs))
    .sort((a, b) => a.submittedAtMs - b.submittedAtMs || a.id.localeCompare(b.id));
  const runsByJob = groupOf(rows.runs);
  const samplesByJob = groupOf(rows.samples);
  for (const list of samplesByJob.values()) if (!isSortedByStart(list)) list.sort((a, b) => a.startMs - b.startMs);
  const transitionsByJob = groupOf(rows.transitions);
  const decisionsByJob = groupOf(rows.decisions);
  const bins = new CumulativeBins();
  const months = new Map<string, MonthFigure>();
  const ctx = { nowMs: options.nowMs, timelines, siteZones: rows.siteZones, embodied: options.embodied, signal, onPriced: bins.add.bind(bins) };
  const accounts: JobAccount[] = [];
  const jobReports: JobReport[] = [];
  for (const job of jobs) {
    const runs = (runsByJob.get(job.id) ?? []).sort((a, b) => a.startedAtMs - b.startedAtMs);
    const samples = samplesByJob.get(job.id) ?? [];
    const a = accountJob(job, runs, samples, ctx);
    accounts.push(a);
    jobReports.push(jobReport(a, runs, samples, decisionLog(transitionsByJob.get(job.id) ?? [], decisionsByJob.get(job.id) ?? [])));
    const m = months.get(monthOf(job.submittedAtMs)) ?? { month: monthOf(job.submittedAtMs), actualG: 0, baselineG: 0, avoidedG: 0 };
    m.actualG += a.actual.g;
    m.baselineG += a.baseline.g;
    m.avoidedG += a.avoidedG;
    months.set(m.month, m);
  }
  const keys = new Map<string, JobAccount[]>();
  for (const a of accounts) {
    const k = groupKeyOf(a, groupBy);
    const list = keys.get(k);
    if (list) list.push(a);
    else keys.set(k, [a]);
  }
  const groups: ReportGroup[] = [...keys].map(([key, list]) => ({ key, figures: figuresOf(list).figures }));
  const totals = figuresOf(accounts).figures;
  const spanFrom = Math.min(...jobs.map((j) => j.submittedAtMs));
  const spanTo = rows.samples.reduce((m, s) => Math.max(m, s.startMs + s.durationMs), spanFrom);
  const zones = [...new Set(accounts.flatMap((a) => [a.homeZone, ...(samplesByJob.get(a.job.id) ?? []).map((s) => s.zone)]))].sort();
  return {
    title: options.title ?? 'carbond emissions report',
    generatedAt: isoUtc(options.nowMs),
    from: options.fromMs === undefined ? null : isoUtc(options.fromMs),
    to: options.toMs === undefined ? null : isoUtc(options.toMs),
    groupBy, signal, totals, groups, jobs: jobReports,
    notes: notesOf({ totals, signal }, options.embodied?.gpuKgCO2e !== undefined),
    charts: {
      intensity: jobs.length === 0 ? [] : intensitySeries(zones.flatMap((z) => timelines.get(z) ?? []), spanFrom, spanTo),
      runs: jobs.flatMap((j) => (runsByJob.get(j.id) ?? []).map((r) => ({
        jobId: j.id, job: j.name, site: r.site, zone: rows.siteZones[r.site] ?? '', start: isoUtc(r.startedAtMs), end: isoUtc(r.endedAtMs ?? lastSampleEndMs(samplesByJob.get(j.id), options.nowMs)),
        exitKind: r.exitKind,
      }))),
      cumulative: bins.points(),
      avoidedByMonth: [...months.values()].sort((a, b) => a.month.localeCompare(b.month))
        .map((m) => ({ month: m.month, actualG: round(m.actualG, G_DECIMALS), baselineG: round(m.baselineG, G_DECIMALS), avoidedG: round(m.avoidedG, G_DECIMALS) })),
    },
  };
}
