/**
 * UK Carbon Intensity responses → canonical points. Values are already gCO2/kWh
 * (UK_G_PER_KWH_PER_UNIT = 1). Shapes handled:
 * - national: `{data: [{from, to, intensity: {forecast, actual, index}}]}`;
 * - regional window: `{data: {regionid, …, data: [windows]}}` (an OBJECT);
 * - regional current: `{data: [{regionid, …, data: [window]}]}` (an array of one region);
 * - `200 {}` and an empty `data` (outages) → a retryable `ProviderError`.
 * `actual: null` and a missing `actual` are the same; duplicate windows keep the last; an
 * implausible value or windows running backwards refuse the whole answer (../plausibility).
 */
import { badShape, isObject, reading, timeMs, type Json } from '../map-util';
import { plausibleSeries } from '../plausibility';
import type { IntensityPoint } from '../types';

/** The API's unit is already gCO2/kWh. */
export const UK_G_PER_KWH_PER_UNIT = 1;
const HALF_HOUR_MS = 1_800_000;

export interface UkMapContext {
  provider: string;
  zone: string;
  /** When the response was fetched: the `issuedAt` of every point, UTC ms. */
  fetchedAtMs: number;
}

/** The list of half-hour windows in any of the three shapes. */
export function ukWindows(body: unknown, provider: string): Json[] {
  if (!isObject(body) || !('data' in body)) throw badShape(provider, 'no "data" (an outage answers 200 {})');
  let data = body['data'];
  if (Array.isArray(data) && data.length > 0 && isObject(data[0]) && Array.isArray(data[0]['data'])) data = data[0];
  if (isObject(data) && Array.isArray(data['data'])) data = data['data'];
  if (!Array.isArray(data)) throw badShape(provider, '"data" is neither a window list nor a region');
  if (data.length === 0) throw badShape(provider, 'empty "data"');
  return data.filter(isObject);
}

/** Maps windows to points: one forecast point each, plus a measured one where `actual` is a number. */
export function mapUkWindows(windows: readonly Json[], ctx: UkMapContext): IntensityPoint[] {
  const out: IntensityPoint[] = [];
  for (const w of windows) {
    const startMs = timeMs(w['from']);
    const endMs = timeMs(w['to']);
    const intensity = w['intensity'];
    if (startMs === undefined || !isObject(intensity)) continue;
    const durationMs = endMs !== undefined && endMs > startMs ? endMs - startMs : HALF_HOUR_MS;
    const base = { zone: ctx.zone, startMs, durationMs, issuedAtMs: ctx.fetchedAtMs, provider: ctx.provider, signal: 'average' as const };
    const forecast = reading(intensity['forecast']);
    const actual = reading(intensity['actual']);
    if (forecast !== undefined) out.push({ ...base, kind: 'forecast', gPerKWh: forecast * UK_G_PER_KWH_PER_UNIT });
    if (actual !== undefined) out.push({ ...base, kind: 'measured', gPerKWh: actual * UK_G_PER_KWH_PER_UNIT });
  }
  return plausibleSeries(out, ctx.provider);
}

/**
 * Keeps windows that end after `fromMs` (drops the window that ends exactly at a boundary
 * `from`, the API's quirk) and start before `toMs`.
 */
export function clipWindows(points: readonly IntensityPoint[], fromMs: number, toMs = Infinity): IntensityPoint[] {
  return points.filter((p) => p.startMs + p.durationMs > fromMs && p.startMs < toMs);
}
