/**
 * The Carbon Aware SDK provider: forecast from `emissions/forecasts/current`, history from
 * `emissions/bylocations`. The signal depends on the SDK's data source (entry `signal`,
 * default marginal for WattTime).
 */
import { ProviderError } from '../../src/core/errors';
import type { AdapterDeps } from '../deps';
import type { CarbonAwareSdkSettings } from '../settings';
import type { ForecastProvider, HistoryProvider, IntensityPoint, SignalKind } from '../types';
import { CarbonAwareSdkClient } from './client';
import { mapCasdkEmissions, mapCasdkForecast } from './map';

export class CarbonAwareSdkProvider implements ForecastProvider, HistoryProvider {
  readonly type = 'carbon-aware-sdk' as const;
  readonly signal: SignalKind;
  private readonly client: CarbonAwareSdkClient;

  constructor(readonly name: string, private readonly settings: CarbonAwareSdkSettings, deps: AdapterDeps) {
    this.client = new CarbonAwareSdkClient(name, settings, deps);
    this.signal = settings.signal ?? 'marginal';
  }

  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    const res = await this.client.forecastsCurrent(this.settings.location);
    const points = mapCasdkForecast(res.body, { provider: this.name, zone, signal: this.signal, fetchedAtMs: nowMs });
    if (points.length === 0) throw new ProviderError('forecast has no usable points', { provider: this.name, retryable: true });
    return points;
  }

  async history(zone: string, fromMs: number, toMs: number, nowMs: number): Promise<IntensityPoint[]> {
    const res = await this.client.byLocations(this.settings.location, fromMs, toMs);
    return mapCasdkEmissions(res.body, { provider: this.name, zone, signal: this.signal, fetchedAtMs: nowMs }).filter((p) => p.startMs >= fromMs && p.startMs < toMs);
  }
}
