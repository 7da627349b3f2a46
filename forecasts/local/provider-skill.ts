/**
 * How much to trust a provider's forecast against the local one, learnt per zone and lead
 * from the provider's own past issues (ADR 0008): DACF is far better than the local
 * forecaster at 24 h in DE and ERCOT and worse in CAISO, so one fixed weight is wrong for most
 * zones at most leads.
 *
 * For every issue of the last `providerSkillDays` days before the refit boundary, the issue
 * and the local forecast made at its issue time are compared with what was then measured,
 * per lead `h` (intervals after the issue time). The weight is the least-squares
 * combination of the two, with correlated errors:
 *
 *   w_h = (E[e_L²] − E[e_P·e_L]) / (E[e_P²] + E[e_L²] − 2·E[e_P·e_L]),  clipped to [0, 1]
 *
 * Where a lead has fewer than `providerSkillMinSamples` comparisons, `providerWeight` stays.
 * Worked example: e_P² = 100, e_L² = 400, e_P·e_L = 50 → w = 350 / 400 = 0.875.
 *
 * The weights use only issues issued and intervals ended before the boundary, so they are a
 * function of that history alone (cacheable, no peeking).
 */
import { MS_PER_DAY } from '../../src/core';
import { firstForecastStartMs, resample, type HistoryInput } from './grid';

/** One past issue of a provider's forecast. */
export interface ProviderIssue {
  readonly issuedAtMs: number;
  readonly forecast: HistoryInput;
}

/** A provider's past issues for one zone. */
export interface ProviderArchive {
  /** The issues with `fromMs <= issuedAtMs < toMs`, oldest first. */
  issuesBetween(fromMs: number, toMs: number): readonly ProviderIssue[];
}

export interface SkillInput {
  readonly history: HistoryInput;
  readonly archive: ProviderArchive;
  /** Issues before this and intervals ended by it are used. */
  readonly boundaryMs: number;
  readonly stepMs: number;
  /** Weights for leads 0..leads−1 (intervals after the issue). */
  readonly leads: number;
  readonly days: number;
  readonly minSamples: number;
  /** Weight where a lead has too few comparisons. */
  readonly fallback: number;
  /** The local forecast (no provider) as made at `issuedAtMs`, from its interval, at least `leads` intervals. */
  readonly localAt: (issuedAtMs: number) => { startMs: number; gPerKWh: Float64Array };
}

/** Per-lead provider weights (see the header); `fallback` everywhere when nothing is known. */
export function learnProviderWeights(s: SkillInput): Float64Array {
  const { stepMs, leads } = s;
  const pp = new Float64Array(leads);
  const ll = new Float64Array(leads);
  const pl = new Float64Array(leads);
  const n = new Float64Array(leads);
  for (const issue of s.archive.issuesBetween(s.boundaryMs - s.days * MS_PER_DAY, s.boundaryMs)) {
    const fromMs = firstForecastStartMs(issue.issuedAtMs, stepMs);
    const provider = resample(issue.forecast, fromMs, stepMs, leads + 1);
    const actual = resample(s.history, fromMs, stepMs, leads + 1, s.boundaryMs);
    const local = s.localAt(issue.issuedAtMs);
    for (let j = 0; j <= leads; j++) {
      const startMs = fromMs + j * stepMs;
      const h = Math.round((startMs + stepMs - issue.issuedAtMs) / stepMs) - 1;
      if (h < 0 || h >= leads) continue;
      const a = actual[j] as number;
      const f = provider[j] as number;
      const li = Math.round((startMs - local.startMs) / stepMs);
      const l = li >= 0 && li < local.gPerKWh.length ? (local.gPerKWh[li] as number) : NaN;
      if (Number.isNaN(a) || Number.isNaN(f) || Number.isNaN(l)) continue;
      const ep = f - a;
      const el = l - a;
      pp[h] = (pp[h] as number) + ep * ep;
      ll[h] = (ll[h] as number) + el * el;
      pl[h] = (pl[h] as number) + ep * el;
      n[h] = (n[h] as number) + 1;
    }
  }
  const w = new Float64Array(leads);
  for (let h = 0; h < leads; h++) {
    const den = (pp[h] as number) + (ll[h] as number) - 2 * (pl[h] as number);
    w[h] = (n[h] as number) < s.minSamples || !(den > 0) ? s.fallback : Math.min(1, Math.max(0, ((ll[h] as number) - (pl[h] as number)) / den));
  }
  return w;
}

/** The newest issue time among a provider input's forecast points (views carry it whole); undefined when unknown. */
export function issuedAtOf(provider: HistoryInput): number | undefined {
  if (!Array.isArray(provider)) {
    const v = provider as { issuedAtMs?: number };
    return typeof v.issuedAtMs === 'number' ? v.issuedAtMs : undefined;
  }
  let latest: number | undefined;
  for (const p of provider as readonly { kind?: string; issuedAtMs?: number }[]) {
    if (p.kind === 'forecast' && typeof p.issuedAtMs === 'number') latest = latest === undefined ? p.issuedAtMs : Math.max(latest, p.issuedAtMs);
  }
  return latest;
}
