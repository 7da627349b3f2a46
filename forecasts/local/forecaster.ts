/**
 * The local forecaster (DESIGN §3 step 3): extends a zone's signal to any horizon from its
 * measured history, blended into the provider forecast where there is one. Pure: no I/O,
 * no clock — `nowMs` is an argument, and only history that had ended by `nowMs` is used, so
 * two histories identical up to `nowMs` give identical forecasts.
 */
import { MS_PER_DAY, MS_PER_HOUR } from '../../src/core';
import type { IntensityPoint, SignalKind } from '../types';
import { blendProvider, DEFAULT_BLEND_PARAMS, type BlendParams } from './blend';
import { firstForecastStartMs, historyLength, historyStepMs, resample, toGrid, type HistoryInput } from './grid';
import { DEFAULT_SEASONAL_PARAMS, lookbackSteps, seasonalForecast, type SeasonalParams } from './model';
import type { AnomalyFitCache } from './regression';
import { learnProviderWeights, type ProviderArchive } from './provider-skill';

export type LocalParams = SeasonalParams & BlendParams;
export const DEFAULT_LOCAL_PARAMS: LocalParams = Object.freeze({ ...DEFAULT_SEASONAL_PARAMS, ...DEFAULT_BLEND_PARAMS });

export interface LocalForecastInput {
  /** Measured history of the zone (any amount; the last 4 weeks are used). Points ending after `nowMs` are ignored. */
  readonly history: HistoryInput;
  /** The provider's forecast issued at or before `nowMs`, if any: blended in, corrected by its observed error. */
  readonly providerForecast?: HistoryInput;
  readonly nowMs: number;
  /** Forecast until at least `nowMs + horizonMs`. */
  readonly horizonMs: number;
  /** Output interval length; default the history's (else the provider's, else 60 min). */
  readonly stepMs?: number;
  /** Zone label of the output; default the history's. */
  readonly zone?: string;
  readonly signal?: SignalKind;
  readonly params?: Partial<LocalParams>;
  /** Keeps the anomaly regression's fit and the learnt provider weights between calls on the same history (one per zone). */
  readonly fitCache?: AnomalyFitCache;
  /** The provider's past issues: with them, its weight in the blend is learnt per lead (`provider-skill.ts`). */
  readonly providerArchive?: ProviderArchive;
}

/** The forecast as typed arrays: interval `j` is `[startMs + j·stepMs, …)`. */
export interface LocalForecastValues {
  readonly startMs: number;
  readonly stepMs: number;
  readonly gPerKWh: Float64Array;
}

function zoneOf(h: HistoryInput | undefined): string | undefined {
  if (!h) return undefined;
  return Array.isArray(h) ? (h as readonly IntensityPoint[])[0]?.zone : (h as { zone: string }).zone;
}

/** Without any history: the provider's values, its last day repeated past its horizon (NaN if no provider). */
function providerOnly(provider: HistoryInput | undefined, startMs: number, stepMs: number, steps: number): Float64Array {
  const out = provider ? resample(provider, startMs, stepMs, steps) : new Float64Array(steps).fill(NaN);
  const spd = Math.max(1, Math.round(MS_PER_DAY / stepMs));
  for (let j = 0; j < steps; j++) if (Number.isNaN(out[j]) && j >= spd) out[j] = out[j - spd] as number;
  return out;
}

/**
 * The forecast values from the interval holding `nowMs` to `nowMs + horizonMs`.
 * @example forecastLocalValues({ history, nowMs: Date.parse('2022-03-01T10:20Z'), horizonMs: 72 * MS_PER_HOUR })
 *          → startMs = 10:00, stepMs = 1 h, 73 values
 */
export function forecastLocalValues(input: LocalForecastInput): LocalForecastValues {
  const p: LocalParams = { ...DEFAULT_LOCAL_PARAMS, ...input.params };
  const stepMs = input.stepMs ?? historyStepMs(input.history) ?? (input.providerForecast && historyStepMs(input.providerForecast)) ?? MS_PER_HOUR;
  const startMs = firstForecastStartMs(input.nowMs, stepMs);
  const steps = Math.max(1, Math.ceil((input.nowMs + input.horizonMs - startMs) / stepMs));
  const grid = toGrid(input.history, input.nowMs, stepMs, lookbackSteps(stepMs, p));
  const hasHistory = historyLength(input.history) > 0 && grid.values.some((v) => !Number.isNaN(v));
  if (!hasHistory) return { startMs, stepMs, gPerKWh: providerOnly(input.providerForecast, startMs, stepMs, steps) };
  const values = seasonalForecast(grid, steps, p, input.fitCache);
  if (input.providerForecast && historyLength(input.providerForecast) > 0) {
    const weights = input.providerArchive ? providerWeights(input, input.providerArchive, p, stepMs, grid.endMs) : undefined;
    blendProvider(values, grid, input.providerForecast, p, weights);
  }
  return { startMs, stepMs, gPerKWh: values };
}

