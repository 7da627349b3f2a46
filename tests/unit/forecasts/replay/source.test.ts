import * as path from 'node:path';
import { MS_PER_HOUR, MS_PER_MINUTE, ProviderError } from '../../../../src/core';
import { parseTraceCsv, ReplaySource } from '../../../../forecasts/replay';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'traces');
const fixture = (name: string): { path: string } => ({ path: path.join(FIXTURES, name) });
const T = (iso: string): number => Date.parse(iso);

describe('ReplaySource', () => {
  const src = ReplaySource.fromFiles([fixture('gb_hourly_gap.csv'), fixture('de_dacf_forecast.csv'), fixture('de_15min.csv')]);

  it('lists its zones and their interval lengths', () => {
    expect(src.zones()).toEqual(['DE', 'GB']);
    expect(src.stepMs('GB')).toBe(MS_PER_HOUR);
    expect(src.stepMs('DE')).toBe(15 * MS_PER_MINUTE);
    expect(src.stepMs('FR')).toBeUndefined();
  });

  it('never returns a measured point whose interval had not ended at now', () => {
    const from = T('2021-01-03T00:00:00Z');
    const to = T('2021-01-06T00:00:00Z');
    for (let now = T('2021-01-03T23:00:00Z'); now <= T('2021-01-05T02:00:00Z'); now += 7 * MS_PER_MINUTE) {
      const pts = src.measured('GB', from, to, now);
      for (const p of pts) expect(p.startMs + p.durationMs).toBeLessThanOrEqual(now);
      const expected = [...Array(24).keys()].filter((h) => h !== 5).filter((h) => T('2021-01-04T00:00:00Z') + (h + 1) * MS_PER_HOUR <= now).length;
      expect(pts).toHaveLength(expected);
    }
  });

  it('serves measured points in [from, to) as canonical points known at their end', () => {
    const pts = src.measured('GB', T('2021-01-04T02:00:00Z'), T('2021-01-04T07:00:00Z'), T('2021-01-05T00:00:00Z'));
    expect(pts.map((p) => new Date(p.startMs).toISOString().slice(11, 13))).toEqual(['02', '03', '04', '06']);
    expect(pts[0]).toEqual({ zone: 'GB', startMs: T('2021-01-04T02:00:00Z'), durationMs: MS_PER_HOUR, gPerKWh: 220, kind: 'measured', issuedAtMs: T('2021-01-04T03:00:00Z'), provider: 'file', signal: 'average' });
  });

  it.each([
    ['before the first issue', '2021-06-30T23:59:59Z', undefined],
    ['at the first issue', '2021-07-01T00:00:00Z', '2021-07-01T00:00:00Z'],
    ['between issues', '2021-07-01T17:00:00Z', '2021-07-01T00:00:00Z'],
    ['one ms before the second issue', '2021-07-01T23:59:59.999Z', '2021-07-01T00:00:00Z'],
    ['at the second issue', '2021-07-02T00:00:00Z', '2021-07-02T00:00:00Z'],
    ['long after the last issue', '2021-08-01T00:00:00Z', '2021-07-02T00:00:00Z'],
  ])('serves the newest forecast issued at or before now: %s', (_what, nowIso, issuedIso) => {
    const pts = src.forecastAt('DE', T(nowIso));
    if (issuedIso === undefined) {
      expect(pts).toEqual([]);
      return;
    }
    expect(pts).toHaveLength(24);
    for (const p of pts) {
      expect(p.issuedAtMs).toBe(T(issuedIso));
      expect(p.issuedAtMs).toBeLessThanOrEqual(T(nowIso));
      expect(p.kind).toBe('forecast');
    }
    expect(pts[0]!.startMs).toBe(T(issuedIso));
  });

  it('answers unknown zones with nothing directly and with a ProviderError through the provider contract', async () => {
    expect(src.measured('FR', 0, Infinity, Infinity)).toEqual([]);
    expect(src.forecastAt('FR', Infinity)).toEqual([]);
    await expect(src.forecast('FR', 0)).rejects.toBeInstanceOf(ProviderError);
    await expect(src.history('FR', 0, 1, 2)).rejects.toThrow(/no measured data for zone FR/);
    await expect(src.forecast('DE', T('2021-07-01T05:00:00Z'))).resolves.toHaveLength(24);
    await expect(src.history('GB', 0, Infinity, T('2021-01-04T03:00:00Z'))).resolves.toHaveLength(3);
  });

  it('is a provider of type file with a configurable name', () => {
    const named = new ReplaySource([], { name: 'replay', signal: 'marginal' });
    expect([named.name, named.type, named.signal]).toEqual(['replay', 'file', 'marginal']);
  });

  it('merges consecutive and interleaved files of one zone, and rejects overlaps', () => {
    const a = parseTraceCsv('timestamp,zone,carbon_intensity\n2021-01-01T00:00:00Z,GB,1\n2021-01-01T02:00:00Z,GB,3\n', { source: 'a.csv' });
    const b = parseTraceCsv('timestamp,zone,carbon_intensity\n2021-01-01T01:00:00Z,GB,2\n2021-01-01T03:00:00Z,GB,4\n', { source: 'b.csv' });
    const merged = new ReplaySource([b, a]).truth('GB')!;
    expect(Array.from(merged.gPerKWh)).toEqual([1, 2, 3, 4]);
    expect(() => new ReplaySource([a, a])).toThrow(/also in a.csv/);
  });

  it('reads a trace across both DST changes in UTC, whatever the local time zone', () => {
    const savedTz = process.env.TZ;
    try {
      for (const tz of ['Europe/London', 'America/New_York', 'UTC']) {
        process.env.TZ = tz;
        const s = ReplaySource.fromFiles([fixture('gb_30min_dst.csv')]);
        const all = s.measured('GB', 0, Infinity, Infinity);
        expect(all).toHaveLength(24);
        // Spring: 2021-03-28 01:00Z is where London skips an hour; in UTC the series is contiguous.
        const spring = all.slice(0, 12).map((p) => p.startMs);
        expect(spring.every((t, i) => i === 0 || t - spring[i - 1]! === 30 * MS_PER_MINUTE)).toBe(true);
        expect(spring[6]).toBe(T('2021-03-28T01:00:00Z'));
        // Autumn: London repeats 01:00–02:00 local; UTC has no duplicate.
        const autumn = all.slice(12).map((p) => p.startMs);
        expect(new Set(autumn).size).toBe(12);
        expect(autumn[6]).toBe(T('2021-10-31T01:00:00Z'));
        expect(s.measured('GB', 0, Infinity, T('2021-03-28T01:30:00Z')).at(-1)!.startMs).toBe(T('2021-03-28T01:00:00Z'));
      }
    } finally {
      if (savedTz === undefined) delete process.env.TZ;
      else process.env.TZ = savedTz;
    }
  });

  it('gives typed-array views without copying', () => {
    const v = src.measuredView('GB', 0, Infinity, T('2021-01-04T04:00:00Z'))!;
    expect(Array.from(v.gPerKWh)).toEqual([200, 210, 220, 230]);
    expect(v.gPerKWh.buffer).toBe(src.truth('GB')!.gPerKWh.buffer);
    expect(src.forecastViewAt('DE', T('2021-07-02T01:00:00Z'))!.issuedAtMs).toBe(T('2021-07-02T00:00:00Z'));
  });
});
