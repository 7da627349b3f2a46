/**
 * Choosing one value per interval start from everything known (DESIGN §3): a measured
 * value beats a forecast, a provider beats the static average, and among equals the
 * newest `issuedAt` wins. Points issued after `nowMs` are not known yet and are ignored.
 */
import type { IntensityPoint } from './types';

/** Higher is better: measured 3, provider forecast 2, static/estimated-yearly 1. */
function rank(p: IntensityPoint, staticProviders: ReadonlySet<string>): number {
  if (staticProviders.has(p.provider)) return 1;
  return p.kind === 'measured' ? 3 : 2;
}

/**
 * The best point per `startMs`, sorted by start.
 * @example measured 271 (issued 07:00) and forecast 264 (issued 06:00) for 06:00 → 271;
 *          forecast 300 (issued 05:00) and forecast 305 (issued 06:00) → 305.
 */
export function bestPerStart(points: readonly IntensityPoint[], nowMs: number, staticProviders: ReadonlySet<string> = new Set(['static'])): IntensityPoint[] {
  const best = new Map<number, IntensityPoint>();
  for (const p of points) {
    if (p.issuedAtMs > nowMs) continue;
    const cur = best.get(p.startMs);
    if (!cur) {
      best.set(p.startMs, p);
      continue;
    }
    const diff = rank(p, staticProviders) - rank(cur, staticProviders);
    if (diff > 0 || (diff === 0 && p.issuedAtMs > cur.issuedAtMs)) best.set(p.startMs, p);
  }
  return [...best.values()].sort((a, b) => a.startMs - b.startMs);
}

/** The static last resort as the series needs it: one estimated point over a range (`StaticProvider.pointFor`). */
export interface StaticEstimate {
  pointFor(zone: string, fromMs: number, durationMs: number, nowMs: number): IntensityPoint;
}

/**
 * The series in use for `[fromMs, toMs)` from the stored points `known` (those starting up to
 * an hour before `fromMs` included): the best point per start, or, when only static hours (or
 * nothing) are known, ONE static point over the whole range; [] when the zone has no average.
 */
export function seriesFrom(known: readonly IntensityPoint[], zone: string, fromMs: number, toMs: number, nowMs: number, staticProviders: ReadonlySet<string>, staticFallback: StaticEstimate | null): IntensityPoint[] {
  const best = bestPerStart(known.filter((p) => p.startMs + p.durationMs > fromMs && p.startMs < toMs), nowMs, staticProviders);
  if (best.some((p) => !staticProviders.has(p.provider)) || !staticFallback) return best;
  try {
    return [staticFallback.pointFor(zone, fromMs, toMs - fromMs, nowMs)];
  } catch {
    return [];
  }
}

/** How far before now `pointInUse` looks for a point that still covers now, ms. */
export const IN_USE_LOOKBACK_MS = 3 * 3_600_000;

/**
 * The point covering `nowMs` in the series in use (what the planner prices now, what status
 * and metrics show), or undefined. `known`: the stored points starting in `[now − 3 h, now + 1 h)`.
 */
export function pointInUse(known: readonly IntensityPoint[], zone: string, nowMs: number, staticProviders: ReadonlySet<string>, staticFallback: StaticEstimate | null): IntensityPoint | undefined {
  return seriesFrom(known, zone, nowMs - IN_USE_LOOKBACK_MS, nowMs + 3_600_000, nowMs, staticProviders, staticFallback)
    .filter((p) => p.startMs <= nowMs && nowMs < p.startMs + p.durationMs).at(-1);
}
