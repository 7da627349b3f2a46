import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { memoryLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config/load';
import { startDaemon, type DaemonHandle } from '../../../src/daemon/daemon';
import { coreExtension } from '../../../src/daemon/extensions';
import { createSignalExtension } from '../../../src/daemon/signal/extension';
import type { ForecastProvider, IntensityPoint } from '../../../forecasts';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const T0 = Date.parse('2030-01-07T06:00:00Z');

/** A provider that answers only when the test lets it (a stalled network call). */
class StalledProvider implements ForecastProvider {
  readonly type = 'file' as const;
  readonly signal = 'average' as const;
  calls = 0;
  release: () => void = () => undefined;
  constructor(readonly name: string) {}
  forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    this.calls += 1;
    return new Promise((resolve) => {
      this.release = () => resolve([{ zone, startMs: nowMs, durationMs: 3_600_000, gPerKWh: 123, kind: 'forecast', issuedAtMs: nowMs, provider: this.name, signal: 'average' }]);
    });
  }
}

describe('the signal refresh step with a stalled provider', () => {
  let dir: string;
  let handle: DaemonHandle | undefined;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(async () => {
    removeDir(dir);
  });

  it('lets a tick go on after the bounded wait, starts no second refresh meanwhile, and waits for it on stop', async () => {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, '[providers.slow]\ntype = "file"\npath = "x.csv"\n[zones.SAMPLE]\nproviders = ["slow"]\n[sites.local]\nzone = "SAMPLE"\n');
    const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: path.join(dir, 'state') });
    const slow = new StalledProvider('slow');
    const signal = createSignalExtension({ extraFactories: { file: () => slow }, refreshWaitMs: 50 });
    const t0 = process.hrtime.bigint();
    handle = await startDaemon(config, { clock: new ManualClock(T0), logger: memoryLogger(), extensions: [coreExtension, signal], schedule: false, env: {} });
    await handle.ticker.idle();
    await handle.ticker.request('second tick');
    const tickMs = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(tickMs).toBeLessThan(2_000);
    expect(handle.ticker.ticks).toBe(2);
    expect(slow.calls).toBe(1);
    const stopped = handle.stop('test end');
    setTimeout(() => slow.release(), 100);
    await stopped;
    const { openLedger, closeLedger } = await import('../../../src/ledger/db');
    const db = openLedger(config.ledgerPath, { nowMs: T0 });
    const row = db.prepare("SELECT stale, provider FROM zone_status WHERE zone = 'SAMPLE'").get() as { stale: number; provider: string } | undefined;
    closeLedger(db);
    expect(row).toEqual({ stale: 0, provider: 'slow' });
  });
});
