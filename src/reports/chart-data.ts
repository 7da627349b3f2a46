/**
 * The data behind the HTML charts, kept in the report model (so JSON carries it too):
 * intensity over time with the runs, cumulative actual vs baseline, avoided per month.
 */
import type { ZoneTimeline } from '../accounting/timeline';
import { MS_PER_DAY, MS_PER_HOUR } from '../core/units';
import { G_DECIMALS, round } from './figures';

export interface IntensityPointOut { zone: string; at: string; gPerKWh: number; kind: string }
/** A run drawn on the charts; `exitKind` says how it ended (`lost`, `killed`, …; null while it goes on). */
export interface RunSpan { jobId: string; job: string; site: string; zone: string; start: string; end: string; exitKind: string | null }
export interface CumulativePoint { at: string; actualG: number; baselineG: number }
export interface MonthFigure { month: string; actualG: number; baselineG: number; avoidedG: number }

export interface ChartData {
  intensity: IntensityPointOut[];
  runs: RunSpan[];
  cumulative: CumulativePoint[];
  avoidedByMonth: MonthFigure[];
}

/** Most intensity points per zone drawn; longer series are averaged into wider bins. */
export const MAX_INTENSITY_POINTS = 1500;

/** The zones' segments overlapping `[fromMs, toMs)`, averaged into bins when there are too many. */
export function intensitySeries(timelines: readonly ZoneTimeline[], fromMs: number, toMs: number): IntensityPointOut[] {
  const out: IntensityPointOut[] = [];
  for (const tl of timelines) {
    const segs = tl.segments.filter((s) => s.endMs > fromMs && s.startMs < toMs);
    const binMs = segs.length > MAX_INTENSITY_POINTS ? Math.ceil((toMs - fromMs) / MAX_INTENSITY_POINTS / MS_PER_HOUR) * MS_PER_HOUR : 0;
    if (binMs === 0) {
      for (const s of segs) out.push({ zone: tl.zone, at: new Date(s.startMs).toISOString(), gPerKWh: s.gPerKWh, kind: s.kind });
      continue;
    }
    const bins = new Map<number, { sum: number; n: number; forecast: boolean }>();
    for (const s of segs) {
      const k = Math.floor(s.startMs / binMs) * binMs;
      const b = bins.get(k) ?? { sum: 0, n: 0, forecast: false };
      b.sum += s.gPerKWh;
      b.n += 1;
      b.forecast ||= s.kind === 'forecast';
      bins.set(k, b);
    }
    for (const [k, b] of [...bins].sort(([a], [c]) => a - c)) {
      out.push({ zone: tl.zone, at: new Date(k).toISOString(), gPerKWh: round(b.sum / b.n, 1), kind: b.forecast ? 'forecast' : 'measured' });
    }
  }
  return out;
}

/** Bins grams by time (hourly; daily past 60 days) and accumulates both sides. */
export class CumulativeBins {
  private readonly actual = new Map<number, number>();
  private readonly baseline = new Map<number, number>();

  add(side: 'actual' | 'baseline', atMs: number, g: number): void {
    const hour = Math.floor(atMs / MS_PER_HOUR) * MS_PER_HOUR;
    const map = side === 'actual' ? this.actual : this.baseline;
    map.set(hour, (map.get(hour) ?? 0) + g);
  }

  points(): CumulativePoint[] {
    const keys = [...new Set([...this.actual.keys(), ...this.baseline.keys()])].sort((a, b) => a - b);
    if (keys.length === 0) return [];
    const spanMs = (keys[keys.length - 1] as number) - (keys[0] as number);
    const binMs = spanMs > 60 * MS_PER_DAY ? MS_PER_DAY : MS_PER_HOUR;
    const out: CumulativePoint[] = [];
    let a = 0;
    let b = 0;
    let lastBin = NaN;
    for (const k of keys) {
      a += this.actual.get(k) ?? 0;
      b += this.baseline.get(k) ?? 0;
      const bin = Math.floor(k / binMs) * binMs;
      const point = { at: new Date(bin).toISOString(), actualG: round(a, G_DECIMALS), baselineG: round(b, G_DECIMALS) };
      if (bin === lastBin) out[out.length - 1] = point;
      else out.push(point);
      lastBin = bin;
    }
    return out;
  }
}

/** UTC month of an instant, `YYYY-MM`. */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}
