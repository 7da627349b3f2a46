/**
 * The HistoryProvider contract against every HTTP adapter: recorded history responses
 * become measured points inside the requested range, in g/kWh, and failures are typed.
 */
import { ManualClock } from '../../../src/core/clock';
import { ProviderError } from '../../../src/core/errors';
import { hasHistory } from '../../../forecasts/types';
import { FakeProviderServer } from '../../helpers/fake-provider-server';
import { ADAPTERS, fixture } from './adapters';

const CASES: Record<string, { route: (p: string) => boolean; body: unknown; fromIso: string; toIso: string; nowIso: string; gPerKWh: number[]; kind: 'measured' | 'forecast' }> = {
  'uk-carbon-intensity': {
    route: (p) => /^\/intensity\/[^/]+\/[^/]+$/.test(p), body: fixture('uk-carbon-intensity/national_pt24h_2024-01-12T0601Z.json'),
    fromIso: '2024-01-11T06:00:00Z', toIso: '2024-01-11T10:00:00Z', nowIso: '2024-01-12T06:01:00Z', gPerKWh: [271, 277, 282, 283, 282, 275, 276, 275], kind: 'measured',
  },
  'electricity-maps': {
    route: (p) => p === '/carbon-intensity/past-range', body: fixture('electricity-maps/past-range_DK-DK2.json'),
    fromIso: '2024-03-18T00:00:00Z', toIso: '2024-03-19T00:00:00Z', nowIso: '2025-03-01T00:00:00Z', gPerKWh: [161, 167], kind: 'measured',
  },
  watttime: {
    route: (p) => p === '/v3/historical', body: fixture('watttime/historical_CAISO_NORTH.json'),
    fromIso: '2022-07-15T00:00:00Z', toIso: '2022-07-15T01:00:00Z', nowIso: '2022-07-16T00:00:00Z', gPerKWh: [870 * 0.45359237, 860 * 0.45359237], kind: 'measured',
  },
  'carbon-aware-sdk': {
    route: (p) => p === '/emissions/bylocations', body: fixture('carbon-aware-sdk/bylocations_eastus.json'),
    fromIso: '2022-11-02T10:00:00Z', toIso: '2022-11-02T11:00:00Z', nowIso: '2022-11-02T12:00:00Z', gPerKWh: [545.67162111, 544, 543.25], kind: 'measured',
  },
};

describe.each(ADAPTERS)('HistoryProvider contract: $type', (spec) => {
  const c = CASES[spec.type]!;
  let server: FakeProviderServer;
  beforeEach(async () => {
    server = await FakeProviderServer.start();
    spec.setup(server);
  });
  afterEach(() => server.stop());
  const make = () => {
    const p = spec.make(server.baseUrl, { clock: new ManualClock(Date.parse(c.nowIso)), sleep: async () => undefined, random: () => 0, env: {} });
    if (!hasHistory(p)) throw new Error(`${spec.type} has no history`);
    return p;
  };

  it('maps the recorded history to measured points inside the range', async () => {
    server.route(c.route, { body: c.body });
    const points = await make().history(spec.zone, Date.parse(c.fromIso), Date.parse(c.toIso), Date.parse(c.nowIso));
    expect(points.map((p) => p.gPerKWh)).toEqual(c.gPerKWh);
    expect(points.every((p) => p.kind === c.kind && p.startMs >= Date.parse(c.fromIso) && p.startMs < Date.parse(c.toIso))).toBe(true);
  });

  it('answers an error status with a typed ProviderError', async () => {
    server.route(c.route, { status: 404, body: { error: 'not found' } });
    await expect(make().history(spec.zone, Date.parse(c.fromIso), Date.parse(c.toIso), Date.parse(c.nowIso))).rejects.toBeInstanceOf(ProviderError);
  });
});

describe('Carbon Aware SDK history', () => {
  it('reads 204 No Content as "no data": an empty history, not an error', async () => {
    const server = await FakeProviderServer.start();
    try {
      server.route('/emissions/bylocations', { status: 204 });
      const spec = ADAPTERS.find((a) => a.type === 'carbon-aware-sdk')!;
      const p = spec.make(server.baseUrl, { clock: new ManualClock(0), sleep: async () => undefined, env: {} });
      expect(hasHistory(p) && (await p.history('US-EAST', 0, 3_600_000, 3_600_000))).toEqual([]);
      expect(server.requestsTo('/emissions/bylocations')[0]!.query.getAll('location')).toEqual(['eastus']);
    } finally {
      await server.stop();
    }
  });
});
