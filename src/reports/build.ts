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
import { deadlineOf, type DeadlineSummary } from './deadlines';
import { figuresOf, G_DECIMALS, round } from './figures';
import { decisionLog } from './log';
import { methodOf, type ReportMeta } from './method';
import { groupsOf, ranAwayFromHome } from './groups';
import type { GroupBy, JobReport, Report } from './model';
import { zonePalette } from './palette';
import { zonesLacking, SignalMismatchError } from './signal';
import { breakdownsOf, trendOf, zonesUsedOf } from './summary';

export interface ReportOptions {
  /** When the report is made (running runs count up to here), UTC epoch ms. */
  nowMs: number;
  /** Jobs submitted in `[fromMs, toMs)`; absent = open ends. */
  fromMs?: number;
  toMs?: number;
  groupBy?: GroupBy;
  /**
   * The signal to price with. Given, it is required of every zone involved (a zone without it
   * throws `SignalMismatchError`: average data is never relabelled marginal). Absent: average,
   * or what a zone has, and the report says which signal(s) priced it.
   */
  signal?: 'average' | 'marginal';
  /** Provider types, policies and settings for the method section (see `ReportMeta`). */
  meta?: ReportMeta;
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

function jobReport(a: JobAccount, runs: readonly RunRow[], samples: readonly EnergySample[], log: JobReport['log'], nowMs: number): JobReport {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const deadline = deadlineOf(a, nowMs);
  return {
    id: a.job.id, name: a.job.name, owner: a.job.owner, tags: a.job.tags, homeSite: a.job.homeSite, homeZone: a.homeZone,
    sites: [...new Set(runs.map((r) => r.site))], gpus: a.job.gpus, state: a.state,
    submittedAt: isoUtc(a.job.submittedAtMs), finishedAt: a.finishedAtMs === null ? null : isoUtc(a.finishedAtMs),
    firstSampleAt: first ? isoUtc(first.startMs) : null, lastSampleAt: last ? isoUtc(last.startMs + last.durationMs) : null,
    delayMs: a.delayMs === null ? null : Math.round(a.delayMs),
    deadline: isoUtc(a.job.deadlineMs), deadlineOutcome: deadline.outcome, lateByMs: deadline.lateByMs === null ? null : Math.round(deadline.lateByMs),
    runningMs: Math.round(a.runningMs),
    figures: figuresOf([a], nowMs).figures,
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

/** By site or zone, when some job ran away from home: how its figures were split (see `groups.ts`). */
function placeNote(groupBy: GroupBy, accounts: readonly JobAccount[]): string[] {
  if (groupBy !== 'site' && groupBy !== 'zone') return [];
  if (!accounts.some((a) => ranAwayFromHome(a, groupBy))) return [];
  return [`Grouped by the ${groupBy} where the work ran: energy and actual emissions go to the ${groupBy} where they were used, pauses and moves to the ${groupBy} the job paused or moved from; `
    + `the baseline stays with the job's home ${groupBy}, so avoided (baseline − actual) can be negative for a ${groupBy} that received moved work. `
    + `A job counts (jobs, deadlines, delay) in every ${groupBy} where it ran.`];
}

function notesOf(report: Pick<Report, 'totals' | 'signal' | 'groupBy'>, accounts: readonly JobAccount[], embodiedConfigured: boolean): string[] {
  const t = report.totals;
  const notes = [
    `Emissions are energy × the ${report.signal} grid intensity (as the provider gave it) of the zone at that time, time-weighted; measured intensity where published, otherwise the forecast.`,
    'Baseline: the same work (energy per step as measured, without pause overheads) run from submission at the home site without pauses. Avoided = baseline − actual.',
    'Jobs belong to the period in which they were submitted.',
    ...placeNote(report.groupBy, accounts),
  ];
  if (t.provisionalG > 0) notes.push(`PROVISIONAL: ${t.provisionalG} g of the actual emissions are priced with forecasts and will be settled when measured intensity is published.`);
  if (t.estimatedG > 0) notes.push(`ESTIMATED: ${t.estimatedG} g were priced with the nearest known intensity where no point covered the time.`);
  if (t.unpricedKWh > 0) notes.push(`UNPRICED: ${t.unpricedKWh} kWh ran in zones with no intensity data and count as 0 g.`);
  notes.push(embodiedConfigured ? 'SCI includes embodied emissions M from the configured per-GPU figure.' : 'SCI: embodied emissions not configured (embodied.gpuKgCO2e), so M = 0.');
  return notes;
}

/** Refuses a requested signal that some involved zone lacks (see `SignalMismatchError`). */
function checkSignal(rows: ReportRows, jobs: readonly ReportRows['jobs'][number][], signal: 'average' | 'marginal' | undefined): void {
  if (signal === undefined) return;
  const ids = new Set(jobs.map((j) => j.id));
  const zones = [...jobs.map((j) => rows.siteZones[j.homeSite]).filter((z): z is string => !!z), ...rows.samples.filter((s) => ids.has(s.jobId)).map((s) => s.zone)];
  const lacking = zonesLacking(rows.intensity, zones, signal);
  if (lacking.length > 0) throw new SignalMismatchError(signal, lacking);
}

function deadlineSummary(jobs: readonly JobReport[]): DeadlineSummary {
  const count = (o: JobReport['deadlineOutcome']): number => jobs.filter((j) => j.deadlineOutcome === o).length;
  const missedJobs = jobs.filter((j) => j.deadlineOutcome === 'missed')
    .map((j) => ({ id: j.id, name: j.name, deadline: j.deadline, lateByMs: j.lateByMs ?? 0, finished: j.state === 'finished' }))
    .sort((a, b) => b.lateByMs - a.lateByMs || a.id.localeCompare(b.id));
  const met = count('met');
  return { met, missed: missedJobs.length, open: count('open'), notJudged: count('not-judged'), judged: met + missedJobs.length, missedJobs };
}

/** The signal(s) that priced the figures, as given (`average`, `marginal`, or both joined). */
function signalLabel(accounts: readonly JobAccount[], fallback: string): string {
  const used = new Set<string>();
  for (const a of accounts) for (const t of [a.actual, a.baseline]) for (const s of t.sources.values()) if (s.basis !== 'missing') used.add(s.signal);
  return used.size === 0 ? fallback : [...used].sort().join(' + ');
}

/** Builds the report model from ledger rows. Pure: the same rows and options give the same report. */
export function buildReport(rows: ReportRows, options: ReportOptions): Report {
  const groupBy = options.groupBy ?? 'job';
  const jobs = rows.jobs
    .filter((j) => (options.fromMs === undefined || j.submittedAtMs >= options.fromMs) && (options.toMs === undefined || j.submittedAtMs < options.toMs))
    .sort((a, b) => a.submittedAtMs - b.submittedAtMs || a.id.localeCompare(b.id));
  checkSignal(rows, jobs, options.signal);
  const signal = options.signal ?? 'average';
  const timelines = buildTimelines(rows.intensity, { signal, providerOrder: options.providerOrder });
  const runsByJob = groupOf(rows.runs);
  const samplesByJob = groupOf(rows.samples);
  for (const list of samplesByJob.values()) if (!isSortedByStart(list)) list.sort((a, b) => a.startMs - b.startMs);
  const transitionsByJob = groupOf(rows.transitions);
  const decisionsByJob = groupOf(rows.decisions);
  const bins = new CumulativeBins();
  const onPriced = (side: 'actual' | 'baseline', atMs: number, g: number): void => bins.add(side, atMs, g);
  const months = new Map<string, MonthFigure>();
  const ctx = { nowMs: options.nowMs, timelines, siteZones: rows.siteZones, embodied: options.embodied, signal, onPriced };
  const accounts: JobAccount[] = [];
  const jobReports: JobReport[] = [];
  for (const job of jobs) {
    const runs = (runsByJob.get(job.id) ?? []).sort((a, b) => a.startedAtMs - b.startedAtMs);
    const samples = samplesByJob.get(job.id) ?? [];
    const a = accountJob(job, runs, samples, ctx);
    accounts.push(a);
    jobReports.push(jobReport(a, runs, samples, decisionLog(transitionsByJob.get(job.id) ?? [], decisionsByJob.get(job.id) ?? []), options.nowMs));
    const m = months.get(monthOf(job.submittedAtMs)) ?? { month: monthOf(job.submittedAtMs), actualG: 0, baselineG: 0, avoidedG: 0 };
    m.actualG += a.actual.g;
    m.baselineG += a.baseline.g;
    m.avoidedG += a.avoidedG;
    months.set(m.month, m);
  }
  const groups = groupsOf(accounts, groupBy, options.nowMs);
  const all = figuresOf(accounts, options.nowMs);
  const totals = all.figures;
  const spanFrom = Math.min(...jobs.map((j) => j.submittedAtMs));
  const spanTo = rows.samples.reduce((m, s) => Math.max(m, s.startMs + s.durationMs), spanFrom);
  const zones = [...new Set(accounts.flatMap((a) => [a.homeZone, ...(samplesByJob.get(a.job.id) ?? []).map((s) => s.zone)]))].sort();
  const periodFrom = options.fromMs ?? (jobs.length ? spanFrom : options.nowMs);
  const periodTo = options.toMs ?? (jobs.length ? Math.max(jobs[jobs.length - 1]!.submittedAtMs + 1, periodFrom + 1) : options.nowMs + 1);
  const signalUsed = signalLabel(accounts, signal);
  return {
    title: options.title ?? 'carbond emissions report',
    generatedAt: isoUtc(options.nowMs),
    from: options.fromMs === undefined ? null : isoUtc(options.fromMs),
    to: options.toMs === undefined ? null : isoUtc(options.toMs),
    firstSubmittedAt: jobs.length ? isoUtc(spanFrom) : null,
    lastSubmittedAt: jobs.length ? isoUtc(jobs[jobs.length - 1]!.submittedAtMs) : null,
    groupBy, signal: signalUsed, totals, groups, jobs: jobReports,
    notes: notesOf({ totals, signal: signalUsed, groupBy }, accounts, options.embodied?.gpuKgCO2e !== undefined),
    deadlines: deadlineSummary(jobReports),
    trend: trendOf(accounts, periodFrom, periodTo),
    breakdowns: breakdownsOf(accounts),
    zonesUsed: zonesUsedOf(accounts),
    zoneColours: Object.fromEntries(zonePalette(zones)),
    method: methodOf({
      actual: all.actual, requestedSignal: options.signal ?? null, runs: accounts.filter((a) => a.energyKWh > 0).length, sciPerRunG: totals.sciPerRunG,
      embodiedConfigured: options.embodied?.gpuKgCO2e !== undefined, jobs: jobs.length, simulatedJobs: jobs.filter((j) => j.tags['simulated'] === 'true').length, meta: options.meta ?? {},
    }),
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
