/**
 * Provider response fuzzing (fast-check): every `map` of every adapter, fed arbitrary JSON,
 * bodies in the API's shape with arbitrary leaves, and mutations of the recorded responses,
 * either returns canonical points that pass the plausibility rules, or throws a
 * `ProviderError` naming the provider — never anything else. The oracle below restates the
 * rules with literal bounds (it does not call forecasts/plausibility), so breaking a check in
 * the code makes these properties fail.
 *
 * `npx jest --config jest.reliability.config.js tests/reliability/fuzz-providers.test.ts`
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { ProviderError } from '../../src/core/errors';
import { mapCasdkEmissions, mapCasdkForecast } from '../../forecasts/carbon-aware-sdk/map';
import { mapEmapsForecast, mapEmapsHistory, mapEmapsLatest } from '../../forecasts/electricity-maps/map';
import type { IntensityPoint } from '../../forecasts/types';
import { mapUkWindows, ukWindows } from '../../forecasts/uk-carbon-intensity/map';
import { mapWattTimeSeries, mapWattTimeSignalIndex } from '../../forecasts/watttime/map';

const PROVIDER = 'fuzzed';
const ZONE = 'Z';
const FETCHED_MS = Date.parse('2024-01-12T06:01:00Z');
const ctx = { provider: PROVIDER, zone: ZONE, fetchedAtMs: FETCHED_MS };
/** The plausible ranges, restated (gCO2eq/kWh; ms): 0–2,000 average, 0–3,000 marginal; an interval over 0 and at most a day. */
const MAX_G = { average: 2_000, marginal: 3_000 } as const;
const MAX_DURATION_MS = 86_400_000;
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 1_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20240112);

const fixture = (rel: string): unknown => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/providers', rel), 'utf8')) as unknown;

type Map = (body: unknown) => unknown;

/** Each map under test, with the recorded bodies of its shape (the seeds of the mutations). */
const MAPS: Array<{ name: string; map: Map; points: boolean; recorded: string[] }> = [
  { name: 'uk', map: (b) => mapUkWindows(ukWindows(b, PROVIDER), ctx), points: true,
    recorded: ['uk-carbon-intensity/national_fw48h_2024-01-12T0601Z.json', 'uk-carbon-intensity/national_pt24h_2024-01-12T0601Z.json', 'uk-carbon-intensity/regional_fw48h_regionid_13.json', 'uk-carbon-intensity/regional_postcode_RG10_current.json'] },
  { name: 'emaps forecast', map: (b) => mapEmapsForecast(b, ctx), points: true, recorded: ['electricity-maps/forecast_DE.json'] },
  { name: 'emaps history', map: (b) => mapEmapsHistory(b, ctx), points: true, recorded: ['electricity-maps/history_DE.json', 'electricity-maps/past-range_DK-DK2.json'] },
  { name: 'emaps latest', map: (b) => mapEmapsLatest(b, ctx), points: true, recorded: ['electricity-maps/latest_US-CAR-DUK.json'] },
  { name: 'watttime forecast', map: (b) => mapWattTimeSeries(b, 'forecast', ctx), points: true, recorded: ['watttime/forecast_CAISO_NORTH.json'] },
  { name: 'watttime historical', map: (b) => mapWattTimeSeries(b, 'measured', ctx), points: true, recorded: ['watttime/historical_CAISO_NORTH.json'] },
  { name: 'watttime signal-index', map: (b) => mapWattTimeSignalIndex(b, PROVIDER), points: false, recorded: ['watttime/signal-index_PSCO.json'] },
  { name: 'casdk forecast', map: (b) => mapCasdkForecast(b, { ...ctx, signal: 'marginal' }), points: true, recorded: ['carbon-aware-sdk/forecasts_current_eastus.json'] },
  { name: 'casdk emissions', map: (b) => mapCasdkEmissions(b, { ...ctx, signal: 'average' }), points: true, recorded: ['carbon-aware-sdk/bylocations_eastus.json'] },
];

/** Why `points` is not a canonical, plausible series (the oracle), or undefined. */
function notCanonical(points: unknown): string | undefined {
  if (!Array.isArray(points)) return 'not an array';
  const last = new Map<string, IntensityPoint>();
  for (const p of points as IntensityPoint[]) {
    if (p.zone !== ZONE || p.provider !== PROVIDER) return `labels ${p.zone}/${p.provider}`;
    if (p.kind !== 'measured' && p.kind !== 'forecast') return `kind ${String(p.kind)}`;
    if (p.signal !== 'average' && p.signal !== 'marginal') return `signal ${String(p.signal)}`;
    if (!(Number.isFinite(p.gPerKWh) && p.gPerKWh >= 0 && p.gPerKWh <= MAX_G[p.signal])) return `value ${p.gPerKWh} (${p.signal})`;
    if (!(Number.isFinite(p.durationMs) && p.durationMs > 0 && p.durationMs <= MAX_DURATION_MS)) return `duration ${p.durationMs}`;
    if (!Number.isFinite(p.startMs) || !Number.isFinite(p.issuedAtMs)) return `times ${p.startMs}/${p.issuedAtMs}`;
    const prev = last.get(p.kind);
    if (prev && p.startMs < prev.startMs + prev.durationMs) return `not monotonic: ${p.startMs} after ${prev.startMs} + ${prev.durationMs}`;
    last.set(p.kind, p);
  }
  return undefined;
}

