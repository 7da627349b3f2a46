/**
 * Slots and time-weighted resampling (DESIGN §5). The planner works on a grid of equal
 * slots (default 5 min); every zone's signal — points of any length, with gaps — is
 * resampled onto that grid before planning.
 */
import { MS_PER_MINUTE } from '../src/core/units';
import type { SlotSeries } from './types';

/** Default slot length: 5 minutes. */
export const DEFAULT_SLOT_MS = 5 * MS_PER_MINUTE;

/** The part of an intensity point the resampler needs (an `IntensityPoint` fits). */
export interface TimedValue {
  readonly startMs: number;
  readonly durationMs: number;
  readonly gPerKWh: number;
  readonly kind?: 'measured' | 'forecast';
}

/**
 * Start of the slot containing `ms`.
 * @example slotFloorMs(Date.parse('2021-07-01T10:07Z'), 300_000) === Date.parse('2021-07-01T10:05Z')
 */
export function slotFloorMs(ms: number, slotMs: number): number {
  return Math.floor(ms / slotMs) * slotMs;
}

/** Start of the first slot at or after `ms`. */
export function slotCeilMs(ms: number, slotMs: number): number {
  return Math.ceil(ms / slotMs) * slotMs;
}

export interface ResampleResult {
  series: SlotSeries;
  /** Slots no point covered; filled from the previous covered slot (or the next one at the start). */
  gapSlots: number;
}

/**
 * Resamples points onto `count` slots from `startMs`, time-weighted: each slot gets the
 * average of the values that cover it, weighted by the overlap. Points may have any length
 * and need not be sorted; where points overlap, they are averaged. Uncovered slots (gaps)
 * carry the previous slot's value forward (the first covered value backwards at the start).
 * A slot is marked `forecast` when any covering point is a forecast.
 * @example a 30-min point of 200 g from 10:00 and one of 100 g from 10:30, on 60-min slots
 *   from 10:00, give one slot of (200·30 + 100·30) / 60 = 150 g/kWh.
 */
export function resampleToSlots(zone: string, points: readonly TimedValue[], startMs: number, slotMs: number, count: number): ResampleResult {
  const sum = new Float64Array(count);
  const weight = new Float64Array(count);
  const forecast = new Array<boolean>(count).fill(false);
  const endMs = startMs + count * slotMs;
  for (const p of points) {
    const a = Math.max(p.startMs, startMs);
    const b = Math.min(p.startMs + p.durationMs, endMs);
    if (!(b > a) || !Number.isFinite(p.gPerKWh)) continue;
    const first = Math.floor((a - startMs) / slotMs);
    const last = Math.ceil((b - startMs) / slotMs) - 1;
    for (let i = first; i <= last; i++) {
      const sa = startMs + i * slotMs;
      const overlap = Math.min(b, sa + slotMs) - Math.max(a, sa);
      if (overlap <= 0) continue;
      sum[i] = (sum[i] as number) + overlap * p.gPerKWh;
      weight[i] = (weight[i] as number) + overlap;
      if (p.kind === 'forecast') forecast[i] = true;
    }
  }
  const values = new Array<number>(count);
  let gapSlots = 0;
  let previous = Number.NaN;
  for (let i = 0; i < count; i++) {
    const w = weight[i] as number;
    if (w > 0) previous = (sum[i] as number) / w;
    else gapSlots++;
    values[i] = previous;
  }
  const firstCovered = values.findIndex((v) => !Number.isNaN(v));
  if (firstCovered > 0) values.fill(values[firstCovered] as number, 0, firstCovered);
  return { series: { zone, startMs, slotMs, gPerKWh: values, forecast }, gapSlots };
}

/**
 * Expands a regular series (e.g. hourly values) onto finer slots without averaging:
 * slot i takes the value of the step that contains its start. Fast path for simulation.
 * @example expandRegular([100, 200], 3_600_000, 1_800_000) → [100, 100, 200, 200]
 */
export function expandRegular(values: ArrayLike<number>, stepMs: number, slotMs: number): number[] {
  const count = Math.floor((values.length * stepMs) / slotMs);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = values[Math.floor((i * slotMs) / stepMs)] as number;
  return out;
}

/** The value of `series` for the slot containing `ms`, or undefined outside it. */
export function valueAt(series: SlotSeries, ms: number): number | undefined {
  const i = Math.floor((ms - series.startMs) / series.slotMs);
  return i >= 0 && i < series.gPerKWh.length ? series.gPerKWh[i] : undefined;
}
