/**
 * The ForecastProvider contract, run against every HTTP adapter with a real server on
 * 127.0.0.1 serving bodies in each API's exact format. Every failure mode must end in a
 * typed `ProviderError` or a usable series — never a crash or an untyped error.
 */
import { ManualClock } from '../../../src/core/clock';
import { ProviderError } from '../../../src/core/errors';
import type { AdapterDeps } from '../../../forecasts/deps';
import type { IntensityPoint } from '../../../forecasts/types';
import { FakeProviderServer } from '../../helpers/fake-provider-server';
import { ADAPTERS, type AdapterSpec, type SeriesValue } from './adapters';

const T0 = Date.parse('2024-10-26T20:00:00Z');

function series(spec: AdapterSpec, values: ReadonlyArray<number | null>, startMs = T0): SeriesValue[] {
  return values.map((value, i) => ({ startMs: startMs + i * spec.stepMs, value }));
}

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected the call to fail');
}

describe.each(ADAPTERS)('ForecastProvider contract: $type', (spec) => {
  let server: FakeProviderServer;
  let sleeps: number[];
  let deps: AdapterDeps;
  const iso = (ps: IntensityPoint[]): string[] => ps.map((p) => new Date(p.startMs).toISOString());

  beforeEach(async () => {
    server = await FakeProviderServer.start();
    spec.setup(server);
    sleeps = [];
    deps = { clock: new ManualClock(T0 + 60_000), sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, env: {} };
  });
  afterEach(async () => {
    await server.stop();
  });

  it('returns the recorded forecast in g/kWh with the canonical labels', async () => {
    server.route(spec.isForecast, { body: spec.recorded.body });
    deps.clock = new ManualClock(spec.recorded.nowMs);
    const points = await spec.make(server.baseUrl, deps).forecast(spec.zone, spec.recorded.nowMs);
    expect(points.map((p) => p.gPerKWh)).toEqual(spec.recorded.gPerKWh.map((g) => expect.closeTo(g, 9)));
    expect(iso(points).slice(0, 2)).toEqual(spec.recorded.starts);
    for (const p of points) {
      expect(p).toMatchObject({ zone: spec.zone, kind: 'forecast', durationMs: spec.stepMs });
      expect(['average', 'marginal']).toContain(p.signal);
      expect(p.issuedAtMs).toBeLessThanOrEqual(spec.recorded.nowMs);
    }
  });

  it('turns a timeout into a retryable ProviderError', async () => {
    server.route(spec.isForecast, { delayMs: 2_000, body: spec.format(series(spec, [100])) });
    const err = await rejection(spec.make(server.baseUrl, deps, { timeoutMs: 100 }).forecast(spec.zone, T0));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/timed out after 100 ms/);
  });

  it('retries a 500 with jittered backoff and then succeeds', async () => {
    server.route(spec.isForecast, { status: 500, body: { error: 'boom' } }, { body: spec.format(series(spec, [100, 110])) });
    const points = await spec.make(server.baseUrl, deps, { retries: 2 }).forecast(spec.zone, T0 + 60_000);
    expect(points.map((p) => p.gPerKWh)).toEqual([100 * spec.factor, 110 * spec.factor]);
    expect(sleeps).toEqual([250]); // random 0.5 × min(30 s, 500 ms × 2^0)
  });

  it('gives up on a persistent 500 with a typed error carrying the status', async () => {
    server.route(spec.isForecast, { status: 500, body: { error: { code: '500 Internal Server Error', message: 'Requested resource not found.' } } });
    const err = await rejection(spec.make(server.baseUrl, deps, { retries: 2 }).forecast(spec.zone, T0));
    expect(err).toMatchObject({ status: 500, retryable: true });
    expect(server.requests.filter((r) => spec.isForecast(r.path))).toHaveLength(3);
    expect(sleeps).toEqual([250, 500]);
  });

  it('waits as long as Retry-After says after a 429', async () => {
    server.route(spec.isForecast, { status: 429, headers: { 'retry-after': '3' }, body: { error: 'Too many requests' } }, { body: spec.format(series(spec, [90])) });
    const points = await spec.make(server.baseUrl, deps, { retries: 1 }).forecast(spec.zone, T0 + 60_000);
    expect(sleeps).toEqual([3_000]);
    expect(points[0]?.gPerKWh).toBeCloseTo(90 * spec.factor, 9);
  });

  it('does not wait for a Retry-After longer than a minute: the chain falls back instead', async () => {
    server.route(spec.isForecast, { status: 429, headers: { 'retry-after': '3600' }, body: '' });
    const err = await rejection(spec.make(server.baseUrl, deps, { retries: 3 }).forecast(spec.zone, T0));
    expect(err).toMatchObject({ status: 429, retryAfterMs: 3_600_000 });
    expect(sleeps).toEqual([]);
  });

  it('answers a 401 by logging in again when the API has logins, else with a typed auth error', async () => {
    server.route(spec.isForecast, { status: 401, body: { error: 'Invalid auth-token' } }, { body: spec.format(series(spec, [80])) });
    const provider = spec.make(server.baseUrl, deps);
    if (spec.relogsIn) {
      const points = await provider.forecast(spec.zone, T0 + 60_000);
      expect(points[0]?.gPerKWh).toBeCloseTo(80 * spec.factor, 9);
      expect(server.requestsTo('/login')).toHaveLength(2);
      expect(server.requestsTo(spec.isForecast).map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    } else {
      const err = await rejection(provider.forecast(spec.zone, T0));
      expect(err).toMatchObject({ status: 401, retryable: false });
    }
  });

  it('reports an HTML error page as a typed error, naming the page, not a JSON crash', async () => {
    const html = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>';
    server.route(spec.isForecast, { status: 502, body: html });
    const err = await rejection(spec.make(server.baseUrl, deps).forecast(spec.zone, T0));
    expect(err.status).toBe(502);
    expect(err.message).toContain('HTML error page "502 Bad Gateway"');
  });

  it('treats 200 with an HTML body as a typed error', async () => {
    server.route(spec.isForecast, { status: 200, body: '<html><body>maintenance</body></html>' });
    const err = await rejection(spec.make(server.baseUrl, deps).forecast(spec.zone, T0));
    expect(err.message).toMatch(/HTML body instead of JSON/);
  });

  it('treats 200 {} (the outage answer) as a retryable typed error', async () => {
    server.route(spec.isForecast, { body: {} });
    const err = await rejection(spec.make(server.baseUrl, deps).forecast(spec.zone, T0));
    expect(err.retryable).toBe(true);
  });

  it('drops null values and keeps the rest', async () => {
    server.route(spec.isForecast, { body: spec.format(series(spec, [100, null, 120])) });
    const points = await spec.make(server.baseUrl, deps).forecast(spec.zone, T0 + 60_000);
    expect(points.map((p) => [p.startMs - T0, p.gPerKWh])).toEqual([[0, 100 * spec.factor], [2 * spec.stepMs, 120 * spec.factor]]);
  });

  it('fails with a typed error when every value is null', async () => {
    server.route(spec.isForecast, { body: spec.format(series(spec, [null, null])) });
    await rejection(spec.make(server.baseUrl, deps).forecast(spec.zone, T0));
  });

  it('accepts a forecast that stops early and returns just what it has', async () => {
    server.route(spec.isForecast, { body: spec.format(series(spec, [100, 101, 102])) });
    const points = await spec.make(server.baseUrl, deps).forecast(spec.zone, T0 + 60_000);
    expect(points).toHaveLength(3);
    expect(points.at(-1)!.startMs).toBe(T0 + 2 * spec.stepMs);
  });

  it('sorts non-contiguous points, keeps the gap, and keeps one value per duplicated start', async () => {
    const s = spec.stepMs;
    const values: SeriesValue[] = [
      { startMs: T0, value: 100 },
      { startMs: T0 + 4 * s, value: 140 },
      { startMs: T0 + s, value: 110 },
      { startMs: T0 + s, value: 111 },
    ];
    server.route(spec.isForecast, { body: spec.format(values) });
    const points = await spec.make(server.baseUrl, deps).forecast(spec.zone, T0 + 60_000);
    expect(points.map((p) => (p.startMs - T0) / s)).toEqual([0, 1, 4]);
    expect(points.map((p) => p.gPerKWh)).toEqual([100, 111, 140].map((v) => expect.closeTo(v * spec.factor, 9)));
    expect(points.every((p) => p.durationMs === s)).toBe(true);
  });

  it('keeps UTC starts strictly increasing and evenly spaced across a DST change', async () => {
    // Europe and the UK fall back at 2024-10-27T01:00Z: local 02:00–03:00 happens twice.
    const dstStart = Date.parse('2024-10-27T00:00:00Z');
    const count = Math.round((3 * 3_600_000) / spec.stepMs);
    server.route(spec.isForecast, { body: spec.format(series(spec, Array.from({ length: count }, (_, i) => 200 + (i % 7)), dstStart)) });
    deps.clock = new ManualClock(dstStart + 60_000);
    const points = await spec.make(server.baseUrl, deps).forecast(spec.zone, dstStart + 60_000);
    expect(points).toHaveLength(count);
    points.forEach((p, i) => expect(p.startMs).toBe(dstStart + i * spec.stepMs));
  });

  const withSecrets = spec.secrets.length > 0 ? it : it.skip;
  withSecrets('never puts a secret into an error message, even when the server echoes it', async () => {
    server.route(spec.isForecast, { status: 400, body: { error: `bad credentials ${spec.secrets.join(' / ')}` } });
    const err = await rejection(spec.make(server.baseUrl, deps).forecast(spec.zone, T0));
    expect(err.message).toContain('bad credentials ***');
    for (const secret of spec.secrets) expect(err.message).not.toContain(secret);
  });
});
