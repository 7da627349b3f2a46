/**
 * The UK Carbon Intensity provider: national, region (1–18) or postcode series, average
 * signal, 48 h forecast, measured `actual` as history (national only: regional is forecast-only).
 */
import { ProviderError } from '../../src/core/errors';
import type { AdapterDeps } from '../deps';
import type { UkSettings } from '../settings';
import type { ForecastProvider, HistoryProvider, IntensityPoint } from '../types';
import { UK_MAX_RANGE_MS, UkClient, type UkTarget } from './client';
import { clipWindows, mapUkWindows, ukWindows } from './map';

/** The target for a zone: the entry's region/postcode, else `GB-<id>` zones, else national. */
export function ukTarget(settings: UkSettings, zone: string): UkTarget {
  if (settings.postcode) return { kind: 'postcode', postcode: settings.postcode.trim().toUpperCase() };
  if (settings.region !== undefined) return { kind: 'region', regionId: settings.region };
  const m = /^GB-(\d{1,2})$/.exec(zone);
  return m ? { kind: 'region', regionId: Number(m[1]) } : { kind: 'national' };
}

export class UkCarbonIntensityProvider implements ForecastProvider, HistoryProvider {
  readonly type = 'uk-carbon-intensity' as const;
  readonly signal = 'average' as const;
  private readonly client: UkClient;

  constructor(readonly name: string, private readonly settings: UkSettings, deps: AdapterDeps) {
    this.client = new UkClient(name, settings, deps);
  }

  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    const res = await this.client.fw48h(ukTarget(this.settings, zone), nowMs);
    const points = clipWindows(mapUkWindows(ukWindows(res.body, this.name), { provider: this.name, zone, fetchedAtMs: nowMs }), nowMs);
    if (points.length === 0) throw new ProviderError('no usable windows in the forecast', { provider: this.name, retryable: true });
    return points;
  }

  async history(zone: string, fromMs: number, toMs: number, nowMs: number): Promise<IntensityPoint[]> {
    const target = ukTarget(this.settings, zone);
    const out: IntensityPoint[] = [];
    for (let chunkFromMs = fromMs; chunkFromMs < toMs; chunkFromMs += UK_MAX_RANGE_MS) {
      const chunkToMs = Math.min(toMs, chunkFromMs + UK_MAX_RANGE_MS);
      const res = await this.client.range(target, chunkFromMs, chunkToMs);
      const points = mapUkWindows(ukWindows(res.body, this.name), { provider: this.name, zone, fetchedAtMs: nowMs });
      out.push(...clipWindows(points, fromMs, toMs).filter((p) => target.kind !== 'national' || p.kind === 'measured'));
    }
    return out;
  }
}
