import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../../../../src/core';
import { extendSeries, forecastLocal, forecastLocalValues } from '../../../../forecasts/local';
import { parseTraceCsv, ReplaySource } from '../../../../forecasts/replay';
import type { IntensityPoint } from '../../../../forecasts/types';

const T0 = Date.parse('2021-03-01T00:00:00Z'); // a Monday
const point = (zone: string, startMs: number, gPerKWh: number, durationMs = MS_PER_HOUR): IntensityPoint => ({
  zone, startMs, durationMs, gPerKWh, kind: 'measured', issuedAtMs: startMs + durationMs, provider: 'test', signal: 'average',
});

/** A series built from `f(hours since T0)` for `[fromMs, toMs)`. */
function series(f: (h: number) => number, fromMs: number, toMs: number, stepMs = MS_PER_HOUR, zone = 'GB'): IntensityPoint[] {
  const out: IntensityPoint[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) out.push(point(zone, t, f((t - T0) / MS_PER_HOUR), stepMs));
  return out;
}

/** Weekdays: a solar dip at noon; weekends 30 % lower. Exactly weekly-periodic. */
const weekly = (h: number): number => {
  const hod = ((h % 24) + 24) % 24;
  const dow = Math.floor((((h % 168) + 168) % 168) / 24);
  return (200 + 80 * Math.cos(((hod - 12) * Math.PI) / 12)) * (dow >= 5 ? 0.7 : 1);
};

