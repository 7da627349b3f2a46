/**
 * The daemon's wiring of the signal, with real parts: a TOML config compiled by the config
 * loader, providers built from its entries, the SQLite ledger as the store, and a real
 * local HTTP server standing in for the APIs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { loadConfig } from '../../../src/config';
import { openLedger, type Db } from '../../../src/ledger/db';
import { ledgerSignalStore } from '../../../src/ledger/zone-status';
import { signalServiceFromSettings } from '../../../forecasts';
import { fixture } from '../../contract/forecasts/adapters';
import { FakeProviderServer } from '../../helpers/fake-provider-server';

const NOW = Date.parse('2023-05-02T19:55:00Z');
const HOUR = 3_600_000;

describe('signal service wired from the config and the ledger', () => {
  let server: FakeProviderServer;
  let dir: string;
  let db: Db;

  beforeEach(async () => {
    server = await FakeProviderServer.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-signal-'));
    fs.writeFileSync(path.join(dir, 'config.toml'), [
      '[providers.uk]', 'type = "uk-carbon-intensity"', `baseUrl = "${server.baseUrl}"`, 'retries = 1', '',
      '[providers.emaps]', 'type = "electricity-maps"', `baseUrl = "${server.baseUrl}/v3"`, 'tokenEnv = "EM_TOKEN"', '',
      '[zones.DE]', 'providers = ["uk", "emaps"]', 'staleAfter = "2h"', '',
      '[sites.local]', 'zone = "DE"', '',
    ].join('\n'));
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: NOW });
  });
  afterEach(async () => {
    db.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function service(clock: ManualClock) {
    const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: path.join(dir, 'config.toml') });
    return signalServiceFromSettings(config, ledgerSignalStore(db), { clock, sleep: async () => undefined, random: () => 0, env: { EM_TOKEN: 'tok-wiring' } }, {}, { backfillMs: 0 });
  }

  it('falls back along the configured chain, caches the points in the ledger and reports the provider', async () => {
    server.route((p) => p.startsWith('/intensity/'), { status: 500, body: fixture('uk-carbon-intensity/error_500.json') });
    server.route('/v3/carbon-intensity/forecast', { body: fixture('electricity-maps/forecast_DE.json') });
    const clock = new ManualClock(NOW);
    const signal = service(clock);
    const [status] = await signal.refreshZones(NOW);
    expect(status).toMatchObject({ zone: 'DE', provider: 'emaps', stale: false, lastOkAtMs: NOW });
    expect(status!.reason).toBe('uk: HTTP 500: Requested resource not found. (GET /intensity/2023-05-02T19:31Z/fw48h)');
    expect(signal.seriesFor('DE', NOW, NOW + 3 * HOUR, NOW).map((p) => p.gPerKWh)).toEqual([557, 552, 540]);
    expect((db.prepare('SELECT COUNT(*) AS n FROM intensity_points').get() as { n: number }).n).toBe(8);
    expect(server.requestsTo('/v3/carbon-intensity/forecast')[0]!.headers['auth-token']).toBe('tok-wiring');
  });

  it('with every provider down keeps running on the cached series and persists the stale reason', async () => {
    server.route((p) => p.startsWith('/intensity/'), { status: 500, body: fixture('uk-carbon-intensity/error_500.json') });
    server.route('/v3/carbon-intensity/forecast', { body: fixture('electricity-maps/forecast_DE.json') });
    const clock = new ManualClock(NOW);
    await service(clock).refreshZones(NOW);
    server.route('/v3/carbon-intensity/forecast', { status: 503, headers: { 'retry-after': '7200' }, body: '<html><head><title>503 Service Unavailable</title></head></html>' });
    clock.advance(HOUR);
    const restarted = service(clock);
    const [status] = await restarted.refreshZones(clock.now());
    expect(status).toMatchObject({ provider: 'emaps', stale: true, lastOkAtMs: NOW, dataAgeMs: HOUR });
    expect(status!.reason).toMatch(/emaps: HTTP 503: HTML error page "503 Service Unavailable".*keeping the last good series/);
    expect(restarted.seriesFor('DE', NOW + HOUR, NOW + 2 * HOUR, clock.now()).map((p) => p.gPerKWh)).toEqual([557, 552]); // 20:00 covers 20:55
    const row = db.prepare('SELECT stale, reason FROM zone_status WHERE zone = ?').get('DE') as { stale: number; reason: string };
    expect(row.stale).toBe(1);
    expect(row.reason).toContain('every provider failed');
  });
});