function notSignalIndex(v: unknown): string | undefined {
  const s = v as { percentile: number; pointTimeMs: number; region: string };
  if (!(Number.isFinite(s.percentile) && s.percentile >= 0 && s.percentile <= 100)) return `percentile ${s.percentile}`;
  if (!Number.isFinite(s.pointTimeMs) || typeof s.region !== 'string') return 'fields';
  return undefined;
}

const tally = { cases: 0, answers: 0, points: 0, providerErrors: 0 };

/** The property: a canonical answer or a ProviderError naming the provider; anything else fails the case. */
function holds(map: Map, points: boolean, body: unknown): boolean {
  tally.cases++;
  let out: unknown;
  try {
    out = map(body);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw new Error(`not a ProviderError: ${String(err)}`);
    if (err.provider !== PROVIDER || !err.message.startsWith(`${PROVIDER}: `)) throw new Error(`the error does not name the provider: ${err.message}`);
    tally.providerErrors++;
    return true;
  }
  const why = points ? notCanonical(out) : notSignalIndex(out);
  if (why !== undefined) throw new Error(`accepted a non-canonical answer: ${why}`);
  tally.answers++;
  if (Array.isArray(out)) tally.points += out.length;
  return true;
}

/** Leaves a provider might send: extreme and non-finite numbers (1e400 parses to Infinity), odd strings, nulls, nesting. */
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -5, -0, 1e9, 2_000, 2_000.5, 3_000, 3_001, Infinity, -Infinity, 300, 1e-300), // JSON.parse('1e400') is Infinity
  fc.integer({ min: -1_000, max: 5_000 }),
  fc.constantFrom(null, true, '', 'null', 'NaN', '294', '00:05:00', '1.00:00:00', 'lbs_co2_per_mwh', 'percentile', 'gCO2eq/kWh', 'kgCO2eq/kWh'),
  fc.string(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Times in every format the APIs use, for any instant (also far past/future), plus garbage. */
const time: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms).toISOString()),
  fc.integer({ min: Date.parse('2023-12-01T00:00Z'), max: Date.parse('2024-02-01T00:00Z') }).map((ms) => new Date(ms - (ms % 300_000)).toISOString()),
  fc.integer({ min: Date.parse('2023-12-01T00:00Z'), max: Date.parse('2024-02-01T00:00Z') }).map((ms) => new Date(ms - (ms % 1_800_000)).toISOString().slice(0, 16) + 'Z'),
  fc.integer({ min: Date.parse('2023-12-01T00:00Z'), max: Date.parse('2024-02-01T00:00Z') }).map((ms) => new Date(ms - (ms % 300_000)).toISOString().slice(0, 19) + '+00:00'),
  leaf,
);