/**
 * The provider's learnt per-lead weights at the refit boundary before `endMs` (daily by
 * default), from the cache when it holds them. The local backtests at each past issue time
 * are kept in the cache too, so each new day costs one local forecast, not one per issue.
 */
function providerWeights(input: LocalForecastInput, archive: ProviderArchive, p: LocalParams, stepMs: number, endMs: number): Float64Array {
  const refitMs = Math.max(stepMs, p.regressionRefitHours * MS_PER_HOUR);
  const boundaryMs = Math.floor(endMs / refitMs) * refitMs;
  const leads = Math.max(1, Math.round((p.providerSkillLeadHours * MS_PER_HOUR) / stepMs));
  const cache = input.fitCache;
  const key = `${boundaryMs}|${stepMs}|${JSON.stringify(p)}`;
  if (cache?.weights && cache.weightsKey === key) return cache.weights;
  const backtests = cache ? (cache.backtests ??= new Map()) : new Map<number, LocalForecastValues>();
  const backtestFits: AnomalyFitCache = {};
  const localAt = (issuedAtMs: number): LocalForecastValues => {
    const hit = backtests.get(issuedAtMs);
    if (hit && hit.stepMs === stepMs && hit.gPerKWh.length > leads) return hit;
    const v = forecastLocalValues({ history: input.history, nowMs: issuedAtMs, horizonMs: (leads + 1) * stepMs, stepMs, params: p, fitCache: backtestFits });
    backtests.set(issuedAtMs, v);
    return v;
  };
  const weights = learnProviderWeights({
    history: input.history, archive, boundaryMs, stepMs, leads, days: p.providerSkillDays, minSamples: p.providerSkillMinSamples, fallback: p.providerWeight, localAt,
  });
  if (cache) {
    for (const t of backtests.keys()) if (t < boundaryMs - p.providerSkillDays * MS_PER_DAY) backtests.delete(t);
    cache.weights = weights;
    cache.weightsKey = key;
  }
  return weights;
}

function toPoints(v: LocalForecastValues, zone: string, nowMs: number, signal: SignalKind, fromIndex = 0): IntensityPoint[] {
  const out: IntensityPoint[] = [];
  for (let j = fromIndex; j < v.gPerKWh.length; j++) {
    const g = v.gPerKWh[j] as number;
    if (Number.isNaN(g)) continue;
    out.push({ zone, startMs: v.startMs + j * v.stepMs, durationMs: v.stepMs, gPerKWh: g, kind: 'forecast', issuedAtMs: nowMs, provider: 'local', signal });
  }
  return out;
}

/**
 * The local forecast as canonical points (`provider: 'local'`, `kind: 'forecast'`,
 * `issuedAtMs: nowMs`), from the interval holding `nowMs` to `nowMs + horizonMs`.
 * Empty when there is neither history nor a provider forecast.
 */
export function forecastLocal(input: LocalForecastInput): IntensityPoint[] {
  const zone = input.zone ?? zoneOf(input.history) ?? zoneOf(input.providerForecast) ?? '';
  return toPoints(forecastLocalValues(input), zone, input.nowMs, input.signal ?? 'average');
}

/**
 * Extends `known` (a provider forecast, kept as given) with local points from the end of its
 * last interval until `untilMs`; the local part is blended with `known` so it continues
 * from where the provider left off. With `known` empty this is the local forecast from now.
 * @example extendSeries(uk48h, now, now + 7 days, history) → the 48 h of `uk48h`, then 120 h of `local`
 */
export function extendSeries(known: readonly IntensityPoint[], nowMs: number, untilMs: number, history: HistoryInput, params?: Partial<LocalParams>, extra: { fitCache?: AnomalyFitCache; providerArchive?: ProviderArchive } = {}): IntensityPoint[] {
  const sorted = [...known].sort((a, b) => a.startMs - b.startMs);
  const lastEndMs = sorted.reduce((m, pt) => Math.max(m, pt.startMs + pt.durationMs), -Infinity);
  if (lastEndMs >= untilMs) return sorted;
  const stepMs = historyStepMs(history) ?? sorted[0]?.durationMs ?? MS_PER_HOUR;
  const v = forecastLocalValues({ history, providerForecast: sorted.length > 0 ? sorted : undefined, nowMs, horizonMs: untilMs - nowMs, stepMs, params, ...extra });
  const fromIndex = Number.isFinite(lastEndMs) ? Math.max(0, Math.ceil((lastEndMs - v.startMs) / v.stepMs)) : 0;
  const zone = sorted[0]?.zone ?? zoneOf(history) ?? '';
  return [...sorted, ...toPoints(v, zone, nowMs, sorted[0]?.signal ?? 'average', fromIndex)];
}
