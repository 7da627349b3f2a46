import { MS_PER_DAY, MS_PER_HOUR } from '../../../../src/core';
import { parseTraceCsv, ReplayForecaster, ReplaySource } from '../../../../forecasts/replay';

const T0 = Date.parse('2021-06-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const pattern = (h: number): number => 250 + 90 * Math.cos((2 * Math.PI * h) / 24) + 10 * Math.sin(h / 17);

/** 50 days of hourly actuals (after `T`: `after(h)`) and daily forecast issues at 00:00 for 24 h. */
function source(T: number, after: (h: number) => number): ReplaySource {
  const measured = ['timestamp,zone,carbon_intensity'];
  const forecast = ['issued_at,timestamp,zone,carbon_intensity'];
  for (let h = 0; h < 50 * 24; h++) {
    const t = T0 + h * MS_PER_HOUR;
    measured.push(`${iso(t)},DE,${(t < T ? pattern(h) : after(h)).toFixed(2)}`);
    const issue = T0 + Math.floor(h / 24) * MS_PER_DAY;
    forecast.push(`${iso(issue)},${iso(t)},DE,${(issue < T ? pattern(h) + 15 : after(h)).toFixed(2)}`);
  }
  return new ReplaySource([parseTraceCsv(measured.join('\n'), { source: 'm.csv' }), parseTraceCsv(forecast.join('\n'), { source: 'f.csv' })]);
}

describe('ReplayForecaster', () => {
  const T = T0 + 40 * MS_PER_DAY + 13 * MS_PER_HOUR;
  const a = source(T, () => 999);
  const b = source(T, () => 1);

  it.each(['local', 'provider'] as const)('in %s mode believes the same before T from two traces that differ only after T', (mode) => {
    const fa = new ReplayForecaster(a, mode);
    const fb = new ReplayForecaster(b, mode);
    for (let now = T - MS_PER_DAY; now <= T; now += 25 * 60_000) {
      const va = fa.at('DE', now, now + 3 * MS_PER_DAY);
      const vb = fb.at('DE', now, now + 3 * MS_PER_DAY);
      expect(Array.from(va.gPerKWh)).toEqual(Array.from(vb.gPerKWh));
      expect(va.startMs).toBe(Math.floor(now / MS_PER_HOUR) * MS_PER_HOUR);
    }
  });

  it('in provider mode follows the issue known at now, corrected by what was measured since', () => {
    const now = T0 + 30 * MS_PER_DAY + 6 * MS_PER_HOUR;
    const v = new ReplayForecaster(a, 'provider').at('DE', now, now + 12 * MS_PER_HOUR);
    const h = (now - T0) / MS_PER_HOUR;
    // The issue runs 15 g high; six measured hours show it, so the next hour is close to the truth.
    expect(Math.abs(v.gPerKWh[0]! - pattern(h))).toBeLessThan(5);
    expect(v.gPerKWh).toHaveLength(12);
  });

  it('in perfect mode returns the future actuals', () => {
    const now = T0 + 45 * MS_PER_DAY + 30 * 60_000;
    const v = new ReplayForecaster(a, 'perfect').at('DE', now, now + 5 * MS_PER_HOUR);
    expect(Array.from(v.gPerKWh)).toEqual([999, 999, 999, 999, 999, 999]);
  });

  it('refuses an unknown zone', () => {
    expect(() => new ReplayForecaster(a, 'local').at('FR', T, T + MS_PER_HOUR)).toThrow(/FR/);
  });
});
