/**
 * Small, total helpers for the `map` modules: reading untyped JSON without throwing
 * on odd shapes, and turning anything unusable into a `ProviderError`.
 */
import { ProviderError } from '../src/core/errors';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A reading as the API sent it: any JSON number (also ±Infinity, which `1e400` parses to), or
 * undefined (null, missing, strings). Non-finite readings are kept so the plausibility
 * check refuses them by name instead of dropping them like a null.
 */
export function reading(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** A finite number, or undefined (null, missing, NaN, strings). */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Parses an ISO-8601 UTC time (with or without seconds, `Z` or `+00:00`); undefined if unusable. */
export function timeMs(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A malformed or empty (`200 {}`) body: a soft, retryable-later provider failure. */
export function badShape(provider: string, what: string): ProviderError {
  return new ProviderError(`unexpected response: ${what}`, { provider, retryable: true });
}

/** Sorts points by start and keeps the last one seen for each start (duplicate windows). */
export function dedupeByStart<T extends { startMs: number; kind: string }>(points: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const p of points) byKey.set(`${p.kind}@${p.startMs}`, p);
  return [...byKey.values()].sort((a, b) => a.startMs - b.startMs || a.kind.localeCompare(b.kind));
}

/**
 * The usual spacing of a series, ms: the most common gap between consecutive starts,
 * or `fallbackMs` with fewer than two points.
 * @example starts 00:00, 01:00, 02:00, 05:00 → 3_600_000.
 */
export function typicalStepMs(startsMs: readonly number[], fallbackMs: number): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < startsMs.length; i++) {
    const gap = (startsMs[i] as number) - (startsMs[i - 1] as number);
    if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = fallbackMs;
  let bestCount = 0;
  for (const [gap, c] of counts) if (c > bestCount) [best, bestCount] = [gap, c];
  return best;
}