/** Bodies in each API's shape with arbitrary leaves: they reach past the shape checks into the maps. */
const shaped: Record<string, fc.Arbitrary<unknown>> = {
  'uk': fc.oneof(
    fc.record({ data: fc.array(fc.record({ from: time, to: time, intensity: fc.record({ forecast: leaf, actual: leaf, index: leaf }, { requiredKeys: [] }) }, { requiredKeys: [] }), { maxLength: 8 }) }),
    fc.record({ data: fc.record({ regionid: leaf, data: fc.array(fc.record({ from: time, to: time, intensity: fc.record({ forecast: leaf }) }), { maxLength: 6 }) }) }),
  ),
  'emaps forecast': fc.record({ zone: leaf, forecast: fc.array(fc.record({ carbonIntensity: leaf, datetime: time }, { requiredKeys: [] }), { maxLength: 8 }), updatedAt: time, units: fc.option(fc.record({ carbonIntensity: leaf })) }, { requiredKeys: ['forecast'] }),
  'emaps history': fc.record({ zone: leaf, history: fc.array(fc.record({ carbonIntensity: leaf, datetime: time, isEstimated: leaf }, { requiredKeys: [] }), { maxLength: 8 }) }, { requiredKeys: ['history'] }),
  'emaps latest': fc.record({ zone: leaf, carbonIntensity: leaf, datetime: time, isEstimated: leaf, units: fc.record({ carbonIntensity: leaf }) }, { requiredKeys: [] }),
  'watttime forecast': fc.record({ data: fc.array(fc.record({ point_time: time, value: leaf }, { requiredKeys: [] }), { maxLength: 8 }), meta: fc.record({ data_point_period_seconds: leaf, units: fc.oneof(fc.constant('lbs_co2_per_mwh'), leaf), signal_type: fc.oneof(fc.constantFrom('co2_moer', 'co2_aoer'), leaf), generated_at: time }, { requiredKeys: [] }) }, { requiredKeys: ['data'] }),
  'watttime historical': fc.record({ data: fc.array(fc.record({ point_time: time, value: leaf }), { maxLength: 8 }), meta: fc.record({ data_point_period_seconds: leaf, units: fc.oneof(fc.constant('lbs_co2_per_mwh'), leaf) }, { requiredKeys: [] }) }),
  'watttime signal-index': fc.record({ data: fc.array(fc.record({ point_time: time, value: leaf }), { maxLength: 2 }), meta: fc.record({ units: fc.oneof(fc.constant('percentile'), leaf), region: leaf }, { requiredKeys: [] }) }),
  'casdk forecast': fc.array(fc.record({ generatedAt: time, forecastData: fc.array(fc.record({ timestamp: time, duration: leaf, value: leaf }, { requiredKeys: [] }), { maxLength: 8 }) }, { requiredKeys: ['forecastData'] }), { maxLength: 2 }),
  'casdk emissions': fc.oneof(fc.constant(undefined), fc.array(fc.record({ location: leaf, time, rating: leaf, duration: leaf }, { requiredKeys: [] }), { maxLength: 8 })),
};

type Path = Array<string | number>;

/** Every path to a leaf or a container of `v`. */
function pathsOf(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}

type Mutation = { kind: 'set'; at: number; value: unknown } | { kind: 'delete'; at: number } | { kind: 'shift'; at: number; byMs: number } | { kind: 'duplicate'; at: number };

/** Applies `mutations` to a deep copy of `body` (each picks its path by index modulo the paths there are). */
function mutate(body: unknown, mutations: readonly Mutation[]): unknown {
  const root = { v: structuredClone(body) as unknown };
  for (const m of mutations) {
    const paths = pathsOf(root.v, []).map((p) => ['v', ...p]);
    const p = paths[m.at % paths.length] as Path;
    let parent: Record<string | number, unknown> = root as unknown as Record<string, unknown>;
    for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const key = p[p.length - 1] as string | number;
    const cur = parent[key];
    if (m.kind === 'set') parent[key] = m.value;
    else if (m.kind === 'delete') { if (Array.isArray(parent)) parent.splice(key as number, 1); else if (key !== 'v') delete parent[key]; }
    else if (m.kind === 'shift' && typeof cur === 'string' && !Number.isNaN(Date.parse(cur))) parent[key] = new Date(Date.parse(cur) + m.byMs).toISOString();
    else if (m.kind === 'duplicate' && Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(cur));
  }
  return root.v;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: leaf }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('shift' as const), at: fc.nat(), byMs: fc.oneof(fc.constantFrom(-86_400_000, 86_400_000, -3_600_000, 365 * 86_400_000, 60_000), fc.integer({ min: -1e12, max: 1e12 })) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
);

describe('provider response fuzzing: a canonical, plausible answer or a ProviderError naming the provider', () => {
  afterAll(() => {
    // One line for the CI log (the count the issue asks for).
    console.log(`fuzz-providers: ${tally.cases} cases over ${MAPS.length} maps (seed ${SEED}, ${RUNS} runs per property): ${tally.answers} answers with ${tally.points} points, ${tally.providerErrors} ProviderErrors, 0 other exceptions`);
    expect(tally.cases).toBeGreaterThanOrEqual(2_000);
  });

  describe.each(MAPS)('$name', ({ name, map, points, recorded }) => {
    it('arbitrary JSON bodies', () => {
      fc.assert(fc.property(fc.oneof(fc.jsonValue(), leaf, fc.constant(undefined)), (body) => holds(map, points, body)), { numRuns: RUNS, seed: SEED });
    });

    it('bodies in the API\'s shape with arbitrary values, times and units', () => {
      fc.assert(fc.property(shaped[name] as fc.Arbitrary<unknown>, (body) => holds(map, points, body)), { numRuns: RUNS, seed: SEED });
    });

    it('mutations of the recorded responses (values, deleted keys, shifted times, duplicated entries)', () => {
      const bodies = recorded.map(fixture);
      expect(bodies.every((b) => holds(map, points, b))).toBe(true);
      fc.assert(fc.property(fc.constantFrom(...bodies), fc.array(mutation, { minLength: 1, maxLength: 4 }), (body, ms) => holds(map, points, mutate(body, ms))), { numRuns: RUNS, seed: SEED });
    });
  });
});
