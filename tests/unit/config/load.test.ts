import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../src/core/errors';
import { loadConfig, type LoadConfigInput } from '../../../src/config/load';
import { maskedConfig, MASK } from '../../../src/config/mask';
import { preferSystemDaemon, resolveLocations, SYSTEM_SOCKET_PATH } from '../../../src/config/locations';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-config-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A user-mode input rooted in the temp dir, so nothing real is read. */
  function input(extra: Partial<LoadConfigInput> = {}): LoadConfigInput {
    return { env: { XDG_CONFIG_HOME: path.join(dir, 'cfg'), XDG_STATE_HOME: path.join(dir, 'state') }, uid: 1000, cwd: dir, homeDir: dir, ...extra };
  }
  function writeConfig(text: string): string {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, text);
    return file;
  }
  function issuesOf(fn: () => unknown): Array<{ path: string; message: string; value?: unknown }> {
    try { fn(); } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return [...(err as ConfigError).issues];
    }
    throw new Error('expected a ConfigError');
  }

  it('starts with no config file: one local site in GB fed by the uk provider, every minute', () => {
    const c = loadConfig(input());
    expect(c.configPath).toBeNull();
    expect(c.mode).toBe('user');
    expect(c.stateDir).toBe(path.join(dir, 'state', 'carbond'));
    expect(c.ledgerPath).toBe(path.join(dir, 'state', 'carbond', 'ledger.sqlite'));
    expect(c.tickInterval).toBe('* * * * *');
    expect(Object.keys(c.sites)).toEqual(['local']);
    expect(c.sites['local']).toMatchObject({ executor: 'local', zone: 'GB', gpus: 1 });
    expect(c.zones['GB']).toEqual({ providers: ['uk'], staleAfterMs: 3_600_000 });
    expect(c.providers['uk']).toMatchObject({ type: 'uk-carbon-intensity', baseUrl: 'https://api.carbonintensity.org.uk', timeoutMs: 10_000, retries: 2 });
    expect(c.scheduler).toEqual({ policy: 'carbond', slotMinutes: 5, safetyMarginMs: 1_800_000, pauseOverheadMs: 300_000, checkpointTimeoutMs: 120_000, keepCheckpoints: 3 });
  });

  it('returns a deeply frozen object', () => {
    const c = loadConfig(input());
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.scheduler)).toBe(true);
    expect(Object.isFrozen(c.zones['GB']!.providers)).toBe(true);
  });

  it('applies defaults ← file ← env ← flags, the later one winning', () => {
    const file = writeConfig('logLevel = "warn"\n[scheduler]\nslotMinutes = 10\npauseOverhead = "10m"\n');
    const fromFile = loadConfig(input({ configFlag: file }));
    expect(fromFile.logLevel).toBe('warn');
    expect(fromFile.scheduler.slotMinutes).toBe(10);
    expect(fromFile.scheduler.pauseOverheadMs).toBe(600_000);

    const env = { ...input().env, CARBOND_LOG_LEVEL: 'error', CARBOND_SCHEDULER__SLOT_MINUTES: '15' };
    const fromEnv = loadConfig(input({ configFlag: file, env }));
    expect(fromEnv.logLevel).toBe('error');
    expect(fromEnv.scheduler.slotMinutes).toBe(15);
    expect(fromEnv.scheduler.pauseOverheadMs).toBe(600_000);

    const fromFlag = loadConfig(input({ configFlag: file, env, logLevelFlag: 'debug' }));
    expect(fromFlag.logLevel).toBe('debug');
  });

  it('puts --state-dir over CARBOND_STATE_DIR over the file, and the socket in that state dir', () => {
    const file = writeConfig('stateDir = "from-file"\n');
    expect(loadConfig(input({ configFlag: file })).stateDir).toBe(path.join(dir, 'from-file'));
    const env = { ...input().env, CARBOND_STATE_DIR: path.join(dir, 'from-env') };
    expect(loadConfig(input({ configFlag: file, env })).stateDir).toBe(path.join(dir, 'from-env'));
    const c = loadConfig(input({ configFlag: file, env, stateDirFlag: 'from-flag' }));
    expect(c.stateDir).toBe(path.join(dir, 'from-flag'));
    expect(c.socketPath).toBe(path.join(dir, 'from-flag', 'carbond.sock'));
  });

  it('uses XDG_RUNTIME_DIR for the socket in user mode and /run, /var/lib, /etc in system mode', () => {
    const user = loadConfig(input({ env: { ...input().env, XDG_RUNTIME_DIR: path.join(dir, 'run') } }));
    expect(user.socketPath).toBe(path.join(dir, 'run', 'carbond.sock'));
    const system = loadConfig(input({ uid: 0, configFlag: writeConfig('') }));
    expect(system).toMatchObject({ mode: 'system', stateDir: '/var/lib/carbond', socketPath: '/run/carbond/carbond.sock' });
  });

  it('replaces the default sites, zones and providers when the file names its own', () => {
    const file = writeConfig([
      '[providers.em]', 'type = "electricity-maps"', 'token = "s3cret"', '',
      '[zones.DE]', 'providers = ["em"]', 'staleAfter = "30m"', '',
      '[sites.box1]', 'zone = "DE"', 'gpus = 4', '',
    ].join('\n'));
    const c = loadConfig(input({ configFlag: file }));
    expect(Object.keys(c.providers)).toEqual(['em']);
    expect(Object.keys(c.sites)).toEqual(['box1']);
    expect(c.zones['DE']!.staleAfterMs).toBe(1_800_000);
    expect(c.sites['box1']).toEqual({ executor: 'local', zone: 'DE', gpus: 4, idlePowerW: 50, gpuPowerW: 300, cpuPowerW: 65 });
  });

  it('reports every problem at once, naming each field and its value (an unknown key by name alone)', () => {
    const file = writeConfig([
      'colour = "green"',
      '[scheduler]', 'slotMinutes = "five"', 'pauseOverhead = "-5m"', 'checkpointTimeout = -1', 'keepCheckpoints = 0', '',
      '[providers.uk]', 'type = "uk-carbon-intensity"', 'region = 40', '',
      '[zones.GB]', 'providers = ["uk", "nope"]', '',
      '[sites.box]', 'zone = "XX"', '',
    ].join('\n'));
    const issues = issuesOf(() => loadConfig(input({ configFlag: file })));
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(Object.keys(byPath).sort()).toEqual([
      'colour', 'providers.uk.region', 'scheduler.checkpointTimeout', 'scheduler.keepCheckpoints', 'scheduler.pauseOverhead',
      'scheduler.slotMinutes', 'sites.box.zone', 'zones.GB.providers.1',
    ]);
    expect(byPath['colour']).toEqual({ path: 'colour', message: 'unknown key' });
    expect(byPath['scheduler.slotMinutes']!.value).toBe('five');
    expect(byPath['scheduler.pauseOverhead']!.value).toBe('-5m');
    expect(byPath['scheduler.checkpointTimeout']).toMatchObject({ message: 'a duration must not be negative', value: -1 });
    expect(byPath['scheduler.keepCheckpoints']!.value).toBe(0);
    expect(byPath['zones.GB.providers.1']!.value).toBe('nope');
    expect(byPath['sites.box.zone']!.value).toBe('XX');
  });

  it('names the env var a bad value came from', () => {
    const env = { ...input().env, CARBOND_SCHEDULER__POLICY: 'greedy' };
    const [issue] = issuesOf(() => loadConfig(input({ env })));
    expect(issue).toMatchObject({ path: 'scheduler.policy', value: 'greedy' });
    expect(issue!.message).toContain('CARBOND_SCHEDULER__POLICY');
  });

  it('ignores the job-protocol CARBOND_* variables', () => {
    const env = { ...input().env, CARBOND_JOB_ID: 'j1', CARBOND_EVENTS: '/tmp/e' };
    expect(loadConfig(input({ env })).logLevel).toBe('info');
  });

  it('rejects a provider of an unknown type and a bad cron expression', () => {
    const file = writeConfig('tickInterval = "every minute"\n[providers.x]\ntype = "carbonbrief"\n[zones.GB]\nproviders = ["x"]\n');
    const paths = issuesOf(() => loadConfig(input({ configFlag: file }))).map((i) => i.path).sort();
    expect(paths).toEqual(['providers.x.type', 'tickInterval']);
  });

  it('reports a missing --config file and a TOML syntax error with the file and line', () => {
    expect(issuesOf(() => loadConfig(input({ configFlag: 'absent.toml' })))[0]).toMatchObject({ path: 'config', message: 'file not found', value: path.join(dir, 'absent.toml') });
    const bad = writeConfig('a = 1\nb = [1,\n');
    expect(issuesOf(() => loadConfig(input({ configFlag: bad })))[0]!.message).toMatch(/line \d/);
  });

  it('reads each site\'s checkpoint storage and move times, and refuses a relative root, an unknown or the same site, and a bad duration', () => {
    const head = ['[providers.s]', 'type = "static"', 'country = "GB"', '[zones.GB]', 'providers = ["s"]', '[zones.FR]', 'providers = ["s"]'];
    const ok = writeConfig([...head,
      '[sites.a]', 'zone = "GB"', 'checkpointRoot = "/lustre/a/carbond"',
      '[sites.b]', 'zone = "FR"', 'checkpointRoot = "/lustre/b/carbond"', 'moveTime = { a = "10m" }',
    ].join('\n'));
    const c = loadConfig(input({ configFlag: ok }));
    expect(c.sites['a']).toMatchObject({ checkpointRoot: '/lustre/a/carbond' });
    expect(c.sites['a']!.moveTimeMs).toBeUndefined();
    expect(c.sites['b']).toMatchObject({ checkpointRoot: '/lustre/b/carbond', moveTimeMs: { a: 600_000 } });

    const bad = writeConfig([...head,
      '[sites.a]', 'zone = "GB"', 'checkpointRoot = "relative/dir"', 'moveTime = { a = "1m", nowhere = "1m" }',
      '[sites.b]', 'zone = "FR"', 'moveTime = { a = "2d" }',
    ].join('\n'));
    const issues = issuesOf(() => loadConfig(input({ configFlag: bad })));
    expect(issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'sites.a.checkpointRoot', value: 'relative/dir', message: expect.stringMatching(/absolute/) }),
      expect.objectContaining({ path: 'sites.a.moveTime.a', message: expect.stringMatching(/itself/) }),
      expect.objectContaining({ path: 'sites.a.moveTime.nowhere', value: 'nowhere', message: expect.stringMatching(/not configured/) }),
      expect.objectContaining({ path: 'sites.b.moveTime.a', message: expect.stringMatching(/at most 24h/) }),
    ]));
  });

  it('masks tokens and passwords but keeps file and env-var names', () => {
    const file = writeConfig([
      '[providers.em]', 'type = "electricity-maps"', 'token = "s3cret"', '',
      '[providers.wt]', 'type = "watttime"', 'username = "ada"', 'password = "hunter2"', 'passwordEnv = "WT_PASS"', '',
      '[zones.GB]', 'providers = ["em", "wt"]', '[sites.local]', 'zone = "GB"',
    ].join('\n'));
    const c = loadConfig(input({ configFlag: file }));
    const masked = maskedConfig(c);
    expect(masked.providers['em']).toMatchObject({ token: MASK });
    expect(masked.providers['wt']).toMatchObject({ username: 'ada', password: MASK, passwordEnv: 'WT_PASS' });
    expect(JSON.stringify(masked)).not.toMatch(/s3cret|hunter2/);
    expect(c.providers['em']).toMatchObject({ token: 's3cret' });
  });
});

