/**
 * The status contributor for energy (register in src/daemon/status/contributors.ts):
 * adds `energy` (see `StatusEnergy`) to `carbond status --json`, energy/emissions/avoided
 * fields to each running job's line, and a few lines for people. Light at the top: the
 * accounting code loads inside `contribute`.
 */
import type { StatusContributor } from '../daemon/status/contribute';
import type { StatusReport } from '../daemon/status/types';
import type { StatusEnergy } from './status';

type WithEnergy = StatusReport & { energy?: StatusEnergy };

function siteZonesOf(config: () => { sites: Readonly<Record<string, { zone: string }>> }): Record<string, string> {
  try {
    return Object.fromEntries(Object.entries(config().sites).map(([name, s]) => [name, s.zone]));
  } catch {
    return {}; // a broken config must not hide the figures: zones then come from the samples
  }
}

export const energyStatus: StatusContributor = {
  name: 'energy',
  contribute: (input, report) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { statusEnergy } = require('./status') as typeof import('./status');
    // Read-only (no daemon): zones come from the samples themselves, which saves loading
    // and validating the config on the `carbond status` fast path (bench:cli).
    const energy = statusEnergy(input.db, input.nowMs, input.live ? siteZonesOf(input.config) : {});
    (report as WithEnergy).energy = energy;
    const byId = new Map(energy.running.map((r) => [r.jobId, r]));
    for (const job of report.jobs) {
      const e = byId.get(job.id);
      if (e) Object.assign(job, { energyKWh: e.energyKWh, emissionsG: e.actualG, avoidedG: e.avoidedG, emissionsStatus: e.status });
    }
    if (energy.total.provisionalG > 0) report.notes.push(`${energy.total.provisionalG} g of emissions are provisional (priced with forecasts) until measured intensity is published`);
  },
  render: (report) => {
    const e = (report as WithEnergy).energy;
    if (!e) return [];
    const t = e.total;
    return [
      `energy since ${e.since.slice(0, 10)}: ${t.energyKWh} kWh, ${t.actualG} g emitted, ${t.avoidedG} g avoided${t.avoidedPct === null ? '' : ` (${t.avoidedPct}%)`} over ${t.jobs} jobs [${t.status}]`,
      ...e.running.map((r) => `  ${r.name} (${r.jobId}): ${r.energyKWh} kWh, ${r.actualG} g, avoided ${r.avoidedG} g [${r.status}]`),
    ];
  },
};
