/**
 * The signal as the simulated daemon sees it at simulated time `nowMs` (DESIGN §3): measured
 * intervals that had ended by `nowMs`, forecast issues with `issuedAt <= nowMs`, extended to
 * each deadline by the local forecaster. Nothing later is ever read (no peeking), except in
 * `perfect` mode, which gives the planner the future actuals on purpose (the upper bound).
 */
import { firstForecastStartMs, forecastLocalValues, resample, type AnomalyFitCache, type LocalParams } from '../../forecasts/local';
import { issueArchive, issueAt, lowerBound, upperBound, type ForecastIssues, type MeasuredSeries } from '../../forecasts/replay';
import type { SlotSeries } from '../../scheduler';

/**
 * `perfect`: future actuals; `local`: the local forecaster on past measurements only;
 * `file`: the zone's forecast file blended and corrected by the local forecaster;
 * `trust`: the forecast file as given (extended by `local` past its horizon) — the reference row.
 */
export type SignalMode = 'perfect' | 'local' | 'file' | 'trust';

export interface ZoneSignal {
  readonly measured: MeasuredSeries;
  /** Forecast issues for `file`/`trust`; zones without one fall back to `local`. */
  readonly forecasts?: ForecastIssues;
}

interface Values {
  startMs: number;
  stepMs: number;
  values: Float64Array;
}

/** Fills NaN runs from the previous value (the next one at the start). False when all are NaN. */
function fillGaps(v: Float64Array): boolean {
  let last = Number.NaN;
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v[i])) v[i] = last;
    else last = v[i]!;
  }
  const first = v.findIndex((x) => !Number.isNaN(x));
  if (first < 0) return false;
  v.fill(v[first]!, 0, first);
  return true;
}

/**
 * Planning under forecast error: the further ahead, the less a forecast's deviation from the
 * coming day's mean is trusted. `v' = m + (v − m) · exp(−lead / tau)`, m = mean of the next 24 h.
 * Counters the optimiser's curse (the slots a planner picks for their low forecast are, on
 * average, the ones whose forecast erred low).
 * @example m = 200, v = 150 at lead 24 h, tau = 48 h → 200 − 50 · e^−0.5 = 169.7 g/kWh
 */
export function shrinkTowardsMean(values: Float64Array, startMs: number, stepMs: number, nowMs: number, tauMs: number): void {
  const day = Math.max(1, Math.min(values.length, Math.round(86_400_000 / stepMs)));
  let m = 0;
  for (let i = 0; i < day; i++) m += values[i]!;
  m /= day;
  for (let i = 0; i < values.length; i++) {
    const lead = Math.max(0, startMs + i * stepMs - nowMs);
    values[i] = m + (values[i]! - m) * Math.exp(-lead / tauMs);
  }
}

/** Rounds horizons up so that consecutive ticks reuse one forecast. */
const HORIZON_QUANTUM_MS = 24 * 3_600_000;

export class SimSignal {
  private readonly cache = new Map<string, { key: string; untilMs: number; v: Values | undefined }>();
  /** The local forecaster's regression fit and learnt provider weights per zone, reused until the next refit boundary. */
  private readonly fitCaches = new Map<ZoneSignal, AnomalyFitCache>();

  constructor(
    private readonly zones: ReadonlyMap<string, ZoneSignal>,
    readonly mode: SignalMode,
    private readonly localParams?: Partial<LocalParams>,
    private readonly shrinkTauMs?: number,
  ) {}

