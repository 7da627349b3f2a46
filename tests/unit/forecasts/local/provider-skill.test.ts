import { MS_PER_DAY, MS_PER_HOUR } from '../../../../src/core';
import { blendProvider, forecastLocalValues, learnProviderWeights, type ProviderArchive, type ProviderIssue } from '../../../../forecasts/local';
import { DEFAULT_BLEND_PARAMS } from '../../../../forecasts/local/blend';
import { seededUniform } from '../../../../src/core/rng';
import type { IntensityPoint } from '../../../../forecasts/types';

const T0 = Date.parse('2021-07-01T00:00:00Z');
const BOUNDARY = T0 + 40 * MS_PER_DAY;
const pt = (startMs: number, g: number, kind: 'measured' | 'forecast', issuedAtMs: number): IntensityPoint => ({
  zone: 'DE', startMs, durationMs: MS_PER_HOUR, gPerKWh: g, kind, issuedAtMs, provider: 'dacf', signal: 'average',
});

/** A wandering hourly series with a daily shape. */
function actuals(seed: number, days = 60): number[] {
  const r = seededUniform(seed);
  let level = 0;
  return Array.from({ length: days * 24 }, (_, i) => {
    level = 0.97 * level + (r() - 0.5) * 40;
    return 300 + level + 60 * Math.cos(((i % 24) - 13) * (Math.PI / 12));
  });
}

/** Daily issues at 00:00 for 24 h: the truth plus noise whose size grows with lead as `noiseAt(h)`. */
function archiveOf(values: number[], noiseAt: (h: number) => number, seed: number): ProviderArchive & { all: ProviderIssue[] } {
  const r = seededUniform(seed);
  const all: ProviderIssue[] = [];
  for (let d = 0; d < values.length / 24; d++) {
    const issuedAtMs = T0 + d * MS_PER_DAY;
    all.push({ issuedAtMs, forecast: Array.from({ length: 24 }, (_, h) => pt(issuedAtMs + h * MS_PER_HOUR, values[d * 24 + h]! + (r() - 0.5) * 2 * noiseAt(h), 'forecast', issuedAtMs)) });
  }
  return { all, issuesBetween: (a, b) => all.filter((i) => i.issuedAtMs >= a && i.issuedAtMs < b) };
}

function history(values: number[]): IntensityPoint[] {
  return values.map((g, i) => pt(T0 + i * MS_PER_HOUR, g, 'measured', T0 + (i + 1) * MS_PER_HOUR));
}

function weights(values: number[], archive: ProviderArchive, over: Partial<{ minSamples: number; boundaryMs: number }> = {}): Float64Array {
  const h = history(values);
  return learnProviderWeights({
    history: h, archive, boundaryMs: over.boundaryMs ?? BOUNDARY, stepMs: MS_PER_HOUR, leads: 24, days: 14, minSamples: over.minSamples ?? 5, fallback: 0.7,
    localAt: (issuedAtMs) => forecastLocalValues({ history: h, nowMs: issuedAtMs, horizonMs: 25 * MS_PER_HOUR }),
  });
}

describe('the provider weights learnt from past issues', () => {
  it('trusts a provider that is nearly exact and distrusts one that is noise, lead by lead', () => {
    const v = actuals(1);
    const good = weights(v, archiveOf(v, () => 2, 2));
    for (const w of good) expect(w).toBeGreaterThan(0.9);
    const bad = weights(v, archiveOf(v, () => 400, 3));
    for (const w of bad) expect(w).toBeLessThan(0.3);
    // Good at short leads, poor at long ones: the weight falls with lead.
    const fading = weights(v, archiveOf(v, (h) => 5 + 12 * h, 4));
    expect(fading[0]).toBeGreaterThan(0.85);
    expect(fading[23]).toBeLessThan(fading[0]! - 0.3);
  });

  it('keeps the fixed weight where too few issues were compared', () => {
    const v = actuals(5);
    const w = weights(v, archiveOf(v, () => 2, 6), { minSamples: 15 });
    for (const x of w) expect(x).toBe(0.7);
    const none = weights(v, { issuesBetween: () => [] });
    for (const x of none) expect(x).toBe(0.7);
  });

  it('reads only issues issued and intervals ended before the boundary', () => {
    const v = actuals(7);
    const a = archiveOf(v, (h) => 5 + 8 * h, 8);
    const before = weights(v, a);
    const changed = v.map((g, i) => (T0 + i * MS_PER_HOUR >= BOUNDARY ? g * 3 : g));
    const wild = archiveOf(changed, () => 500, 9);
    const mixed: ProviderArchive = { issuesBetween: (x, y) => [...a.all.filter((i) => i.issuedAtMs < BOUNDARY), ...wild.all.filter((i) => i.issuedAtMs >= BOUNDARY)].filter((i) => i.issuedAtMs >= x && i.issuedAtMs < y) };
    expect(Array.from(weights(changed, mixed))).toEqual(Array.from(before));
  });

  it('blends by the weight of each interval’s lead after the issue', () => {
    const grid = { stepMs: MS_PER_HOUR, endMs: T0 + 3 * MS_PER_HOUR, values: Float64Array.of(100, 100, 100) };
    const issuedAtMs = T0 + 2 * MS_PER_HOUR;
    const provider = [0, 1, 2, 3].map((h) => pt(issuedAtMs + h * MS_PER_HOUR, 200, 'forecast', issuedAtMs));
    const local = Float64Array.of(100, 100, 100);
    // The forecast starts at lead 1 after the issue (grid end = issue + 1 h): weights[1..3] apply.
    blendProvider(local, grid, provider, { ...DEFAULT_BLEND_PARAMS, biasHours: 1 }, Float64Array.of(0.5, 1, 0, 0.25));
    // The observed error at the issue hour (100 measured vs 200 forecast) corrects the provider down, fading with lead.
    const corrected = (leadH: number): number => 200 - 100 * Math.exp(-leadH / DEFAULT_BLEND_PARAMS.biasTauHours);
    expect(local[0]).toBeCloseTo(corrected(1), 9);
    expect(local[1]).toBeCloseTo(100, 9);
    expect(local[2]).toBeCloseTo(0.25 * corrected(3) + 0.75 * 100, 9);
  });
});
