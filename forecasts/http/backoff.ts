/**
 * Retry timing: exponential backoff with full jitter, and `Retry-After` parsing.
 */

export interface BackoffOptions {
  /** First retry's ceiling, ms. Default 500. */
  baseMs: number;
  /** Ceiling of any one wait, ms. Default 30 000. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Wait before retry number `attempt` (0-based): `random × min(maxMs, baseMs × 2^attempt)`.
 * @example attempt 2, base 500 ms, random 0.5 → 0.5 × 2000 = 1000 ms.
 */
export function backoffMs(attempt: number, random: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
  return Math.round(random * ceiling);
}

/**
 * Parses a `Retry-After` header: delay-seconds or an HTTP-date. Returns ms to wait, or undefined.
 * @example '3' → 3000; 'Wed, 21 Oct 2015 07:28:00 GMT' at 07:27:00 → 60 000.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
