/**
 * The Electricity Maps provider: average (lifecycle) signal; forecast (commercial plans),
 * measured history (last 24 h from `/history`, older from `/past-range` in 10-day chunks).
 */
import { ProviderError } from '../../src/core/errors';
import type { AdapterDeps } from '../deps';
import type { ElectricityMapsSettings } from '../settings';
import type { ForecastProvider, HistoryProvider, IntensityPoint } from '../types';
import { EMAPS_MAX_RANGE_MS, ElectricityMapsClient } from './client';
import { mapEmapsForecast, mapEmapsHistory, mapEmapsLatest, mapEmapsZones, type ZoneInfo } from './map';

const DAY_MS = 86_400_000;

export class ElectricityMapsProvider implements ForecastProvider, HistoryProvider {
  readonly type = 'electricity-maps' as const;
  readonly signal = 'average' as const;
  private readonly client: ElectricityMapsClient;

  constructor(readonly name: string, private readonly settings: ElectricityMapsSettings, deps: AdapterDeps) {
    this.client = new ElectricityMapsClient(name, settings, deps);
  }

  private remoteZone(zone: string): string {
    return this.settings.zone ?? zone;
  }

  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    const res = await this.client.forecast(this.remoteZone(zone));
    const points = mapEmapsForecast(res.body, { provider: this.name, zone, fetchedAtMs: nowMs });
    if (points.length === 0) throw new ProviderError('forecast has no usable points', { provider: this.name, retryable: true });
    return points;
  }

  /** The current hour (usually `estimated`). */
  async latest(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    const res = await this.client.latest(this.remoteZone(zone));
    return mapEmapsLatest(res.body, { provider: this.name, zone, fetchedAtMs: nowMs });
  }

  async history(zone: string, fromMs: number, toMs: number, nowMs: number): Promise<IntensityPoint[]> {
    const ctx = { provider: this.name, zone, fetchedAtMs: nowMs };
    const remote = this.remoteZone(zone);
    if (fromMs >= nowMs - DAY_MS) {
      const res = await this.client.history(remote);
      return mapEmapsHistory(res.body, ctx).filter((p) => p.startMs >= fromMs && p.startMs < toMs);
    }
    const out: IntensityPoint[] = [];
    for (let chunkMs = fromMs; chunkMs < toMs; chunkMs += EMAPS_MAX_RANGE_MS) {
      const res = await this.client.pastRange(remote, chunkMs, Math.min(toMs, chunkMs + EMAPS_MAX_RANGE_MS));
      out.push(...mapEmapsHistory(res.body, ctx).filter((p) => p.startMs >= fromMs && p.startMs < toMs));
    }
    return out;
  }

  async zones(): Promise<ZoneInfo[]> {
    const res = await this.client.zones();
    return mapEmapsZones(res.body, this.name);
  }
}
