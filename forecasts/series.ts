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
