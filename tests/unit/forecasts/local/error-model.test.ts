import { MS_PER_DAY, MS_PER_HOUR } from '../../../../src/core';
import { errorAtLead, estimateErrorModel, PRIOR_ERROR_MODEL, type ErrorModel } from '../../../../forecasts/local';
import type { IntensityPoint } from '../../../../forecasts/types';

const T0 = Date.parse('2021-03-01T00:00:00Z');

function hourly(f: (h: number) => number, hours: number): IntensityPoint[] {
  return Array.from({ length: hours }, (_, h) => ({
    zone: 'DE', startMs: T0 + h * MS_PER_HOUR, durationMs: MS_PER_HOUR, gPerKWh: f(h), kind: 'measured' as const, issuedAtMs: T0 + (h + 1) * MS_PER_HOUR, provider: 'test', signal: 'average' as const,
  }));
}

/** Deterministic pseudo-noise in [−1, 1]. */
const noise = (h: number): number => Math.sin(h * 12.9898) * 43758.5453 % 1;
const daily = (h: number): number => 300 + 100 * Math.sin((2 * Math.PI * h) / 24);

describe('the forecast error model', () => {
  const nowMs = T0 + 60 * MS_PER_DAY;

  it('finds no error on an exactly weekly pattern forecast with the full weekly anomaly', () => {
    const m = estimateErrorModel({ history: hourly(daily, 60 * 24), nowMs, params: { weeklyWeight: 1 } });
    m.samples.slice(0, 7).forEach((n) => expect(n).toBeGreaterThan(20));
    m.mapePct.slice(0, 7).forEach((e) => expect(e).toBeLessThan(1e-6));
  });

  it('measures a larger error at longer leads when the level wanders for days', () => {
    // A slow random walk of the daily level on top of the daily pattern.
    let level = 0;
    const levels = Array.from({ length: 60 * 24 }, (_, h) => (level += 3 * noise(h)));
    const m = estimateErrorModel({ history: hourly((h) => daily(h) + (levels[h] as number), 60 * 24), nowMs });
    const at = (hours: number): number => errorAtLead(m, hours * MS_PER_HOUR).mapePct;
    expect(at(1)).toBeGreaterThan(0);
    expect(at(1)).toBeLessThan(at(24));
    expect(at(24)).toBeLessThan(at(72));
    expect(m.relStd[4]).toBeGreaterThan(0);
  });

  it('uses only history known at now', () => {
    const h = hourly((x) => daily(x) + 20 * noise(x), 60 * 24);
    const changedAfter = h.map((p) => (p.startMs >= nowMs - 10 * MS_PER_DAY ? { ...p, gPerKWh: 1 } : p));
    const cut = nowMs - 10 * MS_PER_DAY;
    expect(estimateErrorModel({ history: h, nowMs: cut })).toEqual(estimateErrorModel({ history: changedAfter, nowMs: cut }));
  });

  it('keeps the prior where there is too little history', () => {
    expect(estimateErrorModel({ history: hourly(daily, 24), nowMs: T0 + 24 * MS_PER_HOUR })).toEqual({ ...PRIOR_ERROR_MODEL, relBias: PRIOR_ERROR_MODEL.relBias });
  });

  const model: ErrorModel = { leadMs: [MS_PER_HOUR, 3 * MS_PER_HOUR, 24 * MS_PER_HOUR], mapePct: [2, 6, 20], relStd: [0.02, 0.08, 0.3], relBias: [0, 0, 0], samples: [50, 50, 50] };
  it.each([
    [0, 2, 0.02],
    [1, 2, 0.02],
    [2, 4, 0.05],
    [3, 6, 0.08],
    [13.5, 13, 0.19],
    [24, 20, 0.3],
    [200, 20, 0.3],
  ])('interpolates the error at %s h lead: MAPE %s %%, relative std %s', (hours, mape, std) => {
    const e = errorAtLead(model, hours * MS_PER_HOUR);
    expect(e.mapePct).toBeCloseTo(mape, 9);
    expect(e.relStd).toBeCloseTo(std, 9);
  });
});
