/**
 * What really happened: the measured trace of a zone as a dense step series with prefix
 * sums, so the emissions of any running interval are two lookups. Emissions always use the
 * actual trace, never a forecast (issue 4). Gaps carry the previous value forward; before
 * the first and after the last interval the series is extended flat.
 */
import type { MeasuredSeries } from '../../forecasts/replay';

export class ActualIntensity {
  readonly startMs: number;
  readonly stepMs: number;
  /** Dense values, gaps filled. */
  readonly gPerKWh: Float64Array;
  /** cumulative[i] = Σ_{j<i} gPerKWh[j] · stepMs (g/kWh · ms). */
  private readonly cumulative: Float64Array;

  constructor(series: MeasuredSeries) {
    const n = series.startMs.length;
    if (n === 0) throw new RangeError(`zone ${series.zone}: the trace has no rows`);
    this.startMs = series.startMs[0]!;
    this.stepMs = series.stepMs;
    const count = Math.round((series.startMs[n - 1]! - this.startMs) / this.stepMs) + 1;
    this.gPerKWh = new Float64Array(count).fill(Number.NaN);
    for (let i = 0; i < n; i++) this.gPerKWh[Math.round((series.startMs[i]! - this.startMs) / this.stepMs)] = series.gPerKWh[i]!;
    for (let i = 1; i < count; i++) if (Number.isNaN(this.gPerKWh[i])) this.gPerKWh[i] = this.gPerKWh[i - 1]!;
    this.cumulative = new Float64Array(count + 1);
    for (let i = 0; i < count; i++) this.cumulative[i + 1] = this.cumulative[i]! + this.gPerKWh[i]! * this.stepMs;
  }

  get endMs(): number {
    return this.startMs + this.gPerKWh.length * this.stepMs;
  }

  /** ∫ intensity dt from the series start to `ms` (g/kWh · ms), flat outside the data. */
  private integralTo(ms: number): number {
    const n = this.gPerKWh.length;
    if (ms <= this.startMs) return (ms - this.startMs) * this.gPerKWh[0]!;
    if (ms >= this.endMs) return this.cumulative[n]! + (ms - this.endMs) * this.gPerKWh[n - 1]!;
    const i = Math.floor((ms - this.startMs) / this.stepMs);
    return this.cumulative[i]! + (ms - this.startMs - i * this.stepMs) * this.gPerKWh[i]!;
  }

  /**
   * Emissions of `powerW` running over `[fromMs, toMs)`, g.
   * @example 300 W for 1 h at a constant 200 g/kWh → 0.3 kWh × 200 = 60 g
   */
  emissionsG(powerW: number, fromMs: number, toMs: number): number {
    if (toMs <= fromMs) return 0;
    return (powerW * (this.integralTo(toMs) - this.integralTo(fromMs))) / 3_600_000 / 1000;
  }

  /** The measured value of the interval holding `ms`. */
  at(ms: number): number {
    const i = Math.min(this.gPerKWh.length - 1, Math.max(0, Math.floor((ms - this.startMs) / this.stepMs)));
    return this.gPerKWh[i]!;
  }
}
