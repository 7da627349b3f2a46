/**
 * Absurd provider data is refused at the edge (ADR 0007, "plausible data only"): every map
 * refuses a value outside the plausible range, a value that is not finite, an interval that
 * is not one, intervals that overlap (a series that is not monotonic) and unknown units, with a `ProviderError` that
 * names the provider and the value; the signal service also refuses data for the wrong day
 * and clock skew, keeps the last good series and reports the zone stale.
 */
import { ProviderError } from '../../../src/core/errors';
import { mapCasdkEmissions, mapCasdkForecast } from '../../../forecasts/carbon-aware-sdk/map';
import { mapEmapsForecast, mapEmapsHistory, mapEmapsLatest } from '../../../forecasts/electricity-maps/map';
import { createSignalService } from '../../../forecasts/signal-service';
import { MemorySignalStore } from '../../../forecasts/store';
import type { ForecastProvider, HistoryProvider, IntensityPoint } from '../../../forecasts/types';
import { mapUkWindows, ukWindows } from '../../../forecasts/uk-carbon-intensity/map';
import { mapWattTimeSeries, mapWattTimeSignalIndex } from '../../../forecasts/watttime/map';

const HOUR = 3_600_000;
const NOW = Date.parse('2024-01-12T06:01:00Z');
const ctx = { provider: 'p', zone: 'Z', fetchedAtMs: NOW };
const plusZero = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + '+00:00';
const ukTime = (ms: number): string => new Date(ms).toISOString().slice(0, 16) + 'Z';

/** One body per map in that API's exact format, carrying `values` (API units) one step apart from 06:00. */
const MAPS: Array<{ name: string; signal: 'average' | 'marginal'; factor: number; map: (values: unknown[], starts?: number[]) => IntensityPoint[] }> = [
  {
    name: 'UK forecast', signal: 'average', factor: 1,
    map: (values, starts) => mapUkWindows(ukWindows({ data: values.map((v, i) => {
      const s = starts?.[i] ?? Date.parse('2024-01-12T06:00Z') + i * 1_800_000;
      return { from: ukTime(s), to: ukTime(s + 1_800_000), intensity: { forecast: v, actual: null, index: 'moderate' } };
    }) }, 'p'), ctx),
  },
  {
    name: 'UK actual', signal: 'average', factor: 1,
    map: (values, starts) => mapUkWindows(ukWindows({ data: values.map((v, i) => {
      const s = starts?.[i] ?? Date.parse('2024-01-11T06:00Z') + i * 1_800_000;
      return { from: ukTime(s), to: ukTime(s + 1_800_000), intensity: { forecast: 250, actual: v, index: 'moderate' } };
    }) }, 'p'), ctx).filter((p) => p.kind === 'measured'),
  },
  {
    name: 'Electricity Maps forecast', signal: 'average', factor: 1,
    map: (values, starts) => mapEmapsForecast({ zone: 'DE', forecast: values.map((v, i) => ({ carbonIntensity: v, datetime: new Date(starts?.[i] ?? Date.parse('2024-01-12T06:00Z') + i * HOUR).toISOString() })), updatedAt: '2024-01-12T05:52:09.141Z' }, ctx),
  },
  {
    name: 'Electricity Maps history', signal: 'average', factor: 1,
    map: (values, starts) => mapEmapsHistory({ zone: 'DE', history: values.map((v, i) => ({ zone: 'DE', carbonIntensity: v, datetime: new Date(starts?.[i] ?? Date.parse('2024-01-11T06:00Z') + i * HOUR).toISOString(), isEstimated: false, estimationMethod: null })) }, ctx),
  },
  {
    name: 'WattTime MOER', signal: 'marginal', factor: 0.45359237,
    map: (values, starts) => mapWattTimeSeries({
      data: values.map((v, i) => ({ point_time: plusZero(starts?.[i] ?? Date.parse('2024-01-12T06:00Z') + i * 300_000), value: v })),
      meta: { data_point_period_seconds: 300, region: 'CAISO_NORTH', signal_type: 'co2_moer', units: 'lbs_co2_per_mwh', generated_at: '2024-01-12T06:00:00+00:00' },
    }, 'forecast', ctx),
  },
  {
    name: 'Carbon Aware SDK forecast', signal: 'marginal', factor: 1,
    map: (values, starts) => mapCasdkForecast([{ generatedAt: '2024-01-12T05:55:00+00:00', location: 'eastus', windowSize: 5, optimalDataPoints: [],
      forecastData: values.map((v, i) => ({ location: 'PJM_ROANOKE', timestamp: plusZero(starts?.[i] ?? Date.parse('2024-01-12T06:00Z') + i * 300_000), duration: 5, value: v })) }], { ...ctx, signal: 'marginal' }),
  },
  {
    name: 'Carbon Aware SDK emissions', signal: 'marginal', factor: 1,
    map: (values, starts) => mapCasdkEmissions(values.map((v, i) => ({ location: 'PJM_ROANOKE', time: plusZero(starts?.[i] ?? Date.parse('2024-01-11T06:00Z') + i * 300_000), rating: v, duration: '00:05:00' })), { ...ctx, signal: 'marginal' }),
  },
];