describe('the local forecaster', () => {
  const nowMs = T0 + 42 * MS_PER_DAY + 10 * MS_PER_HOUR + 20 * MS_PER_MINUTE;

  it('labels its points local forecasts issued now, contiguous from the interval holding now to the horizon', () => {
    const pts = forecastLocal({ history: series(weekly, T0, nowMs), nowMs, horizonMs: 72 * MS_PER_HOUR });
    expect(pts[0]!.startMs).toBe(T0 + 42 * MS_PER_DAY + 10 * MS_PER_HOUR);
    expect(pts.at(-1)!.startMs + MS_PER_HOUR).toBeGreaterThanOrEqual(nowMs + 72 * MS_PER_HOUR);
    expect(pts).toHaveLength(73);
    pts.forEach((p, i) => {
      expect(p).toMatchObject({ zone: 'GB', durationMs: MS_PER_HOUR, kind: 'forecast', provider: 'local', issuedAtMs: nowMs, signal: 'average' });
      expect(p.startMs).toBe(pts[0]!.startMs + i * MS_PER_HOUR);
    });
  });

  it('recovers an exact weekly pattern exactly with the full weekly anomaly', () => {
    const v = forecastLocalValues({ history: series(weekly, T0, nowMs), nowMs, horizonMs: 7 * MS_PER_DAY, params: { weeklyWeight: 1 } });
    v.gPerKWh.forEach((g, j) => expect(g).toBeCloseTo(weekly((v.startMs + j * MS_PER_HOUR - T0) / MS_PER_HOUR), 9));
  });

  it('tracks an exact weekly pattern within 12 % with the default parameters, which shrink the weekly anomaly', () => {
    const v = forecastLocalValues({ history: series(weekly, T0, nowMs), nowMs, horizonMs: 7 * MS_PER_DAY });
    let ape = 0;
    v.gPerKWh.forEach((g, j) => {
      const actual = weekly((v.startMs + j * MS_PER_HOUR - T0) / MS_PER_HOUR);
      ape += Math.abs(g - actual) / actual;
    });
    expect((100 * ape) / v.gPerKWh.length).toBeLessThan(12);
  });

  it('pulls the forecast towards a recent deviation and lets it decay back to the profile with lead', () => {
    const flat = series(() => 100, T0, nowMs - 6 * MS_PER_HOUR);
    const high = series(() => 150, nowMs - 6 * MS_PER_HOUR - 20 * MS_PER_MINUTE, nowMs);
    const v = forecastLocalValues({ history: [...flat, ...high], nowMs, horizonMs: 7 * MS_PER_DAY });
    const excess = Array.from(v.gPerKWh, (g) => g - 100);
    // The hours of day that were high also lift the hour-of-day profile a little, for good;
    // every other hour shows the level correction alone.
    const highHours = new Set(high.map((p) => new Date(p.startMs).getUTCHours()));
    const levelOnly = (j: number): boolean => !highHours.has(new Date(v.startMs + j * MS_PER_HOUR).getUTCHours());
    expect(excess[0]).toBeGreaterThan(30);
    // Day after day at the same hour (within one week: the same weekday next week also carries a small weekly anomaly).
    for (let j = 0; j + 24 < 6 * 24; j++) expect(excess[j + 24]).toBeLessThan(excess[j]!);
    for (let j = 1; j < 24; j++) if (levelOnly(j) && levelOnly(j - 1)) expect(excess[j]).toBeLessThan(excess[j - 1]!);
    const lastDay = excess.slice(-24).filter((_, k) => levelOnly(excess.length - 24 + k));
    for (const e of lastDay) expect(e).toBeLessThan(0.1 * excess[0]!);
    for (const e of excess) expect(e).toBeGreaterThan(0);
  });

  it('gives identical forecasts for two histories identical up to now and different after', () => {
    const past = series(weekly, T0, nowMs - 20 * MS_PER_MINUTE);
    const futureA = series(() => 900, nowMs - 20 * MS_PER_MINUTE, nowMs + 3 * MS_PER_DAY);
    const futureB = series(() => 5, nowMs - 20 * MS_PER_MINUTE, nowMs + 3 * MS_PER_DAY);
    const a = forecastLocal({ history: [...past, ...futureA], nowMs, horizonMs: 96 * MS_PER_HOUR });
    const b = forecastLocal({ history: [...past, ...futureB], nowMs, horizonMs: 96 * MS_PER_HOUR });
    expect(a).toEqual(b);
    // The same through the replay source's typed-array views, which hold the whole year.
    const csv = (tail: IntensityPoint[]): string => ['timestamp,zone,carbon_intensity', ...[...past, ...tail].map((p) => `${new Date(p.startMs).toISOString()},GB,${p.gPerKWh}`)].join('\n');
    const viewOf = (tail: IntensityPoint[]) => new ReplaySource([parseTraceCsv(csv(tail), { source: 'x.csv' })]).truth('GB')!;
    const va = forecastLocalValues({ history: viewOf(futureA), nowMs, horizonMs: 96 * MS_PER_HOUR });
    const vb = forecastLocalValues({ history: viewOf(futureB), nowMs, horizonMs: 96 * MS_PER_HOUR });
    expect(Array.from(va.gPerKWh)).toEqual(Array.from(vb.gPerKWh));
    expect(Array.from(va.gPerKWh)).toEqual(a.map((p) => p.gPerKWh));
  });

  it('forecasts at the history resolution, or resampled to the step asked for', () => {
    const quarter = series(weekly, T0, nowMs, 15 * MS_PER_MINUTE);
    const q = forecastLocalValues({ history: quarter, nowMs, horizonMs: 24 * MS_PER_HOUR });
    expect(q.stepMs).toBe(15 * MS_PER_MINUTE);
    expect(q.startMs).toBe(T0 + 42 * MS_PER_DAY + 10 * MS_PER_HOUR + 15 * MS_PER_MINUTE);
    const h = forecastLocalValues({ history: quarter, nowMs, horizonMs: 24 * MS_PER_HOUR, stepMs: MS_PER_HOUR, params: { weeklyWeight: 1 } });
    expect(h.stepMs).toBe(MS_PER_HOUR);
    // Hourly means of the 15-min pattern from the previous weeks.
    const hourMean = (t: number): number => [0, 15, 30, 45].reduce((s, m) => s + weekly((t + m * MS_PER_MINUTE - T0) / MS_PER_HOUR), 0) / 4;
    expect(h.gPerKWh[1]).toBeCloseTo(hourMean(h.startMs + MS_PER_HOUR), 6);
  });

  it('is robust to gaps in the history', () => {
    const gappy = series(weekly, T0, nowMs).filter((_, i) => i % 3 !== 0 && (i < 300 || i > 420));
    const v = forecastLocalValues({ history: gappy, nowMs, horizonMs: 7 * MS_PER_DAY });
    for (const g of v.gPerKWh) expect(Number.isFinite(g) && g > 0).toBe(true);
  });

  it('returns nothing without history or provider forecast', () => {
    expect(forecastLocal({ history: [], nowMs, horizonMs: MS_PER_DAY })).toEqual([]);
  });

  it('falls back to the provider forecast, its last day repeated, when there is no history', () => {
    const provider = series((h) => 100 + (h % 24), nowMs - 20 * MS_PER_MINUTE, nowMs + 24 * MS_PER_HOUR - 20 * MS_PER_MINUTE);
    const v = forecastLocalValues({ history: [], providerForecast: provider, nowMs, horizonMs: 48 * MS_PER_HOUR });
    expect(v.gPerKWh[0]).toBe(110);
    expect(v.gPerKWh[30]).toBe(v.gPerKWh[6]);
  });
});

