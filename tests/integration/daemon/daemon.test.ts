import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { InputError, StateError } from '../../../src/core/errors';
import { memoryLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config/load';
import type { Config } from '../../../src/config/types';
import { callDaemon, DaemonRequestError, DaemonUnavailableError } from '../../../src/cli/daemon-client';
import { startDaemon, type DaemonHandle } from '../../../src/daemon/daemon';
import { coreExtension, type DaemonExtension } from '../../../src/daemon/extensions';
import { DaemonRunningError } from '../../../src/daemon/lock';
import type { StatusReport } from '../../../src/daemon/status/types';
import { openLedger } from '../../../src/ledger/db';
import { lastDaemonRun } from '../../../src/ledger/daemon-runs';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const T0 = Date.parse('2026-11-29T03:00:00Z');

describe('daemon in-process on a real state dir', () => {
  let dir: string;
  let config: Config;
  const handles: DaemonHandle[] = [];
  beforeEach(() => {
    dir = makeTempDir();
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, '');
    config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: path.join(dir, 'state') });
  });
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.stop('test end');
    removeDir(dir);
  });

  async function start(extensions: readonly DaemonExtension[] = [coreExtension], clock = new ManualClock(T0)): Promise<DaemonHandle> {
    const h = await startDaemon(config, { clock, logger: memoryLogger(), extensions, schedule: false, env: {} });
    handles.push(h);
    await h.ticker.idle();
    return h;
  }

  it('serves GET /v1/status with the daemon, the ledger and the route index', async () => {
    const h = await start();
    const report = await callDaemon<StatusReport>(config.socketPath, { path: '/v1/status' });
    expect(report).toMatchObject({
      source: 'daemon',
      daemon: { running: true, pid: process.pid, startedAt: '2026-11-29T03:00:00.000Z', version: h.ctx.version },
      ledger: { path: config.ledgerPath, exists: true, schemaVersion: expect.any(Number) },
      zones: [expect.objectContaining({ zone: 'GB', stale: true })], jobs: [],
    });
    const index = await callDaemon<{ routes: Array<{ method: string; path: string }> }>(config.socketPath, { path: '/v1' });
    expect(index.routes.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/status', 'GET /v1']);
    // A user-mode config: no socketGroup, so only the daemon's user may connect (ADR 0012).
    expect(fs.statSync(config.socketPath).mode & 0o777).toBe(0o600);
  });

  it('routes :params and JSON bodies to extension handlers and maps errors to HTTP statuses', async () => {
    const echo: DaemonExtension = {
      name: 'echo',
      routes: [
        { method: 'POST', path: '/v1/echo/:id', handler: (_ctx, req) => ({ id: req.params['id'], body: req.body }) },
        { method: 'POST', path: '/v1/bad', handler: () => { throw new InputError([{ path: 'x', message: 'bad', value: 1 }]); } },
        { method: 'POST', path: '/v1/conflict', handler: () => { throw new StateError('job is finished'); } },
      ],
    };
    await start([coreExtension, echo]);
    expect(await callDaemon(config.socketPath, { method: 'POST', path: '/v1/echo/a%20b', body: { n: 1 } })).toEqual({ id: 'a b', body: { n: 1 } });
    const statusOf = async (p: string): Promise<DaemonRequestError> => callDaemon(config.socketPath, { method: 'POST', path: p }).then(() => { throw new Error('expected an error'); }, (e: DaemonRequestError) => e);
    const bad = await statusOf('/v1/bad');
    expect([bad.status, bad.exitCode, bad.code]).toEqual([400, 2, 'E_INPUT']);
    expect(bad.issues).toEqual([{ path: 'x', message: 'bad', value: 1 }]);
    expect((await statusOf('/v1/conflict')).status).toBe(409);
    expect((await statusOf('/v1/nowhere')).status).toBe(404);
  });

  it('runs tick steps in DESIGN §3 phase order with one now, and survives a failing step', async () => {
    const clock = new ManualClock(T0);
    const seen: Array<[string, number]> = [];
    const step = (name: string, phase: 'signal' | 'plan' | 'apply' | 'housekeeping', fail = false) => ({
      name, phase, run: async (nowMs: number) => { seen.push([name, nowMs]); if (fail) throw new Error('boom'); },
    });
    const ext: DaemonExtension = { name: 'steps', tickSteps: () => [step('apply', 'apply'), step('plan', 'plan', true), step('signal', 'signal')] };
    const h = await start([ext], clock);
    expect(seen).toEqual([['signal', T0], ['plan', T0], ['apply', T0]]);
    clock.advance(60_000);
    seen.length = 0;
    const result = await h.ticker.runOnce('test');
    expect(result).toEqual({ nowMs: T0 + 60_000, failed: ['plan'] });
    expect(seen.map(([n]) => n)).toEqual(['signal', 'plan', 'apply']);
  });

  it('finishes the current tick on stop and drops the ticks queued behind it', async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    const ext: DaemonExtension = {
      name: 'slow',
      tickSteps: () => [{ name: 'slow', run: () => { runs += 1; return runs === 2 ? new Promise<void>((r) => { release = r; }) : Promise.resolve(); } }],
    };
    const h = await start([ext]);
    expect(runs).toBe(1);
    h.ctx.requestTick('event');
    h.ctx.requestTick('another event');
    const stopping = h.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(2);
    release();
    await stopping;
    expect(runs).toBe(2);
    const db = openLedger(config.ledgerPath, { readonly: true, nowMs: 0 });
    expect(lastDaemonRun(db)).toMatchObject({ pid: process.pid, stopReason: 'SIGTERM', stoppedAtMs: T0 });
    db.close();
    expect(fs.readdirSync(config.stateDir).sort()).toEqual(['ledger.sqlite']);
  });

  it('calls extension start in order and stop in reverse order', async () => {
    const calls: string[] = [];
    const ext = (name: string): DaemonExtension => ({ name, start: async () => { calls.push(`start ${name}`); }, stop: async () => { calls.push(`stop ${name}`); } });
    const h = await start([ext('a'), ext('b')]);
    await h.stop('test');
    expect(calls).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('refuses a second daemon on the same state dir, and frees it on stop', async () => {
    const h = await start();
    await expect(startDaemon(config, { logger: memoryLogger(), schedule: false, env: {} })).rejects.toBeInstanceOf(DaemonRunningError);
    await h.stop('test');
    await expect(callDaemon(config.socketPath, { path: '/v1/status' })).rejects.toBeInstanceOf(DaemonUnavailableError);
    const again = await start();
    expect(again.ctx.daemonRunId).toBe(h.ctx.daemonRunId + 1);
  });

  it('removes a stale socket file left by a dead daemon', async () => {
    fs.mkdirSync(config.stateDir, { recursive: true });
    fs.writeFileSync(config.socketPath, 'stale');
    await start();
    expect((await callDaemon<StatusReport>(config.socketPath, { path: '/v1/status' })).daemon.running).toBe(true);
  });

  it('releases the lock and the ledger when an extension fails to start', async () => {
    const broken: DaemonExtension = { name: 'broken', start: async () => { throw new Error('cannot reconcile'); } };
    await expect(startDaemon(config, { logger: memoryLogger(), extensions: [broken], schedule: false, env: {} })).rejects.toThrow('cannot reconcile');
    expect(fs.existsSync(path.join(config.stateDir, 'daemon.lock'))).toBe(false);
    await start();
  });
});

