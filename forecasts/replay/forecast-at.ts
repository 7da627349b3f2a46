/**
 * What a simulated daemon would have believed about the future at `nowMs`, for
 * `carbond simulate`'s forecast modes (issue 4):
 * - `local`: the local forecaster fed by the measured history known at `nowMs`;
 * - `provider`: the newest forecast issued at or before `nowMs`, corrected and extended by
 *   the local forecaster past its horizon (the blend of `forecasts/local/blend.ts`);
 * - `perfect`: the future actuals (the upper bound; peeks on purpose).
 *
 * Memoised: a forecast only changes when a new measured interval ends or a new issue
 * appears, so re-planning every 5-min tick of a year costs one forecast per interval.
 */
import { MS_PER_DAY } from '../../src/core';
import { DEFAULT_LOCAL_PARAMS, forecastLocalValues, type LocalForecastValues, type LocalParams } from '../local/forecaster';
import { firstForecastStartMs, resample } from '../local/grid';
import { historyNeededMs } from '../local/model';
import type { ReplaySource } from './source';

export type ReplayForecastMode = 'local' | 'provider' | 'perfect';


export class ReplayForecaster {
  private readonly cache = new Map<string, LocalForecastValues>();
  private readonly historyMs: number;

  constructor(
    private readonly source: ReplaySource,
    private readonly mode: ReplayForecastMode,
    private readonly params?: Partial<LocalParams>,
  ) {
    this.historyMs = historyNeededMs({ ...DEFAULT_LOCAL_PARAMS, ...params });
  }

  /**
   * The zone's believed intensity from the interval holding `nowMs` until at least `untilMs`,
   * at the zone's resolution; NaN only where nothing at all is known.
   * @example at('GB', now, now + 30 * MS_PER_HOUR) → { startMs: ⌊now⌋, stepMs: 1 h, gPerKWh: [≥ 31 values] }
   */
  at(zone: string, nowMs: number, untilMs: number): LocalForecastValues {
    const stepMs = this.source.stepMs(zone);
    if (stepMs === undefined) throw new RangeError(`no trace for zone ${zone}`);
    const startMs = firstForecastStartMs(nowMs, stepMs);
    const steps = Math.max(1, Math.ceil((untilMs - startMs) / stepMs));
    if (this.mode === 'perfect') {
      const truth = this.source.truth(zone);
      return { startMs, stepMs, gPerKWh: truth ? resample(truth, startMs, stepMs, steps) : new Float64Array(steps).fill(NaN) };
    }
    const issue = this.mode === 'provider' ? this.source.forecastViewAt(zone, nowMs) : undefined;
    // Whole days of horizon, so that deadlines a few minutes apart share one forecast.
    const horizonMs = Math.ceil((steps * stepMs) / MS_PER_DAY) * MS_PER_DAY;
    const key = `${zone}|${startMs}|${issue?.issuedAtMs ?? ''}|${horizonMs}`;
    let v = this.cache.get(key);
    if (!v) {
      if (this.cache.size > 256) this.cache.clear();
      const history = this.source.measuredView(zone, startMs - this.historyMs, startMs, nowMs) ?? { zone, stepMs, startMs: new Float64Array(0), gPerKWh: new Float64Array(0) };
      v = forecastLocalValues({ history, providerForecast: issue, nowMs: startMs, horizonMs: horizonMs - 1, stepMs, params: this.params });
      this.cache.set(key, v);
    }
    return { startMs, stepMs, gPerKWh: v.gPerKWh.subarray(0, steps) };
  }
}
