/**
 * A submission while the state dir is read-only (a real tmpfs remounted so) is refused at
 * once, naming the disk, with nothing recorded — not accepted and then failed with ENOENT.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config';
import type { DaemonContext } from '../../../src/daemon/context';
import { ServiceRegistry } from '../../../src/daemon/services';
import { httpStatusOf, matchRoute } from '../../../src/daemon/api/routes';
import { jobRoutes } from '../../../src/daemon/jobs/routes';
import { closeLedger, openLedger } from '../../../src/ledger/db';
import { listJobs } from '../../../src/ledger/jobs';
import { canMountTmpfs, mountSmallFs, type SmallFs } from '../../helpers/small-fs';

const describeMounting = canMountTmpfs() || process.env['CI'] ? describe : describe.skip;

describeMounting('submitting while the state dir has no room', () => {
  let small: SmallFs;
  let ctx: DaemonContext;
  beforeEach(() => {
    small = mountSmallFs(8 * 1024 * 1024);
    fs.writeFileSync(path.join(small.dir, 'config.toml'), `stateDir = "${small.dir}"\n`);
    const config = loadConfig({ env: {}, uid: 1000, cwd: small.dir, homeDir: small.dir, configFlag: path.join(small.dir, 'config.toml') });
    ctx = { config, db: openLedger(':memory:', { nowMs: systemClock.now() }), clock: systemClock, logger: nullLogger, ledgerPath: '', version: 't', pid: 1,
      startedAtMs: 0, daemonRunId: 1, requestTick: () => undefined, isStopping: () => false, services: new ServiceRegistry() } as unknown as DaemonContext;
  });
  afterEach(() => { closeLedger(ctx.db); small.close(); });

  it('answers 507 naming the read-only disk and records nothing', async () => {
    small.readOnly(true);
    const found = matchRoute(jobRoutes(() => { throw new Error('no lifecycle needed'); }), 'POST', '/v1/jobs')!;
    const body = { command: ['true'], cwd: '/', deadlineMs: Date.now() + 86_400_000, estimateMs: 600_000 };
    let status = 200;
    let message = '';
    try {
      await found.route.handler(ctx, { caller: { uid: process.getuid!(), gid: 0, pid: 1 }, params: found.params, query: new URLSearchParams(), body, headers: {} });
    } catch (err) {
      status = httpStatusOf(err);
      message = (err as Error).message;
    }
    expect(status).toBe(507);
    expect(message).toMatch(/cannot take a job now: the state dir .* is on a read-only filesystem \(nothing was recorded/);
    expect(listJobs(ctx.db)).toEqual([]);
  });
});
