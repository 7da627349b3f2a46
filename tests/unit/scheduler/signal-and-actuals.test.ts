import { ActualIntensity } from '../../../src/simulate/actuals';
import { SimSignal, shrinkTowardsMean } from '../../../src/simulate/signal';
import type { MeasuredSeries } from '../../../forecasts/replay';

const H = 3_600_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');

function hourly(values: number[], zone = 'Z'): MeasuredSeries {
  return { zone, stepMs: H, startMs: Float64Array.from(values, (_, i) => T0 + i * H), gPerKWh: Float64Array.from(values), source: 'test' };
}

describe('ActualIntensity', () => {
  it('integrates emissions over partial intervals and carries values over gaps', () => {
    const m: MeasuredSeries = { zone: 'Z', stepMs: H, startMs: Float64Array.of(T0, T0 + H, T0 + 3 * H), gPerKWh: Float64Array.of(100, 200, 400), source: 't' };
    const a = new ActualIntensity(m);
    // 1 kW from 00:30 to 01:30: 0.5 kWh at 100 + 0.5 kWh at 200 = 150 g
    expect(a.emissionsG(1000, T0 + H / 2, T0 + 1.5 * H)).toBeCloseTo(150, 9);
    // the 02:00 gap carries 200 forward
    expect(a.emissionsG(1000, T0 + 2 * H, T0 + 3 * H)).toBeCloseTo(200, 9);
    expect(a.at(T0 + 3.5 * H)).toBe(400);
  });
});

describe('SimSignal', () => {
  it('serves the future actuals only in perfect mode, and never a measured interval before it ends otherwise', () => {
    const values = Array.from({ length: 24 * 30 }, (_, i) => 200 + 100 * Math.sin((2 * Math.PI * i) / 24));
    const changed = values.map((v, i) => (i >= 24 * 20 ? 999 : v));
    const now = T0 + 24 * 20 * H + H / 2; // half-way through the first changed hour
    const until = now + 24 * H;
    for (const mode of ['local', 'trust', 'file'] as const) {
      const a = new SimSignal(new Map([['Z', { measured: hourly(values) }]]), mode).knownValues('Z', now, until)!;
      const b = new SimSignal(new Map([['Z', { measured: hourly(changed) }]]), mode).knownValues('Z', now, until)!;
      expect(Array.from(b.values)).toEqual(Array.from(a.values));
    }
    const perfect = new SimSignal(new Map([['Z', { measured: hourly(changed) }]]), 'perfect').knownValues('Z', now, until)!;
    expect(perfect.values[0]).toBe(999);
  });

  it('says when the next measured interval or forecast issue becomes known', () => {
    const s = new SimSignal(new Map([['Z', { measured: hourly([1, 2, 3, 4]) }]]), 'local');
    expect(s.nextArrivalMs(T0 + 30 * 60_000)).toBe(T0 + H);
    expect(s.nextArrivalMs(T0 + H)).toBe(T0 + 2 * H);
  });
});

describe('shrinkTowardsMean()', () => {
  it('pulls a forecast towards the next day mean more the further ahead it is', () => {
    const v = Float64Array.from({ length: 48 }, (_, i) => (i % 2 ? 300 : 100));
    shrinkTowardsMean(v, T0, H, T0, 24 * H);
    expect(v[0]).toBeCloseTo(100, 9);
    expect(v[24]).toBeCloseTo(200 - 100 * Math.exp(-1), 9);
  });
});
