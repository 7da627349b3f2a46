/**
 * The status contributor for energy (register in src/daemon/status/contributors.ts):
 * adds `energy` (see `StatusEnergy`) to `carbond status --json`, energy/emissions/avoided
 * fields to each running job's line, and a few lines for people. Light at the top: the
 * accounting code loads inside `contribute`.
 */
import type { StatusContributor, StatusInput } from '../daemon/status/contribute';
import type { StatusReport } from '../daemon/status/types';
import type { StatusEnergy } from './status';

type WithEnergy = StatusReport & { energy?: StatusEnergy };

/** `850 g`, `12.3 kg`, `4.56 t`. */
export function grams(g: number): string {
  if (Math.abs(g) >= 1_000_000) return `${(g / 1_000_000).toFixed(2)} t`;
  if (Math.abs(g) >= 1_000) return `${(g / 1_000).toFixed(1)} kg`;
  return `${Math.round(g)} g`;
}

/** `0.42 kWh`, `12.3 kWh`, `1.2 MWh`. */
export function kWh(v: number): string {
  if (Math.abs(v) >= 1_000) return `${(v / 1_000).toFixed(1)} MWh`;
  return `${v >= 10 ? v.toFixed(1) : v.toFixed(2)} kWh`;
}

/**
 * Additive fields for people: each job's newest planned action (`nextAction`) and when its
 * step was reported (`stepAt`), the newest plan's `nextWakeAt`, and, read from a ledger
 * without a daemon, `history`: the ledger's own zones and newest jobs (a simulation's).
 */
function addPlanAndHistory(input: StatusInput, report: StatusReport): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const q = require('../ledger/status-queries') as typeof import('../ledger/status-queries');
  const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
  const ids = report.jobs.map((j) => j.id);
  const decisions = q.latestDecisions(input.db, ids);
  const stepAt = q.lastProgressAt(input.db, ids);
  for (const job of report.jobs) {
    const d = decisions.get(job.id);
    job['nextAction'] = d ? { at: iso(d.atMs), action: d.action, site: d.site, reason: d.reason } : null;
    job['stepAt'] = iso(stepAt.get(job.id));
  }
  (report as StatusReport & { nextWakeAt?: string | null }).nextWakeAt = iso(q.nextWakeAt(input.db));
  if (input.live) return;
  (report as StatusReport & { history?: unknown }).history = {
    zones: q.ledgerZones(input.db).map((z) => ({ zone: z.zone, provider: z.provider, lastPointAt: iso(z.lastPointMs), gPerKWh: z.gPerKWh, kind: z.estimated ? 'estimated' : z.kind })),
    recentJobs: q.recentJobs(input.db).map((j) => ({ id: j.id, name: j.name, owner: j.owner, state: j.state, site: j.homeSite, submittedAt: iso(j.submittedAtMs), stateAt: iso(j.stateAtMs), tags: j.tags })),
  };
}

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
    try {
      addPlanAndHistory(input, report);
    } catch (err) {
      report.notes.push(`status part "plan" failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  },
  // Each running job's figures are columns of the jobs table (src/cli/commands/status-render.ts).
  render: (report) => {
    const e = (report as WithEnergy).energy;
    if (!e) return [];
    const t = e.total;
    const avoided = `${grams(t.avoidedG)} avoided${t.avoidedPct === null ? '' : ` (${t.avoidedPct} %)`}`;
    return [`Energy since ${e.since.slice(0, 10)}: ${t.jobs} ${t.jobs === 1 ? 'job' : 'jobs'}, ${kWh(t.energyKWh)}, ${grams(t.actualG)} CO2e emitted, ${avoided} [${t.status}]`];
  },
};
