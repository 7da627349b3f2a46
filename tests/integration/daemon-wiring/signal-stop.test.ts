/**
 * A graceful stop does not wait for a provider that never answers: the daemon's stop aborts
 * the refresh in flight (its HTTP request and any retry wait), records nothing about the
 * aborted attempt, and finishes in well under the provider's timeout × attempts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { memoryLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config/load';
import { startDaemon, type DaemonHandle } from '../../../src/daemon/daemon';
import { daemonExtensions } from '../../../src/daemon/extensions';
import { closeLedger, openLedger } from '../../../src/ledger/db';
import { FakeProviderServer } from '../../helpers/fake-provider-server';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { waitFor } from '../../helpers/wait';

const T0 = Date.parse('2030-01-07T06:00:00Z');

describe('stopping the daemon while a provider hangs', () => {
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

  it('aborts the request in flight and stops in well under a second (default 10 s timeout, 2 retries)', async () => {
    server.route(() => true, { hang: true });
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, ['[providers.uk]', 'type = "uk-carbon-intensity"', `baseUrl = "${server.baseUrl}"`,
      '[zones.GB]', 'providers = ["uk"]', '[sites.local]', 'zone = "GB"', 'gpus = 1', ''].join('\n'));
    const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: path.join(dir, 'state') });
    handle = await startDaemon(config, { clock: new ManualClock(T0), logger: memoryLogger(), extensions: daemonExtensions, schedule: false, env: {} });
    await waitFor('the first provider request', () => server.requests.length > 0);

    const t0 = process.hrtime.bigint();
    await handle.stop('test');
    const stopMs = Number(process.hrtime.bigint() - t0) / 1e6;

    expect(stopMs).toBeLessThan(1_000);
    const db = openLedger(config.ledgerPath, { nowMs: T0 });
    const row = db.prepare("SELECT reason FROM zone_status WHERE zone = 'GB'").get();
    const run = db.prepare('SELECT stop_reason FROM daemon_runs ORDER BY id DESC LIMIT 1').get() as { stop_reason: string };
    closeLedger(db);
    expect(row).toBeUndefined(); // an aborted refresh is not a provider failure
    expect(run.stop_reason).toBe('test');
  }, 120_000);
});
