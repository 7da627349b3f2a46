/**
 * The gauges of carbond's Prometheus metrics (DESIGN §7), as plain data: built from the
 * status report (the same figures as `carbond status --json`) and the zones' current
 * intensity. Pure; ./registry hands them to prom-client, which writes the exposition.
 * Base units throughout (joules, grams, seconds): `promtool check metrics` refuses others.
 */
import { JOB_STATES, type JobState } from '../../jobs/states';
import type { StatusEnergy } from '../../reports/status';
import type { StatusReport } from '../status/types';

export interface MetricSample {
  labels?: Readonly<Record<string, string>>;
  value: number;
}

export interface Metric {
  name: string;
  help: string;
  /** Every sample's label names, in order (a metric's series all carry the same labels). */
  labelNames: readonly string[];
  samples: MetricSample[];
}

/** A zone's intensity now: the point covering `nowMs` in the signal the planner uses. */
export interface ZoneIntensityNow {
  zone: string;
  gPerKWh: number;
  /** measured | forecast | estimated. */
  kind: string;
  provider: string;
}

export interface MetricsInput {
  report: StatusReport & { energy?: StatusEnergy };
  startedAtMs: number;
  intensity: readonly ZoneIntensityNow[];
}

/** Joules in a kilowatt-hour (the ledger's energy unit → Prometheus's base unit). */
export const J_PER_KWH = 3_600_000;

const gauge = (name: string, help: string, labelNames: readonly string[], samples: MetricSample[]): Metric => ({ name, help, labelNames, samples });

/** Every non-terminal job state: listed at 0 when no job is in it, so a dashboard's series do not vanish. */
const OPEN_STATES = (Object.keys(JOB_STATES) as JobState[]).filter((s) => JOB_STATES[s].next.length > 0);

/** The gauges carbond serves (the counters and histograms are ./registry's). */
export function metricsOf(input: MetricsInput): Metric[] {
  const { report } = input;
  const byState = new Map<string, number>(OPEN_STATES.map((s) => [s, 0]));
  for (const j of report.jobs) byState.set(j.state, (byState.get(j.state) ?? 0) + 1);
  const out: Metric[] = [
    gauge('carbond_up', 'Whether the daemon answers (always 1 when scraped).', [], [{ value: 1 }]),
    gauge('carbond_build_info', 'The daemon\'s version, as a label.', ['version'], [{ labels: { version: report.daemon.version ?? 'unknown' }, value: 1 }]),
    gauge('carbond_start_time_seconds', 'When the daemon started, Unix time.', [], [{ value: input.startedAtMs / 1000 }]),
    gauge('carbond_jobs', 'Unfinished jobs by state.', ['state'], [...byState].map(([state, n]) => ({ labels: { state }, value: n }))),
    gauge('carbond_zone_intensity_grams_per_kwh', 'Carbon intensity of each zone now, gCO2eq/kWh, with whether it is measured, forecast or estimated and who served it.',
      ['zone', 'kind', 'provider'], input.intensity.map((z) => ({ labels: { zone: z.zone, kind: z.kind, provider: z.provider }, value: z.gPerKWh }))),
    gauge('carbond_zone_signal_age_seconds', 'Age of the newest data a zone\'s provider served.', ['zone'],
      report.zones.flatMap((z) => (typeof z['dataAgeMs'] === 'number' ? [{ labels: { zone: z.zone }, value: (z['dataAgeMs'] as number) / 1000 }] : []))),
    gauge('carbond_zone_signal_stale', '1 when a zone\'s signal is older than its staleAfter.', ['zone'],
      report.zones.map((z) => ({ labels: { zone: z.zone }, value: z['stale'] === true ? 1 : 0 }))),
  ];
  const e = report.energy;
  if (e) {
    // HELP stays the same from scrape to scrape; the window's start is a metric of its own.
    const window = 'the running jobs and the jobs submitted since carbond_recent_since_seconds';
    const t = e.total;
    const job = ['job', 'name'];
    out.push(
      gauge('carbond_recent_since_seconds', 'Start of the window of the carbond_recent_* figures, Unix time (the status window).', [], [{ value: Date.parse(e.since) / 1000 }]),
      gauge('carbond_recent_jobs', `Jobs counted in the carbond_recent_* figures: ${window}.`, [], [{ value: t.jobs }]),
      gauge('carbond_recent_energy_joules', `Energy measured, J, over ${window}.`, [], [{ value: t.energyKWh * J_PER_KWH }]),
      gauge('carbond_recent_emissions_grams', `Emissions, gCO2eq, over ${window}.`, [], [{ value: t.actualG }]),
      gauge('carbond_recent_baseline_grams', `Emissions of the baseline (each job started at submission, never paused), gCO2eq, over ${window}.`, [], [{ value: t.baselineG }]),
      gauge('carbond_recent_avoided_grams', `Emissions avoided against the baseline, gCO2eq, over ${window}.`, [], [{ value: t.avoidedG }]),
      gauge('carbond_recent_provisional_grams', `Emissions priced with forecasts until measured intensity is published, gCO2eq, over ${window}.`, [], [{ value: t.provisionalG }]),
      // Pauses and moves as `carbond report` counts them (src/accounting/stops.ts). Gauges: a job's
      // newest pause becomes a move when it goes on at another site, so neither only ever grows.
      gauge('carbond_recent_pauses', `Checkpointed pauses after which the job went on at the same site (or not yet), over ${window}.`, [], [{ value: t.pauses }]),
      gauge('carbond_recent_moves', `Checkpointed pauses after which the job went on at another site, over ${window}.`, [], [{ value: t.moves }]),
      gauge('carbond_job_energy_joules', 'Energy of each running job so far, J.', job, e.running.map((r) => ({ labels: { job: r.jobId, name: r.name }, value: r.energyKWh * J_PER_KWH }))),
      gauge('carbond_job_emissions_grams', 'Emissions of each running job so far, gCO2eq.', job, e.running.map((r) => ({ labels: { job: r.jobId, name: r.name }, value: r.actualG }))),
      gauge('carbond_job_avoided_grams', 'Emissions each running job has avoided so far against its baseline, gCO2eq.', job, e.running.map((r) => ({ labels: { job: r.jobId, name: r.name }, value: r.avoidedG }))),
      gauge('carbond_job_pauses', 'Checkpointed pauses of each running job so far after which it went on at the same site.', job, e.running.map((r) => ({ labels: { job: r.jobId, name: r.name }, value: r.pauses }))),
      gauge('carbond_job_moves', 'Checkpointed pauses of each running job so far after which it went on at another site.', job, e.running.map((r) => ({ labels: { job: r.jobId, name: r.name }, value: r.moves }))),
    );
  }
  return out;
}
