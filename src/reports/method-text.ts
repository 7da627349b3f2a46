/**
 * The method and sources as plain sentences (term → text), shared by the HTML and the
 * Markdown report so both say exactly the same.
 */
import { energyText, massText, pctText, timeText } from './human';
import type { Report } from './model';

export function methodEntries(report: Report): Array<[string, string]> {
  const m = report.method;
  const b = m.basisShares;
  const providers = m.providers.length === 0 ? 'none (no energy priced)'
    : m.providers.map((p) => `${p.provider} (${p.type}, ${p.signal}, ${p.emissionFactor} emission factors): ${pctText(p.energySharePct)} of the energy`).join('; ');
  const factors = [...new Set(m.providers.map((p) => p.emissionFactor))];
  const sim = m.simulation.simulated
    ? `Yes: ${m.simulation.simulatedJobs} of ${m.simulation.jobs} jobs come from \`carbond simulate\` (tagged simulated=true): replayed intensity traces and modelled energy, not metered use.`
    : 'No: jobs run by the carbond daemon, energy from its meters.';
  const policies = m.policies.length === 0 ? 'not recorded (no plans in the ledger)'
    : m.policies.map((p) => `${p.policy} (${p.plans} plans, ${timeText(p.from)} to ${timeText(p.to)})`).join('; ');
  const config = Object.entries(m.config).map(([k, v]) => `${k} = ${v}`).join('; ') || 'defaults';
  return [
    ['Reporting basis', m.scope2],
    ['Baseline', m.baseline],
    ['Signal', `${m.signal.used.join(' + ') || 'none'} intensity, as the providers gave it${m.signal.requested ? ` (requested: ${m.signal.requested})` : ''}; never relabelled.`],
    ['Caveat', m.caveat],
    ['Emission factors', factors.length === 0 ? 'none' : factors.map((f) => f === 'not recorded' ? 'not recorded in the ledger for some providers (e.g. replayed traces): the basis is whatever the trace used' : f === 'direct' ? 'direct (combustion at the plant only)' : 'life-cycle (including upstream and construction)').join('; ') + '.'],
    ['Data providers (share of the energy priced)', providers],
    ['How the intensity was known', `measured ${pctText(b.measuredPct)}, forecast (provisional) ${pctText(b.forecastPct)}, estimated ${pctText(b.estimatedPct)}, unpriced ${pctText(b.unpricedPct)} of the energy.`],
    ['SCI', `${m.sci.formula}; functional unit: one ${m.sci.functionalUnit}. ${m.sci.perRunG === null ? 'No runs.' : `${massText(m.sci.perRunG)} per run over ${m.sci.runs} runs (total ${massText(report.totals.sciG)}).`} ${m.sci.embodiedConfigured ? 'M from the configured per-GPU embodied figure.' : 'Embodied emissions not configured (embodied.gpuKgCO2e), so M = 0.'}`],
    ['Simulation', sim],
    ['Scheduling policy', policies],
    ['Configuration', config],
    ['Energy', `${energyText(report.totals.energyKWh)} metered per job (overheads of pausing and resuming included: ${energyText(report.totals.overheadKWh)}).`],
  ];
}
