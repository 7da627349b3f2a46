/**
 * One zone's intensity as a sequence of non-overlapping segments, resolved from every
 * stored point (DESIGN §6): measured beats forecast; a provider's own value beats its
 * modelled (`estimated`) one; then the preferred provider wins, then the latest issued. Pricing energy over an interval is
 * time-weighted across the segments it overlaps.
 */
import type { IntensityPoint } from '../../forecasts/types';
import { addToTally, sourceKey, type Tally } from './tally';

export interface Segment {
  startMs: number;
  endMs: number;
  gPerKWh: number;
  kind: 'measured' | 'forecast';
  /** What pricing with it is labelled: its kind, or `estimated` for a provider's modelled value (static yearly average, Electricity Maps `isEstimated`). */
  basis: 'measured' | 'forecast' | 'estimated';
  provider: string;
  signal: string;
  /** `sourceKey` of this segment priced as it is, and as the stand-in for an uncovered instant. */
  key: string;
  estimatedKey: string;
}

export interface ZoneTimeline {
  zone: string;
  segments: Segment[];
}

export interface TimelineOptions {
  /** The signal reports use; default `average`. A zone without it falls back to the other signal. */
  signal?: 'average' | 'marginal';
  /** Provider names, preferred first (a zone's configured fallback order). Others follow by name. */
  providerOrder?: readonly string[];
}

function better(a: IntensityPoint, b: IntensityPoint, rank: (p: string) => number): boolean {
  if (a.kind !== b.kind) return a.kind === 'measured';
  if (!a.estimated !== !b.estimated) return !a.estimated;
  const ra = rank(a.provider);
  const rb = rank(b.provider);
  if (ra !== rb) return ra < rb;
  return a.issuedAtMs > b.issuedAtMs;
}

/** Keeps one point per (kind, interval): the best by provider preference, then newest issue. */
function dedupe(points: readonly IntensityPoint[], rank: (p: string) => number): IntensityPoint[] {
  const best = new Map<string, IntensityPoint>();
  for (const p of points) {
    const key = `${p.kind}|${p.startMs}|${p.durationMs}`;
    const cur = best.get(key);
    if (!cur || better(p, cur, rank)) best.set(key, p);
  }
  return [...best.values()].sort((a, b) => a.startMs - b.startMs);
}

/** Sweeps the boundaries and keeps, between each pair, the best point covering it. */
function sweep(points: IntensityPoint[], rank: (p: string) => number): Segment[] {
  const bounds = [...new Set(points.flatMap((p) => [p.startMs, p.startMs + p.durationMs]))].sort((a, b) => a - b);
  const segments: Segment[] = [];
  let active: IntensityPoint[] = [];
  let next = 0;
  let lastChosen: IntensityPoint | null = null;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i] as number;
    const to = bounds[i + 1] as number;
    while (next < points.length && (points[next] as IntensityPoint).startMs <= from) active.push(points[next++] as IntensityPoint);
    active = active.filter((p) => p.startMs + p.durationMs > from);
    let chosen: IntensityPoint | null = null;
    for (const p of active) if (!chosen || better(p, chosen, rank)) chosen = p;
    if (!chosen) {
      lastChosen = null;
      continue;
    }
    const tail = segments[segments.length - 1];
    if (chosen === lastChosen && tail && tail.endMs === from) tail.endMs = to;
    else {
      const { gPerKWh, kind, provider, signal } = chosen;
      const basis = chosen.estimated ? 'estimated' : kind;
      segments.push({ startMs: from, endMs: to, gPerKWh, kind, basis, provider, signal, key: sourceKey(signal, provider, basis), estimatedKey: sourceKey(signal, provider, 'estimated') });
    }
    lastChosen = chosen;
  }
  return segments;
}

/** Builds a timeline per zone from every stored point. */
export function buildTimelines(points: readonly IntensityPoint[], options: TimelineOptions = {}): Map<string, ZoneTimeline> {
  const wanted = options.signal ?? 'average';
  const order = options.providerOrder ?? [];
  const rank = (p: string): number => (order.includes(p) ? order.indexOf(p) : order.length);
  const byZone = new Map<string, IntensityPoint[]>();
  for (const p of points) {
    const list = byZone.get(p.zone) ?? [];
    list.push(p);
    byZone.set(p.zone, list);
  }
  const out = new Map<string, ZoneTimeline>();
  for (const [zone, list] of [...byZone].sort(([a], [b]) => a.localeCompare(b))) {
    const same = list.filter((p) => p.signal === wanted);
    const chosen = same.length > 0 ? same : list;
    const names = [...new Set(chosen.map((p) => p.provider))].sort();
    const zoneRank = (p: string): number => rank(p) * 1000 + names.indexOf(p);
    out.set(zone, { zone, segments: sweep(dedupe(chosen, zoneRank), zoneRank) });
  }
  return out;
}

/** Index of the last segment starting at or before `t`, or -1. */
function segmentAt(segments: readonly Segment[], t: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((segments[mid] as Segment).startMs <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The segment whose value stands in for an uncovered instant: the previous one, else the next. */
function nearest(segments: readonly Segment[], i: number): Segment {
  return (segments[Math.max(0, i)] ?? segments[0]) as Segment;
}

/**
 * Prices `energyKWh`, spent evenly over `[startMs, startMs + durationMs)`, into `tally`,
 * time-weighted across the segments it overlaps.
 * @example 1 kWh over 10:15–10:45 with 200 g until 10:30 and 300 g after → 0.5 × 200 + 0.5 × 300 = 250 g
 */
export function priceEnergy(timeline: ZoneTimeline | undefined, startMs: number, durationMs: number, energyKWh: number, tally: Tally, signal = 'average'): void {
  const segs = timeline?.segments ?? [];
  if (segs.length === 0) {
    addToTally(tally, 'missing', 'none', signal, energyKWh, 0);
    return;
  }
  if (durationMs <= 0) {
    priceSlice(segs, startMs, 1, energyKWh, tally);
    return;
  }
  const endMs = startMs + durationMs;
  let t = startMs;
  while (t < endMs) {
    const i = segmentAt(segs, t);
    const seg = segs[i];
    let sliceEnd: number;
    if (seg && t < seg.endMs) sliceEnd = Math.min(endMs, seg.endMs);
    else sliceEnd = Math.min(endMs, segs[i + 1]?.startMs ?? endMs);
    priceSlice(segs, t, sliceEnd - t, (energyKWh * (sliceEnd - t)) / durationMs, tally);
    t = sliceEnd;
  }
}

function priceSlice(segs: readonly Segment[], t: number, _ms: number, kWh: number, tally: Tally): void {
  const i = segmentAt(segs, t);
  const seg = segs[i];
  if (seg && t < seg.endMs) {
    addToTally(tally, seg.basis, seg.provider, seg.signal, kWh, kWh * seg.gPerKWh, seg.key);
    return;
  }
  const near = nearest(segs, i);
  addToTally(tally, 'estimated', near.provider, near.signal, kWh, kWh * near.gPerKWh, near.estimatedKey);
}

/** The intensity at instant `t`, or undefined where no segment covers it (for charts). */
export function intensityAt(timeline: ZoneTimeline, t: number): Segment | undefined {
  const seg = timeline.segments[segmentAt(timeline.segments, t)];
  return seg && t < seg.endMs ? seg : undefined;
}
