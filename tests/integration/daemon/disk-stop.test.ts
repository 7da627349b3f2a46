/**
 * A daemon stopping on a full disk still releases its state dir: the ledger's last fold of
 * the WAL fails (SQLITE_FULL), which is logged, and the lock goes all the same, so the next
 * start works once there is room. Before, `closeLedger` threw and left the lock behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { memoryLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config/load';
import { startDaemon } from '../../../src/daemon/daemon';
import { coreExtension } from '../../../src/daemon/extensions';
import { canMountTmpfs, mountSmallFs, type SmallFs } from '../../helpers/small-fs';

const describeMounting = canMountTmpfs() || process.env['CI'] ? describe : describe.skip;

describeMounting('a daemon stopping on a full disk', () => {
  let small: SmallFs;
  beforeEach(() => { small = mountSmallFs(8 * 1024 * 1024); });
  afterEach(() => small.close());

  it('logs the failed last write, releases the lock, and starts again once there is room', async () => {
    const file = path.join(small.dir, 'config.toml');
    fs.writeFileSync(file, '');
    const config = loadConfig({ env: {}, uid: 1000, cwd: small.dir, homeDir: small.dir, configFlag: file, stateDirFlag: path.join(small.dir, 'state') });
    const logger = memoryLogger();
    const h = await startDaemon(config, { clock: new ManualClock(Date.parse('2026-12-01T00:00:00Z')), logger, extensions: [coreExtension], schedule: false, env: {} });
    // WAL pages the last checkpoint must copy into the main file, which then needs room.
    h.ctx.db.exec('CREATE TABLE IF NOT EXISTS ballast (b BLOB)');
    const blob = Buffer.alloc(64 * 1024, 7);
    const insert = h.ctx.db.prepare('INSERT INTO ballast (b) VALUES (?)');
    for (let i = 0; i < 40; i += 1) insert.run(blob);
    small.fill();
    await expect(h.stop('SIGTERM')).resolves.toBeUndefined();
    expect(fs.existsSync(path.join(config.stateDir, 'daemon.lock'))).toBe(false);
    expect(logger.records.some((e) => e['level'] === 'error' && /ledger/.test(String(e['msg'])))).toBe(true);
    small.free();
    const again = await startDaemon(config, { clock: new ManualClock(Date.parse('2026-12-01T01:00:00Z')), logger: memoryLogger(), extensions: [coreExtension], schedule: false, env: {} });
    expect((again.ctx.db.prepare('SELECT count(*) AS n FROM ballast').get() as { n: number }).n).toBe(40);
    await again.stop('test end');
  });
});
