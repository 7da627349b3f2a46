/**
 * CodeCarbon-compatible `emissions.csv` (one row per job, as CodeCarbon writes one row
 * per tracked run). Units as CodeCarbon's: duration s, emissions kg CO2eq, emissions_rate
 * kg/s, power W, energy kWh. Fields carbond does not know are left empty.
 */
import { csvLine } from './csv';
import type { Report } from './model';

export const CODECARBON_COLUMNS = [
  'timestamp', 'project_name', 'run_id', 'experiment_id', 'duration', 'emissions', 'emissions_rate', 'cpu_power', 'gpu_power', 'ram_power',
  'cpu_energy', 'gpu_energy', 'ram_energy', 'energy_consumed', 'country_name', 'country_iso_code', 'region', 'cloud_provider', 'cloud_region',
  'os', 'python_version', 'codecarbon_version', 'cpu_count', 'cpu_model', 'gpu_count', 'gpu_model', 'longitude', 'latitude', 'ram_total_size',
  'tracking_mode', 'on_cloud', 'pue',
] as const;

export function renderCodeCarbon(report: Report, platform = 'linux'): string {
  const lines = [csvLine(CODECARBON_COLUMNS)];
  for (const j of report.jobs) {
    const start = j.firstSampleAt ? Date.parse(j.firstSampleAt) : Date.parse(j.submittedAt);
    const end = j.lastSampleAt ? Date.parse(j.lastSampleAt) : start;
    const durationS = (end - start) / 1000;
    const kg = j.figures.actualG / 1000;
    const row: Record<(typeof CODECARBON_COLUMNS)[number], string> = {
      timestamp: (j.finishedAt ?? j.lastSampleAt ?? j.submittedAt).slice(0, 19), project_name: j.tags['project'] ?? j.name, run_id: j.id,
      experiment_id: j.name, duration: String(durationS), emissions: String(kg), emissions_rate: String(durationS > 0 ? kg / durationS : 0),
      cpu_power: '', gpu_power: String(durationS > 0 ? (j.figures.energyKWh * 3.6e6) / durationS : 0), ram_power: '', cpu_energy: '',
      gpu_energy: String(j.figures.energyKWh), ram_energy: '', energy_consumed: String(j.figures.energyKWh), country_name: '',
      country_iso_code: '', region: j.homeZone, cloud_provider: '', cloud_region: '', os: platform, python_version: '',
      codecarbon_version: '', cpu_count: '', cpu_model: '', gpu_count: String(j.gpus), gpu_model: '', longitude: '', latitude: '',
      ram_total_size: '', tracking_mode: 'carbond', on_cloud: 'N', pue: '1',
    };
    lines.push(csvLine(CODECARBON_COLUMNS.map((c) => row[c])));
  }
  return lines.join('\n') + '\n';
}
