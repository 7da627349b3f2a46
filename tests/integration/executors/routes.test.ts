/** The job routes in-process: a real config, ledger and local executor, handlers called through the route table. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config';
import type { DaemonContext } from '../../../src/daemon/context';
import { ServiceRegistry } from '../../../src/daemon/services';
import { httpStatusOf, matchRoute } from '../../../src/daemon/api/routes';
import { createJobsExtension, JOBS } from '../../../src/daemon/jobs/extension';
import { closeLedger, openLedger } from '../../../src/ledger/db';
import { PROTOCOL_JOB, sleep } from './lifecycle-harness';

describe('job control routes', () => {
  let dir: string;
  let ctx: DaemonContext;
  let ticks: string[];
  const ext = createJobsExtension();
  const uid = process.getuid!();

  async function call(method: string, url: string, body?: unknown, asUid: number = uid): Promise<{ status: number; data: unknown }> {
    const u = new URL(url, 'http://x');
    const found = matchRoute(ext.routes!, method, u.pathname)!;
    try {
      const data = await found.route.handler(ctx, { caller: { uid: asUid, gid: asUid, pid: process.pid }, params: found.params, query: u.searchParams, body, headers: {} });
      return { status: 200, data: JSON.parse(JSON.stringify(data)) };
    } catch (err) {
      return { status: httpStatusOf(err), data: (err as Error).message };
    }
  }

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-routes-'));
    fs.writeFileSync(path.join(dir, 'config.toml'), `stateDir = "${dir}"\n[zones.GB]\nproviders = ["s"]\n[providers.s]\ntype = "static"\ncountry = "GB"\n[sites.box]\nzone = "GB"\ngpus = 2\n`);
    const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: path.join(dir, 'config.toml') });
    ticks = [];
    ctx = { config, db: openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: systemClock.now() }), clock: systemClock, logger: nullLogger, ledgerPath: '', version: 't', pid: 1,
      startedAtMs: 0, daemonRunId: 1, requestTick: (r) => void ticks.push(r), isStopping: () => false, services: new ServiceRegistry() };
    await ext.start!(ctx);
  });
  afterEach(async () => {
    await ext.stop!(ctx);
    closeLedger(ctx.db);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const spec = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ command: [process.execPath, PROTOCOL_JOB, '--steps', '100000'], cwd: dir, deadlineMs: Date.now() + 86_400_000, estimateMs: 3_600_000, ...over });

  it('submits, lists, shows, pauses and cancels a job, asking for a tick after each change', async () => {
    const sub = await call('POST', '/v1/jobs', spec());
    expect(sub.status).toBe(200);
    const id = (sub.data as { id: string }).id;
    expect(sub.data).toMatchObject({ state: 'queued', owner: os.userInfo().username, job: { checkpointDir: path.join(dir, 'users', String(uid), 'checkpoints', id), sites: ['box'], uid } });
    expect(sub.data).not.toHaveProperty('job.env');
    expect(ticks).toEqual([`job ${id} submitted`]);
    await ext.tickSteps!(ctx)[0]!.run(Date.now());
    expect(ctx.services.get(JOBS).liveRuns()).toMatchObject([{ jobId: id, site: 'box', gpuIds: '' }]);
    const list = await call('GET', '/v1/jobs');
    expect((list.data as { jobs: Array<{ id: string; state: string }> }).jobs).toEqual([expect.objectContaining({ id, state: 'running', site: 'box' })]);
    expect((await call('GET', `/v1/jobs/${id.slice(0, 4)}`)).data).toMatchObject({ id, state: 'running' });
    expect((await call('POST', `/v1/jobs/${id}/pause`)).data).toMatchObject({ manualOverride: 'pause' });
    await sleep(100);
    const logs = await call('GET', `/v1/jobs/${id}/logs?offset=0`);
    expect(logs.data).toMatchObject({ runId: 1, text: '', running: true });
    const cancel = await call('POST', `/v1/jobs/${id}/cancel`);
    expect(cancel.data).toMatchObject({ state: 'cancelled', runs: [expect.objectContaining({ exitKind: 'killed' })] });
    expect((await call('POST', `/v1/jobs/${id}/cancel`)).status).toBe(409);
  });

  it('answers 404 for an unknown job, 400 for a bad offset, and 400 naming every problem of a bad job, identity fields included', async () => {
    expect((await call('GET', '/v1/jobs/nope')).status).toBe(404);
    const id = ((await call('POST', '/v1/jobs', spec())).data as { id: string }).id;
    const badOffset = await call('GET', `/v1/jobs/${id}/logs?offset=abc`);
    expect(badOffset).toEqual({ status: 400, data: expect.stringMatching(/offset: must be a whole number ≥ 0 \(got "abc"\)/) });
    expect((await call('POST', `/v1/jobs/${id}/cancel`)).status).toBe(200);
    const forged = await call('POST', '/v1/jobs', spec({ owner: 'root', uid: 0, gid: 0 }));
    expect(forged.status).toBe(400);
    expect(forged.data).toMatch(/owner: is set by carbond[^\n]*\n {2}- uid: is set by carbond[^\n]*\n {2}- gid: is set by carbond/);
    const bad = await call('POST', '/v1/jobs', spec({ cwd: path.join(dir, 'missing'), sites: ['box', 'moon'] }));
    expect(bad.status).toBe(400);
    expect(bad.data).toMatch(/sites: unknown site[^\n]*"moon"\)\n {2}- cwd: does not exist/);
    expect((await call('GET', '/v1/jobs')).data).toEqual({ jobs: [expect.objectContaining({ id, state: 'cancelled' })] });
  });
});
