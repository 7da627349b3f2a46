import { ManualClock } from '../../../src/core/clock';
import { ProviderError } from '../../../src/core/errors';
import { WattTimeProvider } from '../../../forecasts/watttime/provider';
import { FakeProviderServer } from '../../helpers/fake-provider-server';
import { fixture } from '../../contract/forecasts/adapters';

const NOW = Date.parse('2022-07-15T00:01:00Z');

describe('WattTime session', () => {
  let server: FakeProviderServer;
  let clock: ManualClock;
  const make = (extra: object = {}): WattTimeProvider =>
    new WattTimeProvider('wt', { type: 'watttime', baseUrl: server.baseUrl, username: 'u', password: 'p4ss', timeoutMs: 1000, retries: 0, requestsPerHour: 100, ...extra }, { clock, sleep: async () => undefined, random: () => 0 });

  beforeEach(async () => {
    server = await FakeProviderServer.start();
    clock = new ManualClock(NOW);
    server.route('/login', { body: { token: 'token-1' } }, { body: { token: 'token-2' } });
    server.route('/v3/forecast', { body: fixture('watttime/forecast_CAISO_NORTH.json') });
  });
  afterEach(() => server.stop());

  it('logs in with HTTP Basic, reuses the token for 29 minutes, then renews it before it expires', async () => {
    const wt = make({ region: 'CAISO_NORTH' });
    await wt.forecast('US-CAL-CISO', NOW);
    clock.advance(28 * 60_000);
    await wt.forecast('US-CAL-CISO', clock.now());
    clock.advance(2 * 60_000);
    await wt.forecast('US-CAL-CISO', clock.now());
    expect(server.requestsTo('/login').map((r) => r.headers.authorization)).toEqual(['Basic ' + Buffer.from('u:p4ss').toString('base64'), 'Basic ' + Buffer.from('u:p4ss').toString('base64')]);
    expect(server.requestsTo('/v3/forecast').map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
    expect(server.requestsTo('/v3/forecast')[0]!.query.get('horizon_hours')).toBe('72');
  });

  it('logs in again only once on 403: a second refusal is a typed error', async () => {
    server.route('/v3/forecast', { status: 403, body: '<html><head><title>403 Forbidden</title></head></html>' });
    const err = await make({ region: 'CAISO_NORTH' }).forecast('US-CAL-CISO', NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(403);
    expect(server.requestsTo('/login')).toHaveLength(2);
    expect(server.requestsTo('/v3/forecast')).toHaveLength(2);
  });

  it('looks the region up from latitude/longitude once', async () => {
    server.route('/v3/region-from-loc', { body: fixture('watttime/region-from-loc.json') });
    const wt = make({ latitude: 39.7, longitude: -105 });
    await wt.forecast('US-CO', NOW);
    await wt.forecast('US-CO', NOW);
    expect(server.requestsTo('/v3/region-from-loc')).toHaveLength(1);
    expect(server.requestsTo('/v3/forecast').map((r) => r.query.get('region'))).toEqual(['PSCO', 'PSCO']);
  });

  it('asks for history in chunks of at most 32 days', async () => {
    server.route('/v3/historical', { body: fixture('watttime/historical_CAISO_NORTH.json') });
    const from = Date.parse('2022-06-01T00:00:00Z');
    const to = Date.parse('2022-08-01T00:00:00Z');
    const points = await make({ region: 'CAISO_NORTH' }).history('US-CAL-CISO', from, to, to);
    const spans = server.requestsTo('/v3/historical').map((r) => [r.query.get('start'), r.query.get('end')]);
    expect(spans).toEqual([
      ['2022-06-01T00:00:00.000Z', '2022-07-03T00:00:00.000Z'],
      ['2022-07-03T00:00:00.000Z', '2022-08-01T00:00:00.000Z'],
    ]);
    expect(points.every((p) => p.kind === 'measured')).toBe(true);
  });

  it('reads the signal index as a percentile, not an intensity', async () => {
    server.route('/v3/signal-index', { body: fixture('watttime/signal-index_PSCO.json') });
    expect((await make({ region: 'PSCO' }).signalIndex('US-CO')).percentile).toBe(96);
  });
});