  /** The zone's values as known at `nowMs`, from the interval holding `nowMs` to at least `untilMs`. */
  knownValues(zone: string, nowMs: number, untilMs: number): Values | undefined {
    const z = this.zones.get(zone);
    if (!z) return undefined;
    const stepMs = z.measured.stepMs;
    const issue = z.forecasts ? upperBound(z.forecasts.issuedAtMs, nowMs) : -1;
    const known = upperBound(z.measured.startMs, nowMs - stepMs);
    const key = `${this.mode === 'perfect' ? Math.floor(nowMs / stepMs) : known}|${issue}|${firstForecastStartMs(nowMs, stepMs)}`;
    const hit = this.cache.get(zone);
    if (hit && hit.key === key && hit.untilMs >= untilMs) return hit.v;
    const until = nowMs + Math.ceil((untilMs - nowMs) / HORIZON_QUANTUM_MS + 1e-9) * HORIZON_QUANTUM_MS;
    const v = this.compute(z, nowMs, until);
    this.cache.set(zone, { key, untilMs: until, v });
    return v;
  }

  private compute(z: ZoneSignal, nowMs: number, untilMs: number): Values | undefined {
    const stepMs = z.measured.stepMs;
    const startMs = firstForecastStartMs(nowMs, stepMs);
    const steps = Math.max(1, Math.ceil((untilMs - startMs) / stepMs));
    let values: Float64Array;
    if (this.mode === 'perfect') {
      values = resample(z.measured, startMs, stepMs, steps);
    } else {
      const provider = this.mode !== 'local' && z.forecasts ? issueAt(z.forecasts, nowMs) : undefined;
      let fitCache = this.fitCaches.get(z);
      if (!fitCache) this.fitCaches.set(z, (fitCache = {}));
      const local = forecastLocalValues({
        history: z.measured, nowMs, horizonMs: untilMs - nowMs, stepMs, fitCache,
        ...(provider && this.mode === 'file' && z.forecasts ? { providerForecast: provider, providerArchive: issueArchive(z.forecasts) } : {}),
        ...(this.localParams ? { params: this.localParams } : {}),
      });
      values = local.gPerKWh.length >= steps ? local.gPerKWh.slice(0, steps) : Float64Array.from({ length: steps }, (_, i) => local.gPerKWh[Math.min(i, local.gPerKWh.length - 1)]!);
      if (provider && this.mode === 'trust') {
        const raw = resample(provider, startMs, stepMs, steps);
        for (let i = 0; i < steps; i++) if (!Number.isNaN(raw[i])) values[i] = raw[i]!;
      }
    }
    if (!fillGaps(values)) return undefined;
    if (this.shrinkTauMs !== undefined && this.mode !== 'perfect') shrinkTowardsMean(values, startMs, stepMs, nowMs, this.shrinkTauMs);
    return { startMs, stepMs, values };
  }

  /** The zone's signal on `slotMs` slots from the slot holding `nowMs` to `untilMs`. */
  slotSeries(zone: string, nowMs: number, untilMs: number, slotMs: number): SlotSeries | undefined {
    const v = this.knownValues(zone, nowMs, untilMs);
    if (!v) return undefined;
    const startMs = Math.floor(nowMs / slotMs) * slotMs;
    const count = Math.max(1, Math.ceil((untilMs - startMs) / slotMs));
    const out = new Array<number>(count);
    const last = v.values.length - 1;
    for (let i = 0; i < count; i++) {
      const j = Math.floor((startMs + i * slotMs - v.startMs) / v.stepMs);
      out[i] = v.values[j < 0 ? 0 : j > last ? last : j]!;
    }
    return { zone, startMs, slotMs, gPerKWh: out };
  }

  /** When something new becomes known after `nowMs`: a measured interval ends or a forecast is issued. */
  nextArrivalMs(nowMs: number): number {
    let next = Infinity;
    for (const z of this.zones.values()) {
      const m = z.measured;
      const i = lowerBound(m.startMs, nowMs - m.stepMs + 1);
      if (i < m.startMs.length) next = Math.min(next, m.startMs[i]! + m.stepMs);
      if (z.forecasts && this.mode !== 'perfect' && this.mode !== 'local') {
        const k = upperBound(z.forecasts.issuedAtMs, nowMs);
        if (k < z.forecasts.issuedAtMs.length) next = Math.min(next, z.forecasts.issuedAtMs[k]!);
      }
    }
    return next;
  }
}
