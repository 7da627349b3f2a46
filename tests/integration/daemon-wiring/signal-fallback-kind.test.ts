/**
 * The static yearly average is an estimate, and every place that shows the intensity in use
 * says so: `carbond status` (zones[].intensity) and the Prometheus metrics label it
 * `kind="estimated"`, never `forecast`; live data is labelled with its own kind. (The scrape is
 * the text `GET /metrics` serves; the port itself is covered by metrics.test.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { memoryLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config/load';
import { startDaemon, type DaemonHandle } from '../../../src/daemon/daemon';
import { daemonExtensions } from '../../../src/daemon/extensions';
import { metricsExtension } from '../../../src/daemon/metrics/extension';
import { liveStatus } from '../../../src/daemon/status/build';
import { yearlyAverage } from '../../../forecasts/static/table';
import { fixture } from '../../contract/forecasts/adapters';
import { FakeProviderServer } from '../../helpers/fake-provider-server';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const T0 = Date.parse('2024-01-12T06:17:00Z');

describe('the intensity in use, as status and metrics label it', () => {
  let dir: string;
  let server: FakeProviderServer;
  let handle: DaemonHandle | undefined;
  beforeEach(async () => {
    dir = makeTempDir();
    server = await FakeProviderServer.start();
  });
  afterEach(async () => {
    await handle?.stop('test end');
    await server.stop();
    removeDir(dir);
  });

  async function start(): Promise<DaemonHandle> {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, ['[providers.uk]', 'type = "uk-carbon-intensity"', `baseUrl = "${server.baseUrl}"`, 'retries = 0', 'timeout = "1s"',
      '[zones.GB]', 'providers = ["uk"]', '[sites.local]', 'zone = "GB"', 'gpus = 1', '[metrics]', 'listen = "127.0.0.1:0"', ''].join('\n'));
    const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: path.join(dir, 'state') });
    handle = await startDaemon(config, { clock: new ManualClock(T0), logger: memoryLogger(), extensions: daemonExtensions, schedule: false, env: {} });
    await handle.ticker.idle();
    return handle;
  }

  it('labels the static yearly average "estimated" when no provider ever answered', async () => {
    server.route(() => true, { status: 503, body: '<html><head><title>503 Service Unavailable</title></head></html>' });
    const h = await start();
    const gb = yearlyAverage('GB')!.gPerKWh;
    const metrics = await metricsExtension.scrapeOf(h.ctx);
    expect(metrics).toContain(`carbond_zone_intensity_grams_per_kwh{zone="GB",kind="estimated",provider="static"} ${gb}\n`);
    expect(metrics).not.toMatch(/kind="forecast",provider="static"/);
    const status = await liveStatus(h.ctx);
    expect(status.zones[0]).toMatchObject({ zone: 'GB', stale: true, intensity: { gPerKWh: gb, kind: 'estimated', provider: 'static' } });
  });

  it('labels a provider forecast "forecast", with its provider', async () => {
    server.route((p) => p.endsWith('/fw48h'), { body: fixture('uk-carbon-intensity/national_fw48h_2024-01-12T0601Z.json') });
    server.route((p) => /^\/intensity\/[^/]+\/[^/]+Z$/.test(p), { body: fixture('uk-carbon-intensity/national_pt24h_2024-01-12T0601Z.json') });
    const h = await start();
    const metrics = await metricsExtension.scrapeOf(h.ctx);
    expect(metrics).toContain('carbond_zone_intensity_grams_per_kwh{zone="GB",kind="forecast",provider="uk"} 293\n');
    const status = await liveStatus(h.ctx);
    expect(status.zones[0]).toMatchObject({ zone: 'GB', stale: false, provider: 'uk', intensity: { gPerKWh: 293, kind: 'forecast', provider: 'uk' } });
  });
});
