/**
 * CodeCarbon-compatible `emissions.csv` (one row per job, as CodeCarbon writes one row
 * per tracked run). Units as CodeCarbon's: duration s, emissions kg CO2eq, emissions_rate
 * kg/s, power W, energy kWh. Fields carbond does not know are left empty.
 *
 * The header is CodeCarbon's current column set, in its order (the fields of its
 * `EmissionsData`, codecarbon/output_methods/emissions_data.py, CodeCarbon 3.1 to 3.3): its
 * file writer renames away an `emissions.csv` whose header differs before it appends, so
 * a column short of it and carbond's file is lost to a run tracked by CodeCarbon.
 *
 * `duration` is the time the job actually ran: the span of its energy samples less the
 * time it spent paused between runs. CodeCarbon tracks a process that never pauses, so
 * its rates are per second of work; counting the paused hours would dilute `gpu_power`
 * and `emissions_rate`. E.g. samples from 01:00 to 05:00, paused 02:00–04:00: duration
 * 7200 s, and 1 kWh gives gpu_power 500 W, not 250 W.
 */
import { csvLine } from './csv';
import type { JobReport, Report } from './model';

export const CODECARBON_COLUMNS = [
  'timestamp', 'project_name', 'run_id', 'experiment_id', 'duration', 'emissions', 'emissions_rate', 'cpu_power', 'gpu_power', 'ram_power',
  'cpu_energy', 'gpu_energy', 'ram_energy', 'energy_consumed', 'water_consumed', 'country_name', 'country_iso_code', 'region', 'cloud_provider',
  'cloud_region', 'os', 'python_version', 'codecarbon_version', 'cpu_count', 'cpu_model', 'gpu_count', 'gpu_model', 'longitude', 'latitude',
  'ram_total_size', 'tracking_mode', 'cpu_utilization_percent', 'gpu_utilization_percent', 'ram_utilization_percent', 'ram_used_gb',
  'on_cloud', 'pue', 'wue',
] as const;

type CodeCarbonColumn = (typeof CODECARBON_COLUMNS)[number];

/** Joules in a kilowatt-hour. */
const J_PER_KWH = 3.6e6;

/**
 * Seconds the job ran: its samples' span less its paused time (never below 0).
 * @example samples 01:00–05:00, paused 7_200_000 ms → 7200
 */
export function runningSecondsOf(j: Pick<JobReport, 'firstSampleAt' | 'lastSampleAt' | 'figures'>): number {
  if (!j.firstSampleAt || !j.lastSampleAt) return 0;
  const spanMs = Date.parse(j.lastSampleAt) - Date.parse(j.firstSampleAt);
  return Math.max(0, spanMs - j.figures.pausedMs) / 1000;
}

function rowOf(j: JobReport, platform: string): Record<CodeCarbonColumn, string> {
  const durationS = runningSecondsOf(j);
  const kg = j.figures.actualG / 1000;
  const perSecond = (v: number): string => String(durationS > 0 ? v / durationS : 0);
  return {
    timestamp: (j.finishedAt ?? j.lastSampleAt ?? j.submittedAt).slice(0, 19), project_name: j.tags['project'] ?? j.name, run_id: j.id,
    experiment_id: j.name, duration: String(durationS), emissions: String(kg), emissions_rate: perSecond(kg),
    cpu_power: '', gpu_power: perSecond(j.figures.energyKWh * J_PER_KWH), ram_power: '', cpu_energy: '',
    gpu_energy: String(j.figures.energyKWh), ram_energy: '', energy_consumed: String(j.figures.energyKWh), water_consumed: '',
    country_name: '', country_iso_code: '', region: j.homeZone, cloud_provider: '', cloud_region: '', os: platform, python_version: '',
    codecarbon_version: '', cpu_count: '', cpu_model: '', gpu_count: String(j.gpus), gpu_model: '', longitude: '', latitude: '',
    ram_total_size: '', tracking_mode: 'carbond', cpu_utilization_percent: '', gpu_utilization_percent: '', ram_utilization_percent: '',
    ram_used_gb: '', on_cloud: 'N', pue: '1', wue: '',
  };
}

export function renderCodeCarbon(report: Report, platform = 'linux'): string {
  const lines = [csvLine(CODECARBON_COLUMNS)];
  for (const j of report.jobs) {
    const row = rowOf(j, platform);
    lines.push(csvLine(CODECARBON_COLUMNS.map((c) => row[c])));
  }
  return lines.join('\n') + '\n';
}
