/**
 * A daemon in-process on the demo's SAMPLE trace and forecast (file provider), under a
 * ManualClock at `T0_SAMPLE` (06:00 of the trace's first day, a clean hour), with the
 * registered extensions and no cron: for tests of the daemon's wiring.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../src/core/clock';
import { memoryLogger } from '../../src/core/logger';
import { loadConfig } from '../../src/config/load';
import { startDaemon, type DaemonHandle } from '../../src/daemon/daemon';
import { daemonExtensions } from '../../src/daemon/extensions';
import { makeTempDir, removeDir } from './state-dir';

const REPO = path.resolve(__dirname, '..', '..');
export const T0_SAMPLE = Date.parse('2030-01-07T06:00:00Z');

export interface SampleDaemonOptions {
  /** The zone of the one site, `local` (default SAMPLE; another name gets a zone served by the same file). */
  siteZone?: string;
  /** More TOML lines (whole sections), appended to the config. */
  extra?: readonly string[];
}

export async function startSampleDaemon(dir: string, options: SampleDaemonOptions = {}): Promise<DaemonHandle> {
  const zone = options.siteZone ?? 'SAMPLE';
  const file = path.join(dir, 'config.toml');
  fs.writeFileSync(file, [
    '[providers.sample]', 'type = "file"',
    `path = ${JSON.stringify(path.join(REPO, 'demo', 'sample-trace-NOT-REAL-DATA.csv'))}`,
    `forecastPath = ${JSON.stringify(path.join(REPO, 'demo', 'sample-forecast-NOT-REAL-DATA.csv'))}`,
    '[zones.SAMPLE]', 'providers = ["sample"]',
    ...(zone === 'SAMPLE' ? [] : [`[zones.${zone}]`, 'providers = ["sample"]']),
    '[sites.local]', `zone = ${JSON.stringify(zone)}`, 'gpus = 1',
    ...(options.extra ?? []), '',
  ].join('\n'));
  const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: path.join(dir, 'state') });
  const handle = await startDaemon(config, { clock: new ManualClock(T0_SAMPLE), logger: memoryLogger(), extensions: daemonExtensions, schedule: false, env: {} });
  await handle.ticker.idle();
  return handle;
}

/**
 * Registers the hooks of a describe block whose tests each start (at most) one sample daemon:
 * a fresh temp dir per test, and after it the daemon stopped (stop is idempotent) and the dir removed.
 */
export function sampleDaemonPerTest(): { dir(): string; start(options?: SampleDaemonOptions): Promise<DaemonHandle> } {
  let dir = '';
  let handle: DaemonHandle | undefined;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(async () => {
    await handle?.stop('test end');
    handle = undefined;
    removeDir(dir);
  });
  return {
    dir: () => dir,
    start: async (options) => (handle = await startSampleDaemon(dir, options)),
  };
}
