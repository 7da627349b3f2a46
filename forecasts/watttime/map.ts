/**
 * WattTime v3 responses → canonical points. MOER/AOER come in pounds of CO2 per MWh:
 * g/kWh = lbs/MWh × 453.59237 g/lb ÷ 1000 kWh/MWh = lbs/MWh × 0.45359237.
 * @example 870 lbs/MWh × 0.45359237 = 394.625 g/kWh.
 * The signal-index is a percentile 0–100, NOT an intensity: it never becomes a point.
 */
import { ProviderError } from '../../src/core/errors';
import { badShape, isObject, num, reading, timeMs, type Json } from '../map-util';
import { plausibleSeries } from '../plausibility';
import type { IntensityPoint, PointKind, SignalKind } from '../types';

/** Grams per kWh for one lb per MWh. */
export const G_PER_KWH_PER_LBS_PER_MWH = 0.45359237;

export interface WattTimeMapContext {
  provider: string;
  zone: string;
  fetchedAtMs: number;
}

/** `co2_moer` → marginal, `co2_aoer` → average. */
export function wattTimeSignal(signalType: string): SignalKind {
  return signalType === 'co2_aoer' ? 'average' : 'marginal';
}

function metaOf(body: unknown, provider: string): { data: Json[]; meta: Json } {
  if (!isObject(body) || !Array.isArray(body['data'])) throw badShape(provider, 'no "data" list');
  return { data: (body['data'] as unknown[]).filter(isObject), meta: isObject(body['meta']) ? body['meta'] : {} };
}

function factorFor(meta: Json, provider: string): number {
  const units = meta['units'];
  if (units === undefined || units === 'lbs_co2_per_mwh') return G_PER_KWH_PER_LBS_PER_MWH;
  throw new ProviderError(`units "${String(units)}" are not an intensity in lbs_co2_per_mwh`, { provider, retryable: false });
}

/** `/v3/forecast` (kind forecast, issued at `meta.generated_at`) or `/v3/historical` (measured). */
export function mapWattTimeSeries(body: unknown, kind: PointKind, ctx: WattTimeMapContext): IntensityPoint[] {
  const { data, meta } = metaOf(body, ctx.provider);
  const factor = factorFor(meta, ctx.provider);
  const durationMs = (reading(meta['data_point_period_seconds']) ?? 300) * 1000;
  const issuedAtMs = kind === 'forecast' ? timeMs(meta['generated_at']) ?? ctx.fetchedAtMs : ctx.fetchedAtMs;
  const signal = wattTimeSignal(typeof meta['signal_type'] === 'string' ? meta['signal_type'] : 'co2_moer');
  const points: IntensityPoint[] = [];
  for (const d of data) {
    const startMs = timeMs(d['point_time']);
    const value = reading(d['value']);
    if (startMs === undefined || value === undefined) continue;
    points.push({ zone: ctx.zone, startMs, durationMs, gPerKWh: value * factor, kind, issuedAtMs, provider: ctx.provider, signal });
  }
  return plausibleSeries(points, ctx.provider);
}

/** `/v3/region-from-loc` → the region code. */
export function mapWattTimeRegion(body: unknown, provider: string): string {
  const region = isObject(body) ? body['region'] : undefined;
  if (typeof region !== 'string' || region === '') throw badShape(provider, 'region-from-loc without "region"');
  return region;
}

export interface SignalIndex {
  /** 0 = cleanest, 100 = dirtiest of the next 24 h. */
  percentile: number;
  pointTimeMs: number;
  region: string;
}

/** `/v3/signal-index` → the current percentile (units must be `percentile`). */
export function mapWattTimeSignalIndex(body: unknown, provider: string): SignalIndex {
  const { data, meta } = metaOf(body, provider);
  const first = data[0];
  const percentile = num(first?.['value']);
  const pointTimeMs = timeMs(first?.['point_time']);
  if (meta['units'] !== undefined && meta['units'] !== 'percentile') throw badShape(provider, `signal-index units "${String(meta['units'])}"`);
  if (percentile === undefined || pointTimeMs === undefined) throw badShape(provider, 'signal-index without a value');
  if (percentile < 0 || percentile > 100) throw badShape(provider, `signal-index percentile ${percentile} outside 0–100`);
  return { percentile, pointTimeMs, region: typeof meta['region'] === 'string' ? meta['region'] : '' };
}
