import * as fs from 'node:fs';
import * as path from 'node:path';
import { mapCasdkEmissions, timeSpanMs } from '../../../forecasts/carbon-aware-sdk/map';
import { mapEmapsHistory, mapEmapsLatest, mapEmapsZones } from '../../../forecasts/electricity-maps/map';
import { ukPathTime } from '../../../forecasts/uk-carbon-intensity/client';
import { clipWindows, mapUkWindows, ukWindows } from '../../../forecasts/uk-carbon-intensity/map';
import { G_PER_KWH_PER_LBS_PER_MWH, mapWattTimeSeries, mapWattTimeSignalIndex } from '../../../forecasts/watttime/map';
import { ProviderError } from '../../../src/core/errors';

const fx = (rel: string): unknown => JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/providers', rel), 'utf8')) as unknown;
const ctx = { provider: 'p', zone: 'Z', fetchedAtMs: Date.parse('2024-01-12T06:01:00Z') };

describe('UK Carbon Intensity map', () => {
  it('requests at hh:01 / hh:31 to dodge the boundary quirk', () => {
    expect(ukPathTime(Date.parse('2024-01-12T06:17:45Z'))).toBe('2024-01-12T06:01Z');
    expect(ukPathTime(Date.parse('2024-01-12T06:30:00Z'))).toBe('2024-01-12T06:31Z');
  });

  it('turns recorded pt24h windows into a forecast and a measured point each', () => {
    const points = mapUkWindows(ukWindows(fx('uk-carbon-intensity/national_pt24h_2024-01-12T0601Z.json'), 'p'), ctx);
    const first = points.filter((p) => p.startMs === Date.parse('2024-01-11T06:00Z'));
    expect(first.map((p) => [p.kind, p.gPerKWh])).toEqual([['forecast', 264], ['measured', 271]]);
    expect(points).toHaveLength(16);
  });

  it('reads regional data both as an object (window routes) and as an array of one region (current routes)', () => {
    const windowed = mapUkWindows(ukWindows(fx('uk-carbon-intensity/regional_fw48h_regionid_13.json'), 'p'), ctx);
    expect(windowed.map((p) => p.gPerKWh)).toEqual([63, 61, 60, 58, 62, 70]);
    expect(windowed.every((p) => p.kind === 'forecast')).toBe(true);
    const current = mapUkWindows(ukWindows(fx('uk-carbon-intensity/regional_postcode_RG10_current.json'), 'p'), ctx);
    expect(current.map((p) => [new Date(p.startMs).toISOString(), p.gPerKWh])).toEqual([['2023-03-13T01:30:00.000Z', 72]]);
  });

  it('drops the window that ends exactly at the requested boundary', () => {
    const points = mapUkWindows(ukWindows(fx('uk-carbon-intensity/national_fw48h_2024-01-12T0601Z.json'), 'p'), ctx);
    expect(clipWindows(points, Date.parse('2024-01-12T06:30:00Z'))[0]!.startMs).toBe(Date.parse('2024-01-12T06:30:00Z'));
  });

  it('rejects 200 {} and an empty data list as retryable provider errors', () => {
    expect(() => ukWindows({}, 'p')).toThrow(ProviderError);
    expect(() => ukWindows({ data: [] }, 'p')).toThrow(/empty "data"/);
  });
});

describe('Electricity Maps map', () => {
  it('maps the recorded history, flagging estimated points', () => {
    const points = mapEmapsHistory(fx('electricity-maps/history_DE.json'), ctx);
    expect(points).toHaveLength(24);
    expect(points[0]).toMatchObject({ gPerKWh: 599, kind: 'measured', durationMs: 3_600_000, startMs: Date.parse('2024-03-05T20:00:00.000Z') });
    expect(points[0]!.estimated).toBeUndefined();
    expect(points.at(-1)!.estimated).toBe(true);
  });

  it('maps past-range and latest, and drops a null carbonIntensity', () => {
    expect(mapEmapsHistory(fx('electricity-maps/past-range_DK-DK2.json'), ctx).map((p) => p.gPerKWh)).toEqual([161, 167]);
    expect(mapEmapsLatest(fx('electricity-maps/latest_US-CAR-DUK.json'), ctx)[0]).toMatchObject({ gPerKWh: 216, estimated: true });
    expect(mapEmapsLatest({ zone: 'DE', carbonIntensity: null, datetime: '2024-03-06T19:00:00.000Z' }, ctx)).toEqual([]);
  });

  it('lists zones sorted by key', () => {
    expect(mapEmapsZones(fx('electricity-maps/zones.json'), 'p').slice(0, 2)).toEqual([
      { zone: 'AU-NSW', name: 'New South Wales', country: 'Australia' },
      { zone: 'DE', name: 'Germany' },
    ]);
  });
});

describe('WattTime map', () => {
  it('converts lbs/MWh to g/kWh with 0.45359237', () => {
    const points = mapWattTimeSeries(fx('watttime/historical_CAISO_NORTH.json'), 'measured', ctx);
    expect(points.map((p) => p.gPerKWh)).toEqual([870 * 0.45359237, 860 * 0.45359237]);
    expect(G_PER_KWH_PER_LBS_PER_MWH).toBe(0.45359237);
    expect(points[0]).toMatchObject({ signal: 'marginal', durationMs: 300_000 });
  });

  it('refuses to treat a percentile as an intensity, and reads the signal index', () => {
    const body = fx('watttime/signal-index_PSCO.json');
    expect(() => mapWattTimeSeries(body, 'forecast', ctx)).toThrow(/percentile/);
    expect(mapWattTimeSignalIndex(body, 'p')).toEqual({ percentile: 96, pointTimeMs: Date.parse('2024-06-18T18:40:00Z'), region: 'PSCO' });
  });
});

describe('Carbon Aware SDK map', () => {
  it.each([
    ['00:05:00', 300_000],
    ['01:00:00', 3_600_000],
    ['1.00:00:00', 86_400_000],
    ['nonsense', undefined],
  ])('reads the TimeSpan %s as %s ms', (text, ms) => {
    expect(timeSpanMs(text)).toBe(ms);
  });

  it('maps EmissionsData and treats 204 as no points', () => {
    const c = { ...ctx, signal: 'marginal' as const };
    expect(mapCasdkEmissions(fx('carbon-aware-sdk/bylocations_eastus.json'), c).map((p) => [p.gPerKWh, p.durationMs])).toEqual([[545.67162111, 300_000], [544, 300_000], [543.25, 300_000]]);
    expect(mapCasdkEmissions(undefined, c)).toEqual([]);
  });
});
