/**
 * "Method and sources": what every report says about how its figures were made — the
 * baseline, the signal as the providers gave it, the emission-factor basis, each provider's
 * share of the energy, measured / forecast / estimated shares, SCI's functional unit, the
 * configuration, whether the ledger is a simulation and which policy ran. Wording follows
 * GHG Protocol Scope 2 location-based reporting.
 */
import type { SourceShare, Tally } from '../accounting/tally';
import { tallySources } from '../accounting/tally';
import { PCT_DECIMALS, KWH_DECIMALS, round } from './figures';

/** `direct`: combustion at the plant only; `life-cycle`: plus upstream and construction; `not recorded`: the ledger cannot tell. */
export type EmissionFactorBasis = 'direct' | 'life-cycle' | 'not recorded';

/**
 * The basis of each provider type's numbers (their published methodology); the ledger stores
 * points, not the basis, so the report takes it from the configured provider's type.
 */
export const FACTOR_BASIS_OF_TYPE: Readonly<Record<string, EmissionFactorBasis>> = {
  'uk-carbon-intensity': 'direct', // NESO Carbon Intensity API: operational (direct) CO2 of generation
  'electricity-maps': 'life-cycle', // Electricity Maps' default emissionFactorType
  watttime: 'direct', // MOER: operating emissions of the marginal unit
};

/** A policy the ledger's plans were made by, with how many plans and when. */
export interface PolicyUse { policy: string; plans: number; from: string; to: string }

/** What the caller knows beyond the rows: provider types from the configuration, policies from the plans table, settings. */
export interface ReportMeta {
  /** Provider entry name → its `type` (from the configuration). */
  providerTypes?: Readonly<Record<string, string>>;
  policies?: readonly PolicyUse[];
  /** The settings that produced the report, printed as they are (no secrets). */
  config?: Readonly<Record<string, string>>;
}

export interface ProviderShare {
  provider: string;
  /** Configured type, `replay` for a simulation's traces, or `not configured`. */
  type: string;
  signal: string;
  emissionFactor: EmissionFactorBasis;
  energyKWh: number;
  /** Share of all priced energy (actual side), %. */
  energySharePct: number;
}

export interface Method {
  baseline: string;
  /** The signal(s) the figures are priced with, as the providers gave them. */
  signal: { requested: 'average' | 'marginal' | null; used: string[] };
  scope2: string;
  caveat: string;
  providers: ProviderShare[];
  /** Shares of the actual energy by how its intensity was known, %. */
  basisShares: { measuredPct: number; forecastPct: number; estimatedPct: number; unpricedPct: number };
  sci: { functionalUnit: 'training run'; runs: number; perRunG: number | null; embodiedConfigured: boolean; formula: string };
  simulation: { simulated: boolean; simulatedJobs: number; jobs: number };
  policies: PolicyUse[];
  config: Record<string, string>;
}

function typeOf(provider: string, meta: ReportMeta): string {
  return meta.providerTypes?.[provider] ?? (provider === 'replay' ? 'replay' : provider === 'none' ? 'none' : 'not configured');
}

function pctOf(part: number, whole: number): number {
  return whole > 0 ? round((part / whole) * 100, PCT_DECIMALS) : 0;
}

/** Provider shares of the energy, summed over bases (measured + forecast + estimated). */
function providerShares(sources: readonly SourceShare[], meta: ReportMeta): ProviderShare[] {
  const total = sources.reduce((s, x) => s + x.energyKWh, 0);
  const by = new Map<string, { provider: string; signal: string; energyKWh: number }>();
  for (const s of sources) {
    if (s.basis === 'missing') continue;
    const k = `${s.provider}|${s.signal}`;
    const e = by.get(k) ?? { provider: s.provider, signal: s.signal, energyKWh: 0 };
    e.energyKWh += s.energyKWh;
    by.set(k, e);
  }
  return [...by.values()].sort((a, b) => b.energyKWh - a.energyKWh).map((e) => {
    const type = typeOf(e.provider, meta);
    return { provider: e.provider, type, signal: e.signal, emissionFactor: FACTOR_BASIS_OF_TYPE[type] ?? 'not recorded', energyKWh: round(e.energyKWh, KWH_DECIMALS), energySharePct: pctOf(e.energyKWh, total) };
  });
}

export interface MethodInput {
  actual: Tally;
  requestedSignal: 'average' | 'marginal' | null;
  runs: number;
  sciPerRunG: number | null;
  embodiedConfigured: boolean;
  jobs: number;
  simulatedJobs: number;
  meta: ReportMeta;
}

/** The method and sources of a report. */
export function methodOf(input: MethodInput): Method {
  const sources = tallySources(input.actual);
  const total = input.actual.energyKWh;
  const of = (basis: SourceShare['basis']): number => pctOf(sources.filter((s) => s.basis === basis).reduce((s, x) => s + x.energyKWh, 0), total);
  const used = [...new Set(sources.filter((s) => s.basis !== 'missing').map((s) => s.signal))].sort();
  return {
    baseline: 'The same work (energy per step as measured, without pause and resume overheads) run from its submission time at its home site, never paused or moved, priced with the home zone’s intensity at those times. Avoided = baseline − actual; actual includes every overhead.',
    signal: { requested: input.requestedSignal, used },
    scope2: 'Emissions are location-based (GHG Protocol Scope 2 guidance): the energy each job used × the grid-average emission factor of the zone where it ran, at the time it ran. No market-based instruments (contracts, certificates) are applied.',
    caveat: used.includes('marginal')
      ? 'Marginal intensity estimates the emissions of the next kWh; it is not a Scope 2 inventory figure.'
      : 'Average intensity attributes the grid’s emissions to the energy used; “avoided” is the difference between two attributions, not a measured (consequential) reduction of the grid’s emissions, which would need marginal data.',
    providers: providerShares(sources, input.meta),
    basisShares: { measuredPct: of('measured'), forecastPct: of('forecast'), estimatedPct: of('estimated'), unpricedPct: of('missing') },
    sci: {
      functionalUnit: 'training run', runs: input.runs, perRunG: input.sciPerRunG, embodiedConfigured: input.embodiedConfigured,
      formula: 'SCI = (E × I + M) / R, R = one training run (a job, all its runs and overheads)',
    },
    simulation: { simulated: input.simulatedJobs > 0, simulatedJobs: input.simulatedJobs, jobs: input.jobs },
    policies: [...(input.meta.policies ?? [])],
    config: { ...(input.meta.config ?? {}) },
  };
}
