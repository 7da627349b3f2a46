import * as fs from 'node:fs';
import * as path from 'node:path';
import { nullLogger, memoryLogger } from '../../../src/core/logger';
import type { Config } from '../../../src/config/types';
import { resolveLocations } from '../../../src/config/locations';
import { ledgerStatus } from '../../../src/daemon/status/build';
import { runStatusContributors, type StatusContributor } from '../../../src/daemon/status/contribute';
import type { StatusReport } from '../../../src/daemon/status/types';
import { walCheckpointStep } from '../../../src/daemon/housekeeping';
import type { DaemonContext } from '../../../src/daemon/context';
import { closeLedger, ledgerPath, openLedger } from '../../../src/ledger/db';
import { closeAbandonedDaemonRuns, lastDaemonRun, recordDaemonStart, recordDaemonStop, schemaVersion } from '../../../src/ledger/daemon-runs';
import { migrations } from '../../../src/ledger/migrations';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

describe('status from the ledger and daemon-run records on a real SQLite file', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  const where = (): ReturnType<typeof resolveLocations> => resolveLocations({ env: {}, uid: 1000, cwd: dir, homeDir: dir, stateDirFlag: dir });
  const noConfig = (): Config => { throw new Error('config not needed'); };

  it('records starts and stops, and closes runs a crashed daemon left open', () => {
    const db = openLedger(ledgerPath(dir), { nowMs: 0 });
    const a = recordDaemonStart(db, { pid: 10, version: '0.1.0', startedAtMs: 1_000 });
    recordDaemonStop(db, a, 2_000, 'SIGTERM');
    expect(lastDaemonRun(db)).toEqual({ id: a, pid: 10, version: '0.1.0', startedAtMs: 1_000, stoppedAtMs: 2_000, stopReason: 'SIGTERM' });
    const b = recordDaemonStart(db, { pid: 11, version: '0.1.0', startedAtMs: 3_000 });
    expect(closeAbandonedDaemonRuns(db, 4_000)).toBe(1);
    expect(lastDaemonRun(db)).toMatchObject({ id: b, stoppedAtMs: 4_000, stopReason: 'crashed (found at next start)' });
    expect(schemaVersion(db)).toBe(Math.max(...migrations.map((m) => m.version)));
    db.close();
  });

  it('reports the last run read-only, without creating -wal or -shm files after a clean close', async () => {
    const db = openLedger(ledgerPath(dir), { nowMs: 0 });
    const id = recordDaemonStart(db, { pid: 42, version: '9.9.9', startedAtMs: Date.parse('2026-11-29T03:00:00Z') });
    recordDaemonStop(db, id, Date.parse('2026-11-29T04:00:00Z'), 'SIGTERM');
    closeLedger(db);
    const report = await ledgerStatus(where(), { nowMs: 0, config: noConfig, logger: nullLogger });
    expect(report.source).toBe('ledger');
    expect(report.daemon).toMatchObject({ running: false, pid: 42, version: '9.9.9', startedAt: '2026-11-29T03:00:00.000Z', stoppedAt: '2026-11-29T04:00:00.000Z', stopReason: 'SIGTERM' });
    expect(fs.readdirSync(dir)).toEqual(['ledger.sqlite']);
  });

  it('says the daemon never ran when there is no ledger', async () => {
    const report = await ledgerStatus(where(), { nowMs: 0, config: noConfig, logger: nullLogger, lockHolderPid: 77 });
    expect(report).toMatchObject({ source: 'none', daemon: { running: false, pid: null }, ledger: { exists: false, schemaVersion: null } });
    expect(report.notes.join('\n')).toMatch(/pid 77.*does not answer[\s\S]*no ledger/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('lets contributors fill zones and jobs, and turns a failing contributor into a note', async () => {
    const db = openLedger(path.join(dir, 'l.sqlite'), { nowMs: 0 });
    const report: StatusReport = { source: 'ledger', daemon: { running: false, pid: null, startedAt: null, version: null, socketPath: 's' }, ledger: { path: 'l', exists: true, schemaVersion: 1 }, zones: [], jobs: [], notes: [] };
    const contributors: StatusContributor[] = [
      { name: 'zones', contribute: (input, r) => { r.zones.push({ zone: 'GB', live: input.live }); } },
      { name: 'broken', contribute: () => { throw new Error('no table'); } },
      { name: 'jobs', contribute: (_i, r) => { r.jobs.push({ id: 'j1', state: 'queued' }); } },
    ];
    const logger = memoryLogger();
    await runStatusContributors({ db, config: noConfig, nowMs: 0, live: false, logger }, report, contributors);
    expect(report.zones).toEqual([{ zone: 'GB', live: false }]);
    expect(report.jobs).toEqual([{ id: 'j1', state: 'queued' }]);
    expect(report.notes).toEqual(['status part "broken" failed: no table']);
    expect(logger.records.some((r) => r['contributor'] === 'broken')).toBe(true);
    db.close();
  });

  it('truncates the WAL every N ticks with the wal-checkpoint step', async () => {
    const file = ledgerPath(dir);
    const db = openLedger(file, { nowMs: 0 });
    const ctx = { db, logger: nullLogger } as unknown as DaemonContext;
    const step = walCheckpointStep(ctx, 3);
    for (let i = 0; i < 50; i += 1) recordDaemonStart(db, { pid: i, version: 'x', startedAtMs: i });
    const walSize = (): number => fs.statSync(`${file}-wal`).size;
    expect(walSize()).toBeGreaterThan(0);
    await step.run(1);
    await step.run(2);
    expect(walSize()).toBeGreaterThan(0);
    await step.run(3);
    expect(walSize()).toBe(0);
    db.close();
  });
});