describe('a site\'s checkpoint storage at start-up', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  function configWithRoot(root: string): Config {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, `[providers.s]\ntype = "static"\ncountry = "GB"\n[zones.GB]\nproviders = ["s"]\n[sites.far]\nzone = "GB"\ncheckpointRoot = ${JSON.stringify(root)}\n`);
    return loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: path.join(dir, 'state') });
  }

  it('refuses to start with a checkpointRoot that others can write or that is a link, naming the site; makes a missing one 0711', async () => {
    const open = path.join(dir, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    await expect(startDaemon(configWithRoot(open), { logger: memoryLogger(), schedule: false, env: {} })).rejects.toThrow(/site far: checkpointRoot .*open can be written by others \(mode 777\)/);
    fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'link'));
    fs.mkdirSync(path.join(dir, 'elsewhere'), { mode: 0o711 });
    await expect(startDaemon(configWithRoot(path.join(dir, 'link')), { logger: memoryLogger(), schedule: false, env: {} })).rejects.toThrow(/site far: checkpointRoot .*link is not a directory/);
    const fresh = path.join(dir, 'new', 'ckpt');
    const h = await startDaemon(configWithRoot(fresh), { logger: memoryLogger(), schedule: false, env: {}, clock: new ManualClock(T0) });
    await h.stop('test end');
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o711);
    expect(fs.statSync(path.dirname(fresh)).mode & 0o777).toBe(0o711);
  });
});

describe('daemon start-up order', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  it('creates tick steps after every start hook, and stops started extensions when a later one fails', async () => {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, '');
    const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: path.join(dir, 'state') });
    const calls: string[] = [];
    const a: DaemonExtension = { name: 'a', start: async () => { calls.push('start a'); }, stop: async () => { calls.push('stop a'); }, tickSteps: () => { calls.push('steps a'); return []; } };
    const b: DaemonExtension = { name: 'b', start: async () => { calls.push('start b'); }, tickSteps: () => { calls.push('steps b'); return []; } };
    const h = await startDaemon(config, { clock: new ManualClock(T0), logger: memoryLogger(), extensions: [a, b], schedule: false, env: {} });
    await h.stop('test');
    expect(calls).toEqual(['start a', 'start b', 'steps a', 'steps b', 'stop a']);

    calls.length = 0;
    const broken: DaemonExtension = { name: 'broken', start: async () => { throw new Error('no executor'); } };
    await expect(startDaemon(config, { logger: memoryLogger(), extensions: [a, broken], schedule: false, env: {} })).rejects.toThrow('no executor');
    expect(calls).toEqual(['start a', 'stop a']);
  });
});