function providerError(f: () => unknown): ProviderError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe.each(MAPS)('$name map: plausible values only', ({ signal, factor, map }) => {
  const max = signal === 'average' ? 2_000 : 3_000;

  it('keeps values from 0 up to the plausible maximum (2,000 g average, 3,000 g marginal)', () => {
    const values = [0, 250, (max - 1) / factor];
    expect(map(values).map((p) => p.gPerKWh)).toEqual(values.map((v) => expect.closeTo(v * factor, 6)));
  });

  it.each([[-5], [1e9], [(max + 10) / factor]])('refuses %d with a ProviderError naming the provider and the value', (bad) => {
    const err = providerError(() => map([250, bad, 260]));
    expect(err.provider).toBe('p');
    expect(err.message).toMatch(/^p: implausible intensity /);
    expect(err.message).toContain(`${String(Math.round(bad * factor * 100) / 100)} gCO2eq/kWh`);
  });

  it('refuses a value that is not finite (1e400 in the JSON text)', () => {
    const body = JSON.parse('[250, 1e400]') as number[];
    expect(providerError(() => map(body)).message).toContain('Infinity gCO2eq/kWh');
  });

  it('refuses intervals that overlap (a series that is not monotonic), naming both', () => {
    const t = Date.parse(signal === 'average' ? '2024-01-12T02:00Z' : '2024-01-12T05:00Z');
    const err = providerError(() => map([250, 260, 270], [t, t + HOUR, t + HOUR + 60_000]));
    expect(err.message).toMatch(new RegExp(`^p: intervals overlap: ${new Date(t + HOUR + 60_000).toISOString()} starts before ${new Date(t + HOUR).toISOString()} \\+ \\d+ min ends`));
  });

  it('sorts a shuffled answer and keeps the last of a duplicated start (the provider contract), refusing nothing', () => {
    const t = Date.parse(signal === 'average' ? '2024-01-12T02:00Z' : '2024-01-12T05:00Z');
    const step = map([1, 2], [t, t + HOUR])[0]!.durationMs;
    expect(map([250, 270, 260, 261], [t, t + 4 * step, t + step, t + step]).map((p) => [p.startMs, p.gPerKWh])).toEqual([[t, 250], [t + step, 261], [t + 4 * step, 270]].map(([s, g]) => [s, expect.closeTo(g! * factor, 6)]));
  });
});

describe('interval lengths and units', () => {
  it('refuses a WattTime period of 0 s and a Carbon Aware SDK duration of 10 million minutes', () => {
    const wt = { data: [{ point_time: '2024-01-12T06:00:00+00:00', value: 800 }], meta: { data_point_period_seconds: 0, units: 'lbs_co2_per_mwh', signal_type: 'co2_moer' } };
    expect(providerError(() => mapWattTimeSeries(wt, 'forecast', ctx)).message).toMatch(/^p: implausible interval of 0 ms/);
    const sdk = [{ generatedAt: '2024-01-12T05:55:00+00:00', forecastData: [{ timestamp: '2024-01-12T06:00:00+00:00', duration: 1e7, value: 500 }] }];
    expect(providerError(() => mapCasdkForecast(sdk, { ...ctx, signal: 'marginal' })).message).toMatch(/^p: implausible interval of 600000000000 ms/);
  });

  it('refuses Electricity Maps values announced in another unit', () => {
    const body = { zone: 'DE', carbonIntensity: 0.4, datetime: '2024-01-12T06:00:00.000Z', units: { carbonIntensity: 'kgCO2eq/kWh' } };
    expect(providerError(() => mapEmapsLatest(body, ctx)).message).toMatch(/^p: units "kgCO2eq\/kWh" are not gCO2eq\/kWh/);
    expect(mapEmapsLatest({ ...body, carbonIntensity: 400, units: { carbonIntensity: 'gCO2eq/kWh' } }, ctx)[0]!.gPerKWh).toBe(400);
  });
});

/** A provider that serves whatever the test sets, as a non-HTTP adapter (file, custom) would. */
class ServedProvider implements ForecastProvider, HistoryProvider {
  readonly type = 'file' as const;
  readonly signal = 'average' as const;
  serve: (zone: string, nowMs: number) => IntensityPoint[] = () => [];
  measured: (nowMs: number) => IntensityPoint[] = () => [];
  constructor(readonly name: string) {}
  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    return this.serve(zone, nowMs);
  }
  async history(_zone: string, _fromMs: number, _toMs: number, nowMs: number): Promise<IntensityPoint[]> {
    return this.measured(nowMs);
  }
}

