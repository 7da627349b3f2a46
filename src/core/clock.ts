/**
 * The one clock. This module is the only place in carbond that reads wall time
 * (CONVENTIONS §2): everything else takes `now` (UTC epoch ms) or a `Clock`.
 */
export interface Clock {
  /** Current time as UTC epoch milliseconds. */
  now(): number;
}

/** The real wall clock. */
export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
});

/**
 * A clock that only moves when told to: for tests and for `carbond simulate`.
 * @example const c = new ManualClock(Date.parse('2021-01-01T00:00:00Z')); c.advance(5 * 60_000);
 */
export class ManualClock implements Clock {
  private current: number;

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` (must be ≥ 0: time never runs backwards). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`ManualClock cannot go backwards (advance ${ms} ms)`);
    this.current += ms;
  }

  /** Sets the clock to `ms`, which must not be earlier than the current time. */
  set(ms: number): void {
    if (ms < this.current) throw new RangeError(`ManualClock cannot go backwards (${ms} < ${this.current})`);
    this.current = ms;
  }
}

/**
 * A clock that runs `factor` times faster than wall time from a chosen origin: the demo
 * replays a day of carbon signal in minutes with a real daemon and a real trainer.
 * @example scaledClock(Date.parse('2021-06-01T00:00:00Z'), 600) // 1 s of wall time = 10 min
 */
export function scaledClock(originMs: number, factor: number, base: Clock = systemClock): Clock {
  if (!(factor > 0)) throw new RangeError(`time scale must be > 0 (got ${factor})`);
  const wallOriginMs = base.now();
  return { now: (): number => originMs + (base.now() - wallOriginMs) * factor };
}

/** ISO-8601 UTC rendering of an epoch-ms time, e.g. `2026-11-29T03:00:00.000Z`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}
