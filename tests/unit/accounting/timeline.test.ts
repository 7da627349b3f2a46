import type { IntensityPoint } from '../../../forecasts/types';
import { newTally, tallyStatus } from '../../../src/accounting/tally';
import { buildTimelines, priceEnergy } from '../../../src/accounting/timeline';

const H = 3_600_000;
const T = Date.parse('2026-11-29T00:00:00Z');
const pt = (startH: number, g: number, kind: 'measured' | 'forecast' = 'measured', extra: Partial<IntensityPoint> = {}): IntensityPoint => ({
  zone: 'GB', startMs: T + startH * H, durationMs: H / 2, gPerKWh: g, kind, issuedAtMs: T + startH * H, provider: 'uk', signal: 'average', ...extra,
});

function price(points: IntensityPoint[], startH: number, hours: number, kWh = 1, options = {}): ReturnType<typeof newTally> {
  const tally = newTally();
  priceEnergy(buildTimelines(points, options).get('GB'), T + startH * H, hours * H, kWh, tally);
  return tally;
}

describe('pricing energy against a zone timeline', () => {
  it.each([
    ['inside one interval', 0, 0.25, 200],
    ['straddling two intervals half and half', 0.25, 0.5, 0.5 * 200 + 0.5 * 300],
    ['a quarter in the first, three quarters in the second', 0.375, 0.5, 0.25 * 200 + 0.75 * 300],
    ['across three intervals', 0, 1.5, (200 + 300 + 100) / 3],
  ])('weights intensity by time %s', (_name, startH, hours, wantG) => {
    const t = price([pt(0, 200), pt(0.5, 300), pt(1, 100)], startH, hours);
    expect(t.g).toBeCloseTo(wantG, 9);
    expect(t.energyKWh).toBeCloseTo(1, 12);
  });

  it('prefers measured over forecast, and among forecasts the newest issue', () => {
    const points = [pt(0, 250, 'forecast', { issuedAtMs: T - 2 * H }), pt(0, 260, 'forecast', { issuedAtMs: T - H }), pt(0.5, 240, 'forecast', { issuedAtMs: T - H }), pt(0.5, 230, 'measured')];
    const t = price(points, 0, 1);
    expect(t.g).toBeCloseTo(0.5 * 260 + 0.5 * 230, 9);
    expect(t.forecastG).toBeCloseTo(130, 9);
    expect(t.measuredG).toBeCloseTo(115, 9);
    expect(tallyStatus(t)).toBe('provisional');
  });

  it('uses the preferred provider where two publish the same kind', () => {
    const points = [pt(0, 200, 'measured', { provider: 'em', durationMs: H }), pt(0, 300, 'measured'), pt(0.5, 310, 'measured')];
    expect(price(points, 0, 1, 1, { providerOrder: ['uk', 'em'] }).g).toBeCloseTo(305, 9);
    expect(price(points, 0, 1, 1, { providerOrder: ['em', 'uk'] }).g).toBeCloseTo(200, 9);
  });

  it('prices an uncovered gap with the nearest earlier value, labelled estimated', () => {
    const t = price([pt(0, 200), pt(2, 400)], 0, 1);
    expect(t.g).toBeCloseTo(200, 9);
    expect(t.estimatedG).toBeCloseTo(100, 9);
    expect(tallyStatus(t)).toBe('estimated');
    expect(price([pt(2, 400)], 0, 1).g).toBeCloseTo(400, 9);
  });

  it('labels grams priced with a provider’s modelled value (static yearly average) estimated, and prefers a real measurement', () => {
    const staticAvg = pt(0, 233, 'measured', { provider: 'static', durationMs: 2 * H, estimated: true });
    const t = price([staticAvg], 0, 1);
    expect(t.g).toBeCloseTo(233, 9);
    expect(t.estimatedG).toBeCloseTo(233, 9);
    expect([...t.sources.values()]).toEqual([{ signal: 'average', provider: 'static', basis: 'estimated', energyKWh: 1, g: 233 }]);
    const mixed = price([staticAvg, pt(0, 200)], 0, 1, 1, { providerOrder: ['static', 'uk'] });
    expect(mixed.g).toBeCloseTo(0.5 * 200 + 0.5 * 233, 9);
    expect(mixed.measuredG).toBeCloseTo(100, 9);
  });

  it('counts energy in a zone without any data as unpriced, never silently as clean', () => {
    const tally = newTally();
    priceEnergy(undefined, T, H, 2, tally);
    expect(tally).toMatchObject({ energyKWh: 2, g: 0, unpricedKWh: 2 });
    expect(tallyStatus(tally)).toBe('estimated');
  });

  it('uses the requested signal, and falls back to the other one where a zone has only that', () => {
    const points = [pt(0, 200, 'measured', { durationMs: H }), pt(0, 500, 'measured', { durationMs: H, signal: 'marginal', provider: 'wt' })];
    expect(price(points, 0, 1).g).toBeCloseTo(200, 9);
    expect(price(points, 0, 1, 1, { signal: 'marginal' }).g).toBeCloseTo(500, 9);
    expect(price([points[1]!], 0, 1).g).toBeCloseTo(500, 9);
  });

  it('prices an instant sample at the intensity of its start', () => {
    const tally = newTally();
    priceEnergy(buildTimelines([pt(0, 200), pt(0.5, 300)]).get('GB'), T + 0.75 * H, 0, 0.1, tally);
    expect(tally.g).toBeCloseTo(30, 9);
  });
});