const good = (g: number) => (zone: string, nowMs: number): IntensityPoint[] => [0, 1, 2].map((i) => ({
  zone, startMs: Math.floor(nowMs / HOUR) * HOUR + i * HOUR, durationMs: HOUR, gPerKWh: g + i, kind: 'forecast', issuedAtMs: nowMs, provider: 'primary', signal: 'average',
}));

describe('signal service: implausible data is a failed refresh', () => {
  function setup(providers: ServedProvider[], backfillMs = 0) {
    const store = new MemorySignalStore();
    const service = createSignalService({ providers: new Map(providers.map((p) => [p.name, p])), zones: { DE: { providers: providers.map((p) => p.name), staleAfterMs: HOUR } }, store, backfillMs });
    return { store, service };
  }

  it.each([
    ['a negative value from a non-HTTP provider', (z: string, n: number) => good(100)(z, n).map((p, i) => (i === 1 ? { ...p, gPerKWh: -14 } : p)), /primary: implausible intensity -14 gCO2eq\/kWh/],
    ['data for the wrong day (all of it ended before now)', (z: string, n: number) => good(100)(z, n - 30 * HOUR), /primary: the forecast ends at .* before now/],
    ['clock skew ahead (starts five days after now)', (z: string, n: number) => good(100)(z, n + 120 * HOUR), /primary: a forecast point starts at .* more than 96 h after now/],
    ['an issue time two hours in the future', (z: string, n: number) => good(100)(z, n).map((p) => ({ ...p, issuedAtMs: n + 2 * HOUR })), /primary: issued at .* after now/],
  ])('refuses %s, keeps the last good series and reports the zone stale naming the provider and the value', async (_what, bad, reason) => {
    const primary = new ServedProvider('primary');
    const { service } = setup([primary]);
    const now = Date.parse('2026-03-01T12:00:00Z');
    primary.serve = good(100);
    await service.refreshZones(now);
    primary.serve = bad;
    const later = now + HOUR;
    const [status] = await service.refreshZones(later);
    expect(status).toMatchObject({ provider: 'primary', stale: true, lastOkAtMs: now });
    expect(status!.reason).toMatch(reason);
    expect(status!.reason).toMatch(/keeping the last good series$/);
    expect(status!.reason!.split('primary:')).toHaveLength(2);
    expect(service.seriesFor('DE', later, later + HOUR, later).map((p) => p.gPerKWh)).toEqual([101]);
  });

  it('falls back to the next provider when the first one serves absurd values', async () => {
    const primary = new ServedProvider('primary');
    const backup = new ServedProvider('backup');
    const { service } = setup([primary, backup]);
    const now = Date.parse('2026-03-01T12:00:00Z');
    primary.serve = (z, n) => good(100)(z, n).map((p) => ({ ...p, gPerKWh: 1e9 }));
    backup.serve = (z, n) => good(500)(z, n).map((p) => ({ ...p, provider: 'backup' }));
    const [status] = await service.refreshZones(now);
    expect(status).toMatchObject({ provider: 'backup', stale: false });
    expect(status!.reason).toMatch(/^primary: implausible intensity 1000000000 gCO2eq\/kWh/);
    expect(service.seriesFor('DE', now, now + HOUR, now).map((p) => p.gPerKWh)).toEqual([500]);
  });

  it('does not store measured history from the future or with absurd values', async () => {
    const primary = new ServedProvider('primary');
    const { store, service } = setup([primary], 24 * HOUR);
    const now = Date.parse('2026-03-01T12:00:00Z');
    primary.serve = good(100);
    const measured = (startMs: number, g: number): IntensityPoint => ({ zone: 'DE', startMs, durationMs: HOUR, gPerKWh: g, kind: 'measured', issuedAtMs: now, provider: 'primary', signal: 'average' });
    primary.measured = () => [measured(now - 2 * HOUR, 300), measured(now + 5 * HOUR, 310)];
    await service.refreshZones(now);
    primary.measured = () => [measured(now - 3 * HOUR, -5)];
    await service.refreshZone('DE', now + 7 * HOUR, { force: true });
    expect(store.loadPoints('DE', now - 48 * HOUR, now + 48 * HOUR).filter((p) => p.kind === 'measured')).toEqual([]);
  });
});

describe('WattTime signal index', () => {
  it('refuses a percentile outside 0–100, naming the provider and the value', () => {
    const body = (value: number): unknown => ({ data: [{ point_time: '2024-06-18T18:40:00+00:00', value }], meta: { region: 'PSCO', signal_type: 'co2_moer', units: 'percentile' } });
    expect(mapWattTimeSignalIndex(body(100), 'p').percentile).toBe(100);
    expect(providerError(() => mapWattTimeSignalIndex(body(453.6), 'p')).message).toMatch(/^p: .*percentile 453\.6 outside 0–100/);
    expect(providerError(() => mapWattTimeSignalIndex(body(-1), 'p')).message).toMatch(/percentile -1 outside 0–100/);
  });
});
