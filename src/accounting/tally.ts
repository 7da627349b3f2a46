/**
 * A running sum of energy and emissions that remembers where every gram came from
 * (DESIGN §6: every figure names its signal, its provider, and whether it is measured,
 * forecast or estimated).
 */

/** `measured`: published intensity; `forecast`: provisional until the measured value arrives;
 * `estimated`: no point covered the time, the nearest known value was used; `missing`: the zone has no data at all. */
export type IntensityBasis = 'measured' | 'forecast' | 'estimated' | 'missing';

/** Part of a figure priced with one signal from one provider on one basis. */
export interface SourceShare {
  signal: string;
  provider: string;
  basis: IntensityBasis;
  energyKWh: number;
  g: number;
}

export interface Tally {
  energyKWh: number;
  g: number;
  /** Grams priced with measured intensity (settled). */
  measuredG: number;
  /** Grams priced with forecasts: provisional until settled. */
  forecastG: number;
  /** Grams priced with the nearest known value where no point covered the time. */
  estimatedG: number;
  /** Energy that could not be priced at all (zone without any intensity point). */
  unpricedKWh: number;
  sources: Map<string, SourceShare>;
}

export function newTally(): Tally {
  return { energyKWh: 0, g: 0, measuredG: 0, forecastG: 0, estimatedG: 0, unpricedKWh: 0, sources: new Map() };
}

/** The key of a source in `Tally.sources`; callers in hot loops compute it once per segment. */
export function sourceKey(signal: string, provider: string, basis: IntensityBasis): string {
  return `${signal}|${provider}|${basis}`;
}

/** Adds `energyKWh` priced at `g` grams, on `basis`, from `provider`'s `signal`. */
export function addToTally(t: Tally, basis: IntensityBasis, provider: string, signal: string, energyKWh: number, g: number, key = sourceKey(signal, provider, basis)): void {
  t.energyKWh += energyKWh;
  t.g += g;
  if (basis === 'measured') t.measuredG += g;
  else if (basis === 'forecast') t.forecastG += g;
  else if (basis === 'estimated') t.estimatedG += g;
  else t.unpricedKWh += energyKWh;
  const share = t.sources.get(key);
  if (share) {
    share.energyKWh += energyKWh;
    share.g += g;
  } else {
    t.sources.set(key, { signal, provider, basis, energyKWh, g });
  }
}

/** Adds every figure and source of `from` into `into`. */
export function mergeTally(into: Tally, from: Tally): void {
  for (const s of from.sources.values()) addToTally(into, s.basis, s.provider, s.signal, s.energyKWh, s.g);
}

/** The sources, largest energy first. */
export function tallySources(t: Tally): SourceShare[] {
  return [...t.sources.values()].sort((a, b) => b.energyKWh - a.energyKWh || a.provider.localeCompare(b.provider));
}

/** `settled` when every gram is measured; `provisional` when any is forecast; `estimated` when any is estimated or unpriced. */
export function tallyStatus(t: Tally): 'settled' | 'provisional' | 'estimated' {
  if (t.estimatedG > 0 || t.unpricedKWh > 0) return 'estimated';
  if (t.forecastG > 0) return 'provisional';
  return 'settled';
}
