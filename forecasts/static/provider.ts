/**
 * The static last resort: one yearly average for the zone (or the entry's `country`).
 * It never pretends to be hourly: `forecast` returns ONE point spanning the whole horizon
 * (`STATIC_SPAN_MS`), labelled `provider: 'static'` (or the entry's name) and `estimated`.
 * Its stored kind is `forecast` (the ledger's kinds are measured | forecast) and it ranks below
 * any provider value; wherever it is shown it is an estimate (`figureKind` → 'estimated').
 */
import { ProviderError } from '../../src/core/errors';
import type { StaticSettings } from '../settings';
import type { ForecastProvider, IntensityPoint } from '../types';
import { yearlyAverage } from './table';

/** How far one static point reaches, ms (a week: longer than any provider horizon). */
export const STATIC_SPAN_MS = 7 * 86_400_000;
const HOUR_MS = 3_600_000;

export class StaticProvider implements ForecastProvider {
  readonly type = 'static' as const;
  readonly signal = 'average' as const;

  constructor(readonly name = 'static', private readonly settings: StaticSettings = { type: 'static' }) {}

  /** One point from the hour containing `nowMs`, `STATIC_SPAN_MS` long. */
  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    const startMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    return [this.pointFor(zone, startMs, STATIC_SPAN_MS, nowMs)];
  }

  /** One point spanning `[fromMs, toMs)`: the yearly average. */
  pointFor(zone: string, fromMs: number, durationMs: number, nowMs: number): IntensityPoint {
    const avg = yearlyAverage(this.settings.country ?? zone);
    if (!avg) throw new ProviderError(`no yearly average known for "${this.settings.country ?? zone}"`, { provider: this.name, retryable: false });
    return { zone, startMs: fromMs, durationMs, gPerKWh: avg.gPerKWh, kind: 'forecast', issuedAtMs: nowMs, provider: this.name, signal: 'average', estimated: true };
  }
}
