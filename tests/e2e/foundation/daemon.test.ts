import * as fs from 'node:fs';
import * as path from 'node:path';
import { exitWithin, isolatedEnv, killAll, runCli, spawnCarbond, type SpawnedCarbond } from '../../helpers/processes';
import { startNotifyListener, type NotifyListener } from '../../helpers/notify-listener';
import { entriesOf, makeTempDir, removeDir } from '../../helpers/state-dir';
import { waitForSocket } from '../../helpers/wait';

interface Status {
  source: string;
  daemon: { running: boolean; pid: number | null; startedAt: string | null; version: string | null; stoppedAt?: string | null; stopReason?: string | null };
  ledger: { exists: boolean; schemaVersion: number | null };
}

const pkgVersion = (JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

describe('carbond daemon (built binary)', () => {
  let dir: string;
  let state: string;
  let listener: NotifyListener | undefined;
  beforeEach(() => { dir = makeTempDir(); state = path.join(dir, 'state'); });
  afterEach(async () => {
    await killAll();
    await listener?.close();
    listener = undefined;
    removeDir(dir);
  });

  async function status(env: NodeJS.ProcessEnv): Promise<Status> {
    const r = await runCli(['status', '--state-dir', state, '--json'], env);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Status;
  }

  async function startDaemon(env: NodeJS.ProcessEnv): Promise<SpawnedCarbond> {
    const daemon = spawnCarbond(['daemon', '--state-dir', state], env);
    await waitForSocket(path.join(state, 'carbond.sock'));
    return daemon;
  }

  it('starts, answers status as running, stops on SIGTERM with exit 0 within 5 s, then status reads the ledger', async () => {
    const env = isolatedEnv(dir);
    const daemon = await startDaemon(env);
    const live = await status(env);
    expect(live.source).toBe('daemon');
    expect(live.daemon).toMatchObject({ running: true, pid: daemon.pid, version: pkgVersion });
    expect(Date.parse(live.daemon.startedAt as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(live.ledger).toMatchObject({ exists: true, schemaVersion: expect.any(Number) });

    daemon.process.kill('SIGTERM');
    expect(await exitWithin(daemon, 5_000)).toEqual({ code: 0, signal: null });
    const after = await status(env);
    expect(after.source).toBe('ledger');
    expect(after.daemon).toMatchObject({ running: false, pid: daemon.pid, startedAt: live.daemon.startedAt, version: pkgVersion, stopReason: 'SIGTERM' });
    expect(Date.parse(after.daemon.stoppedAt as string)).toBeGreaterThanOrEqual(Date.parse(live.daemon.startedAt as string));
    expect(entriesOf(state)).toEqual(['ledger.sqlite']);
  });

  it('stops gracefully on SIGINT too', async () => {
    const env = isolatedEnv(dir);
    const daemon = await startDaemon(env);
    daemon.process.kill('SIGINT');
    expect(await exitWithin(daemon, 5_000)).toEqual({ code: 0, signal: null });
    expect((await status(env)).daemon.stopReason).toBe('SIGINT');
  });

  it('forces exit 1 on a second signal during the graceful stop', async () => {
    const env = isolatedEnv(dir);
    const daemon = await startDaemon(env);
    // Both arrive before the asynchronous stop can finish (node may handle them in either order): the second one forces.
    daemon.process.kill('SIGTERM');
    daemon.process.kill('SIGINT');
    expect(await exitWithin(daemon, 5_000)).toEqual({ code: 1, signal: null });
    expect(daemon.stderr()).toMatch(/second signal \(SIG(INT|TERM)\): forcing exit/);
  });

  it('refuses a second daemon on the same state dir with a clear message and exit 1', async () => {
    const env = isolatedEnv(dir);
    const first = await startDaemon(env);
    const second = await runCli(['daemon', '--state-dir', state], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another carbond daemon (pid ${first.pid}) is already running on state dir ${state}`);
    expect((await status(env)).daemon).toMatchObject({ running: true, pid: first.pid });
  });

  it('takes over after a daemon killed with SIGKILL and records the old run as crashed', async () => {
    const env = isolatedEnv(dir);
    const first = await startDaemon(env);
    first.process.kill('SIGKILL');
    await exitWithin(first, 5_000);
    const second = await startDaemon(env);
    const s = await status(env);
    expect(s.daemon).toMatchObject({ running: true, pid: second.pid });
    second.process.kill('SIGTERM');
    expect((await exitWithin(second, 5_000)).code).toBe(0);
  });

  it('tells systemd it is ready (and stopping) through NOTIFY_SOCKET', async () => {
    listener = await startNotifyListener(path.join(dir, 'notify.sock'));
    const daemon = spawnCarbond(['daemon', '--state-dir', state], isolatedEnv(dir, { NOTIFY_SOCKET: listener.socketPath }));
    const ready = await listener.waitFor('READY=1');
    expect(ready).toContain(`MAINPID=${daemon.pid}`);
    daemon.process.kill('SIGTERM');
    await listener.waitFor('STOPPING=1');
    expect((await exitWithin(daemon, 5_000)).code).toBe(0);
  });

  it('exits 2 on a config with several errors, naming every field and value, and creates nothing', async () => {
    const env = isolatedEnv(dir, {}, [
      'colour = "green"',
      '[scheduler]', 'slotMinutes = "five"', 'pauseOverhead = "-5m"', '',
    ].join('\n'));
    const before = entriesOf(dir);
    for (const args of [['config', 'check'], ['daemon', '--state-dir', state]]) {
      const r = await runCli(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/colour: unknown key$/m); // the value is never echoed: a misspelt secret may match no rule
      expect(r.stderr).toMatch(/scheduler\.slotMinutes: .*\(got "five"\)/);
      expect(r.stderr).toMatch(/scheduler\.pauseOverhead: .*\(got "-5m"\)/);
    }
    expect(fs.existsSync(state)).toBe(false);
    expect(entriesOf(dir)).toEqual(before);
  });
});