describe('blending a provider forecast', () => {
  const nowMs = T0 + 42 * MS_PER_DAY + 6 * MS_PER_HOUR;
  const issuedAtMs = nowMs - 6 * MS_PER_HOUR;
  const history = series(weekly, T0, nowMs);

  it('corrects the provider by the error observed since it was issued, most at short leads', () => {
    const biased = series((h) => weekly(h) + 60, issuedAtMs, issuedAtMs + 24 * MS_PER_HOUR).map((p) => ({ ...p, kind: 'forecast' as const, issuedAtMs }));
    const v = forecastLocalValues({ history, providerForecast: biased, nowMs, horizonMs: 18 * MS_PER_HOUR, params: { providerWeight: 1 } });
    const err = (j: number): number => v.gPerKWh[j]! - weekly((v.startMs + j * MS_PER_HOUR - T0) / MS_PER_HOUR);
    expect(Math.abs(err(0))).toBeLessThan(10); // 60 g off raw; corrected by the measured −60
    expect(err(17)).toBeGreaterThan(err(0));
  });

  it('leans on the provider where it covers and carries its deviation on past its horizon', () => {
    const provider = series((h) => weekly(h) + 100, nowMs, nowMs + 24 * MS_PER_HOUR).map((p) => ({ ...p, kind: 'forecast' as const, issuedAtMs: nowMs }));
    const local = forecastLocalValues({ history, nowMs, horizonMs: 72 * MS_PER_HOUR });
    const blend = forecastLocalValues({ history, providerForecast: provider, nowMs, horizonMs: 72 * MS_PER_HOUR });
    const lift = (j: number): number => blend.gPerKWh[j]! - local.gPerKWh[j]!;
    expect(lift(12)).toBeGreaterThan(50);
    expect(lift(30)).toBeGreaterThan(0);
    expect(lift(30)).toBeLessThan(lift(23));
    expect(lift(71)).toBeLessThan(lift(30));
  });

  it('extends a provider series with local points from its end, keeping the provider points as given', () => {
    const known = series(weekly, nowMs, nowMs + 48 * MS_PER_HOUR).map((p) => ({ ...p, kind: 'forecast' as const, issuedAtMs: nowMs, provider: 'uk' }));
    const out = extendSeries(known, nowMs, nowMs + 7 * MS_PER_DAY, history);
    expect(out.slice(0, 48)).toEqual(known);
    const tail = out.slice(48);
    expect(tail).toHaveLength(120);
    tail.forEach((p, i) => {
      expect(p.provider).toBe('local');
      expect(p.startMs).toBe(nowMs + (48 + i) * MS_PER_HOUR);
    });
    expect(extendSeries(known, nowMs, nowMs + 24 * MS_PER_HOUR, history)).toEqual(known);
    expect(extendSeries([], nowMs, nowMs + 24 * MS_PER_HOUR, history)).toHaveLength(24);
  });
});