describe('preferSystemDaemon', () => {
  const home = '/home/ada';
  const input = { env: {}, uid: 1000, cwd: home, homeDir: home };
  const userWhere = resolveLocations(input);

  it('sends a user without a state dir of their own to the running system daemon', () => {
    const where = preferSystemDaemon(userWhere, input, (p) => p === SYSTEM_SOCKET_PATH);
    expect(where).toMatchObject({ stateDir: '/var/lib/carbond', socketPath: SYSTEM_SOCKET_PATH });
  });

  it('keeps the user paths when the user has a state dir, names one, or no system daemon runs', () => {
    expect(preferSystemDaemon(userWhere, input, () => true)).toBe(userWhere);
    expect(preferSystemDaemon(userWhere, input, () => false)).toBe(userWhere);
    const named = { ...input, stateDirFlag: '/tmp/s' };
    expect(preferSystemDaemon(resolveLocations(named), named, (p) => p === SYSTEM_SOCKET_PATH).stateDir).toBe('/tmp/s');
  });
});

describe('tickInterval', () => {
  const base = { env: {}, uid: 1000, cwd: '/', homeDir: '/nonexistent-home' };
  it.each(['*/5 * * * *', '0 */2 * * 1-5', '*/30 * * * * *'])('accepts %s', (expr) => {
    expect(loadConfig({ ...base, env: { CARBOND_TICK_INTERVAL: expr } }).tickInterval).toBe(expr);
  });

  it('rejects what node-cron rejects even when the shape looks right, unless the library check is skipped', () => {
    const env = { CARBOND_TICK_INTERVAL: '99 * * * *' };
    expect(() => loadConfig({ ...base, env })).toThrow(/tickInterval: not a cron expression.*\(got "99 \* \* \* \*"\)/);
    expect(loadConfig({ ...base, env, checkCronWithLibrary: false }).tickInterval).toBe('99 * * * *');
  });
});
