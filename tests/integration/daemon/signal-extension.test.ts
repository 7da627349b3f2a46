/**
 * The signal extension's tick step and the zones status contributor, with a real config,
 * a real SQLite ledger and a local HTTP server: every provider down keeps the daemon
 * ticking and `status` shows the zone stale with the reason.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config';
import type { DaemonContext } from '../../../src/daemon/context';
import { ServiceRegistry } from '../../../src/daemon/services';
import { createSignalExtension, SIGNAL } from '../../../src/daemon/signal/extension';
import { zonesStatus } from '../../../src/daemon/signal/status';
import { runStatusContributors } from '../../../src/daemon/status/contribute';
import type { StatusReport } from '../../../src/daemon/status/types';
import { openLedger, type Db } from '../../../src/ledger/db';
import { fixture } from '../../contract/forecasts/adapters';
import { FakeProviderServer } from '../../helpers/fake-provider-server';

const NOW = Date.parse('2023-05-02T19:55:00Z');
const HOUR = 3_600_000;

function emptyReport(): StatusReport {
  return { source: 'daemon', daemon: { running: true, pid: 1, startedAt: null, version: null, socketPath: '' }, ledger: { path: '', exists: true, schemaVersion: 2 }, zones: [], jobs: [], notes: [] };
}

describe('signal daemon extension and zones status', () => {
  let server: FakeProviderServer;
  let dir: string;
  let db: Db;
  let ctx: DaemonContext;
  let clock: ManualClock;

  beforeEach(async () => {
    server = await FakeProviderServer.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-signal-ext-'));
    fs.writeFileSync(path.join(dir, 'config.toml'), [
      '[providers.emaps]', 'type = "electricity-maps"', `baseUrl = "${server.baseUrl}/v3"`, 'retries = 0', 'timeout = "1s"', '',
      '[zones.DE]', 'providers = ["emaps"]', '', '[sites.local]', 'zone = "DE"', '',
    ].join('\n'));
    const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: path.join(dir, 'config.toml') });
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: NOW });
    clock = new ManualClock(NOW);
    ctx = { config, db, clock, logger: nullLogger, ledgerPath: '', version: 'test', pid: 1, startedAtMs: NOW, daemonRunId: 1, requestTick: () => undefined, isStopping: () => false, services: new ServiceRegistry() };
  });
  afterEach(async () => {
    db.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refreshes in the signal phase and status names the provider and the age of its data', async () => {
    server.route('/v3/carbon-intensity/forecast', { body: fixture('electricity-maps/forecast_DE.json') });
    server.route('/v3/carbon-intensity/history', { body: fixture('electricity-maps/history_DE.json') });
    const ext = createSignalExtension();
    await ext.start!(ctx);
    const [step] = ext.tickSteps!(ctx);
    expect(step).toMatchObject({ name: 'refresh-signals', phase: 'signal' });
    await step!.run(NOW);
    const report = await runStatusContributors({ db, config: () => ctx.config, nowMs: NOW + 10 * 60_000, live: true, logger: nullLogger }, emptyReport(), [zonesStatus]);
    expect(report.zones).toEqual([{ zone: 'DE', provider: 'emaps', lastOkAt: '2023-05-02T19:55:00.000Z', dataAgeMs: 600_000, stale: false, reason: null, intensity: { gPerKWh: 557, kind: 'forecast', provider: 'emaps' } }]);
    expect(report.notes).toEqual([]);
    expect(ctx.services.get(SIGNAL)).toBe(ext.signalOf(ctx));
    expect(ctx.services.get(SIGNAL).seriesFor('DE', NOW + 5 * 60_000, NOW + HOUR, NOW).map((p) => p.gPerKWh)).toEqual([557]);
  });

  it('with every provider down the tick completes and status shows the zone stale with the reason', async () => {
    server.route((p) => p.startsWith('/v3/'), { status: 502, body: '<html><head><title>502 Bad Gateway</title></head></html>' });
    const [step] = createSignalExtension().tickSteps!(ctx);
    await expect(step!.run(NOW)).resolves.toBeUndefined();
    const report = await runStatusContributors({ db, config: () => ctx.config, nowMs: NOW, live: false, logger: nullLogger }, emptyReport(), [zonesStatus]);
    expect(report.zones[0]).toMatchObject({ zone: 'DE', provider: null, stale: true, lastOkAt: null });
    expect(String(report.zones[0]!['reason'])).toContain('emaps: HTTP 502: HTML error page "502 Bad Gateway"');
    expect(report.notes[0]).toMatch(/^zone DE signal is stale: .*using the static yearly average$/);
  });
});
