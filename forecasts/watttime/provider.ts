/**
 * The WattTime v3 provider: marginal MOER (or average AOER) in g/kWh, 5-minute points,
 * forecast up to 72 h, history in 32-day chunks, region from the entry or from lat/lon.
 */
import { ProviderError } from '../../src/core/errors';
import type { AdapterDeps } from '../deps';
import type { WattTimeSettings } from '../settings';
import type { ForecastProvider, HistoryProvider, IntensityPoint } from '../types';
import { WATTTIME_MAX_HISTORY_MS, WattTimeClient } from './client';
import { mapWattTimeRegion, mapWattTimeSeries, mapWattTimeSignalIndex, wattTimeSignal, type SignalIndex } from './map';

/** Longest forecast WattTime serves, hours. */
export const WATTTIME_HORIZON_HOURS = 72;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class WattTimeProvider implements ForecastProvider, HistoryProvider {
  readonly type = 'watttime' as const;
  readonly signal;
  private readonly client: WattTimeClient;
  private readonly signalType: string;
  private region: string | undefined;

  constructor(readonly name: string, private readonly settings: WattTimeSettings, deps: AdapterDeps) {
    this.client = new WattTimeClient(name, settings, deps);
    this.signalType = settings.signal ?? 'co2_moer';
    this.signal = wattTimeSignal(this.signalType);
    this.region = settings.region;
  }

  /** The configured region, else the one for the entry's latitude/longitude (looked up once), else the zone. */
  async regionFor(zone: string): Promise<string> {
    if (this.region) return this.region;
    const { latitude, longitude } = this.settings;
    if (latitude === undefined || longitude === undefined) return zone;
    const res = await this.client.get('/v3/region-from-loc', { latitude: String(latitude), longitude: String(longitude), signal_type: this.signalType });
    this.region = mapWattTimeRegion(res.body, this.name);
    return this.region;
  }

  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    const region = await this.regionFor(zone);
    const res = await this.client.get('/v3/forecast', { region, signal_type: this.signalType, horizon_hours: String(WATTTIME_HORIZON_HOURS) });
    const points = mapWattTimeSeries(res.body, 'forecast', { provider: this.name, zone, fetchedAtMs: nowMs });
    if (points.length === 0) throw new ProviderError('forecast has no usable points', { provider: this.name, retryable: true });
    return points;
  }

  async history(zone: string, fromMs: number, toMs: number, nowMs: number): Promise<IntensityPoint[]> {
    const region = await this.regionFor(zone);
    const out: IntensityPoint[] = [];
    for (let chunkMs = fromMs; chunkMs < toMs; chunkMs += WATTTIME_MAX_HISTORY_MS) {
      const endMs = Math.min(toMs, chunkMs + WATTTIME_MAX_HISTORY_MS);
      const res = await this.client.get('/v3/historical', { region, signal_type: this.signalType, start: iso(chunkMs), end: iso(endMs) });
      out.push(...mapWattTimeSeries(res.body, 'measured', { provider: this.name, zone, fetchedAtMs: nowMs }).filter((p) => p.startMs >= fromMs && p.startMs < toMs));
    }
    return out;
  }

  /** The current percentile of the MOER against the next 24 h (0 cleanest … 100 dirtiest). */
  async signalIndex(zone: string): Promise<SignalIndex> {
    const region = await this.regionFor(zone);
    const res = await this.client.get('/v3/signal-index', { region, signal_type: this.signalType });
    return mapWattTimeSignalIndex(res.body, this.name);
  }
}
