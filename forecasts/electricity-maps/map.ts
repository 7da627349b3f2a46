/**
 * Electricity Maps v3 responses → canonical points. Values are gCO2eq/kWh already
 * (EMAPS_G_PER_KWH_PER_UNIT = 1), hourly by default; `datetime` is the START of the hour.
 * `carbonIntensity: null` points are dropped; `isEstimated` is kept as `estimated`; a body that
 * announces another unit (`units.carbonIntensity`, legacy v1) or holds an implausible value is refused.
 */
import { ProviderError } from '../../src/core/errors';
import { badShape, isObject, reading, timeMs, typicalStepMs, type Json } from '../map-util';
import { plausibleSeries } from '../plausibility';
import type { IntensityPoint, PointKind } from '../types';

export const EMAPS_G_PER_KWH_PER_UNIT = 1;
/** The one unit carbond reads, as Electricity Maps spells it when a body names its units. */
const EMAPS_UNIT = 'gCO2eq/kWh';
const HOUR_MS = 3_600_000;

export interface EmapsMapContext {
  provider: string;
  zone: string;
  fetchedAtMs: number;
}

function listOf(body: unknown, key: string, provider: string): Json[] {
  if (!isObject(body) || !Array.isArray(body[key])) throw badShape(provider, `no "${key}" list`);
  return (body[key] as unknown[]).filter(isObject);
}

/** Refuses a body whose `units.carbonIntensity` names anything but gCO2eq/kWh (absent = the v3 default). */
function checkUnits(body: unknown, provider: string): void {
  const units = isObject(body) && isObject(body['units']) ? body['units']['carbonIntensity'] : undefined;
  if (units !== undefined && units !== EMAPS_UNIT) throw new ProviderError(`units "${String(units)}" are not ${EMAPS_UNIT}`, { provider, retryable: false });
}

function toPoints(items: readonly Json[], kind: PointKind, issuedAtMs: (item: Json) => number, ctx: EmapsMapContext): IntensityPoint[] {
  const rows = items
    .map((item) => ({ item, startMs: timeMs(item['datetime']), g: reading(item['carbonIntensity']) }))
    .filter((r): r is { item: Json; startMs: number; g: number } => r.startMs !== undefined && r.g !== undefined);
  const stepMs = typicalStepMs(rows.map((r) => r.startMs).sort((a, b) => a - b), HOUR_MS);
  const points = rows.map((r): IntensityPoint => {
    const base = { zone: ctx.zone, startMs: r.startMs, durationMs: stepMs, gPerKWh: r.g * EMAPS_G_PER_KWH_PER_UNIT, kind, issuedAtMs: issuedAtMs(r.item), provider: ctx.provider, signal: 'average' as const };
    return r.item['isEstimated'] === true ? { ...base, estimated: true } : base;
  });
  return plausibleSeries(points, ctx.provider);
}

/** `/carbon-intensity/forecast`: `{zone, forecast: [{carbonIntensity, datetime}], updatedAt}`. */
export function mapEmapsForecast(body: unknown, ctx: EmapsMapContext): IntensityPoint[] {
  checkUnits(body, ctx.provider);
  const items = listOf(body, 'forecast', ctx.provider);
  const updatedMs = timeMs((body as Json)['updatedAt']) ?? ctx.fetchedAtMs;
  return toPoints(items, 'forecast', () => Math.min(updatedMs, ctx.fetchedAtMs), ctx);
}

/** `/history` (`history` list) and `/past-range` (`data` list): measured or estimated points. */
export function mapEmapsHistory(body: unknown, ctx: EmapsMapContext): IntensityPoint[] {
  checkUnits(body, ctx.provider);
  const key = isObject(body) && Array.isArray(body['history']) ? 'history' : 'data';
  return toPoints(listOf(body, key, ctx.provider), 'measured', () => ctx.fetchedAtMs, ctx);
}

/** `/latest`: one object for the current hour (usually estimated). */
export function mapEmapsLatest(body: unknown, ctx: EmapsMapContext): IntensityPoint[] {
  if (!isObject(body)) throw badShape(ctx.provider, 'latest is not an object');
  checkUnits(body, ctx.provider);
  return toPoints([body], 'measured', () => ctx.fetchedAtMs, ctx).map((p) => ({ ...p, durationMs: HOUR_MS }));
}

export interface ZoneInfo {
  zone: string;
  name: string;
  country?: string;
}

/** `/zones`: `{KEY: {zoneName, countryName?}}` → sorted list. */
export function mapEmapsZones(body: unknown, provider: string): ZoneInfo[] {
  if (!isObject(body)) throw badShape(provider, 'zones is not an object');
  return Object.entries(body)
    .filter((e): e is [string, Json] => isObject(e[1]))
    .map(([zone, v]) => {
      const name = typeof v['zoneName'] === 'string' ? v['zoneName'] : zone;
      return typeof v['countryName'] === 'string' ? { zone, name, country: v['countryName'] } : { zone, name };
    })
    .sort((a, b) => a.zone.localeCompare(b.zone));
}
