/**
 * Values the daemon cannot use are configuration errors (exit 2, naming the field and the
 * value), not a daemon that kills every pause at once or breaks every tick.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../src/core/errors';
import { loadConfig, type LoadConfigInput } from '../../../src/config/load';
import { MAX_CHECKPOINT_TIMEOUT_MS, MAX_PROVIDER_TIMEOUT_MS, MAX_TIMER_MS } from '../../../src/config/limits';

describe('configuration limits', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-limits-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function input(extra: Partial<LoadConfigInput> = {}): LoadConfigInput {
    return { env: { XDG_CONFIG_HOME: path.join(dir, 'cfg'), XDG_STATE_HOME: path.join(dir, 'state') }, uid: 1000, cwd: dir, homeDir: dir, ...extra };
  }
  /** A config with one static provider, one zone and one site, plus `lines`. */
  function load(lines: readonly string[], extra: Partial<LoadConfigInput> = {}): ReturnType<typeof loadConfig> {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, [...lines, ''].join('\n'));
    return loadConfig(input({ configFlag: file, ...extra }));
  }
  const base = (section: { provider?: string[]; site?: string[]; scheduler?: string[]; top?: string[] } = {}): string[] => [
    ...(section.top ?? []),
    '[providers.s]', 'type = "static"', 'country = "GB"', ...(section.provider ?? []),
    '[zones.GB]', 'providers = ["s"]',
    '[sites.box]', 'zone = "GB"', ...(section.site ?? []),
    ...(section.scheduler ? ['[scheduler]', ...section.scheduler] : []),
  ];
  function issuesOf(fn: () => unknown): Array<{ path: string; message: string; value?: unknown }> {
    try { fn(); } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).exitCode).toBe(2);
      return [...(err as ConfigError).issues];
    }
    throw new Error('expected a ConfigError');
  }

  it.each<[string, string[], string, unknown, RegExp]>([
    ['a checkpoint timeout Node\'s timers cannot hold', ['checkpointTimeout = "30d"'], 'scheduler.checkpointTimeout', '30d', /at most 24h/],
    ['an infinite checkpoint timeout', ['checkpointTimeout = inf'], 'scheduler.checkpointTimeout', Infinity, /finite|at most 24h/],
    ['a checkpoint timeout of zero', ['checkpointTimeout = 0'], 'scheduler.checkpointTimeout', 0, /greater than 0/],
    ['a duration too long to be a number', [`checkpointTimeout = "${'9'.repeat(400)}"`], 'scheduler.checkpointTimeout', '9'.repeat(400), /at most 24h/],
    ['a pause overhead over a day', ['pauseOverhead = "2d"'], 'scheduler.pauseOverhead', '2d', /at most 24h/],
    ['a safety margin over a week', ['safetyMargin = "8d"'], 'scheduler.safetyMargin', '8d', /at most 7d/],
    ['a NaN safety margin', ['safetyMargin = nan'], 'scheduler.safetyMargin', NaN, /not a duration/],
    ['keeping a trillion checkpoints', ['keepCheckpoints = 1_000_000_000_000'], 'scheduler.keepCheckpoints', 1e12, /1000/],
  ])('rejects %s, naming the field and the value', (_what, scheduler, field, value, message) => {
    const issues = issuesOf(() => load(base({ scheduler })));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: field, value });
    expect(issues[0]!.message).toMatch(message);
  });

  it.each<[string, string[], string, unknown, RegExp]>([
    ['a provider timeout over 10 minutes', ['timeout = "1h"'], 'providers.s.timeout', '1h', /at most 10m/],
    ['a provider timeout of zero', ['timeout = 0'], 'providers.s.timeout', 0, /greater than 0/],
    ['a provider timeout of "0s"', ['timeout = "0s"'], 'providers.s.timeout', '0s', /greater than 0/],
    ['an infinite request budget', ['requestsPerHour = inf'], 'providers.s.requestsPerHour', Infinity, /./],
  ])('rejects %s', (_what, provider, field, value, message) => {
    const issues = issuesOf(() => load(base({ provider })));
    expect(issues).toEqual([expect.objectContaining({ path: field, value, message: expect.stringMatching(message) })]);
  });

  it('bounds a site\'s GPUs to 0..4096 and its power figures to finite, sane watts', () => {
    const site = ['gpus = 1e12', 'idlePowerW = inf', 'gpuPowerW = 1e9', 'cpuPowerW = -1'];
    const issues = issuesOf(() => load(base({ site })));
    expect(issues.map((i) => [i.path, i.value])).toEqual([
      ['sites.box.gpus', 1e12], ['sites.box.idlePowerW', Infinity], ['sites.box.gpuPowerW', 1e9], ['sites.box.cpuPowerW', -1],
    ]);
    expect(issues[0]!.message).toMatch(/4096/);
    expect(issues[2]!.message).toMatch(/10000/);
    const ok = load(base({ site: ['gpus = 4096', 'idlePowerW = 1000', 'gpuPowerW = 1200', 'cpuPowerW = 500'] }));
    expect(ok.sites['box']).toMatchObject({ gpus: 4096, gpuPowerW: 1200 });
  });

  it('rejects infinite embodied figures', () => {
    const issues = issuesOf(() => load([...base(), '[embodied]', 'gpuKgCO2e = inf', 'gpuLifetimeYears = 1e300']));
    expect(issues.map((i) => i.path)).toEqual(['embodied.gpuKgCO2e', 'embodied.gpuLifetimeYears']);
  });

  it('accepts the limits themselves', () => {
    const c = load(base({ provider: ['timeout = "10m"'], scheduler: ['checkpointTimeout = "24h"', 'pauseOverhead = "24h"', 'safetyMargin = "7d"'] }));
    expect(c.scheduler).toMatchObject({ checkpointTimeoutMs: 86_400_000, pauseOverheadMs: 86_400_000, safetyMarginMs: 7 * 86_400_000 });
    expect(c.providers['s']!.timeoutMs).toBe(600_000);
  });

  it.each(['127.0.0.1:99999', '[::1]:65536'])('rejects the metrics address %s (ports are 1..65535)', (listen) => {
    const issues = issuesOf(() => load([...base(), '[metrics]', `listen = "${listen}"`]));
    expect(issues).toEqual([expect.objectContaining({ path: 'metrics.listen', value: listen, message: expect.stringMatching(/1\.\.65535/) })]);
  });

  it('accepts port 65535, port 1, and port 0 (any free port)', () => {
    expect(load([...base(), '[metrics]', 'listen = "[::1]:65535"']).metrics.listen).toBe('[::1]:65535');
    expect(load([...base(), '[metrics]', 'listen = "localhost:1"']).metrics.listen).toBe('localhost:1');
    expect(load([...base(), '[metrics]', 'listen = "127.0.0.1:0"']).metrics.listen).toBe('127.0.0.1:0');
  });

  it.each(['ftp://api.example.org', 'file:///etc/passwd', 'javascript:alert(1)'])('rejects the base URL %s (http and https only)', (url) => {
    const issues = issuesOf(() => load(['[providers.u]', 'type = "uk-carbon-intensity"', `baseUrl = "${url}"`, '[zones.GB]', 'providers = ["u"]']));
    expect(issues).toEqual([expect.objectContaining({ path: 'providers.u.baseUrl', value: url, message: expect.stringMatching(/http/) })]);
  });

  it('rejects a socket path longer than a Unix socket can hold (107 bytes), from the file or a flag', () => {
    const long = path.join(dir, 's'.repeat(120), 'carbond.sock');
    const fromFile = issuesOf(() => load(base({ top: [`socketPath = ${JSON.stringify(long)}`] })));
    expect(fromFile).toEqual([expect.objectContaining({ path: 'socketPath', value: long, message: expect.stringMatching(/107 bytes/) })]);
    const fromFlag = issuesOf(() => load(base(), { socketFlag: long }));
    expect(fromFlag).toEqual([expect.objectContaining({ path: 'socketPath', value: long })]);
    // A long state dir puts its default socket past the limit too.
    const viaStateDir = issuesOf(() => load(base(), { stateDirFlag: path.join(dir, 'd'.repeat(110)) }));
    expect(viaStateDir).toEqual([expect.objectContaining({ path: 'socketPath', message: expect.stringMatching(/shorter socketPath/) })]);
  });

  it('accepts a socket path of exactly 107 bytes', () => {
    const name = 'x'.repeat(107 - dir.length - 1);
    expect(load(base(), { socketFlag: path.join(dir, name) }).socketPath).toHaveLength(107);
  });

  it('rejects a NUL byte in any path, naming the field', () => {
    const issues = issuesOf(() => load([
      'stateDir = "/var/lib/a\\u0000b"', 'socketPath = "/run/x\\u0000.sock"',
      '[providers.f]', 'type = "file"', 'path = "/data/t\\u0000.csv"', 'forecastPath = "/data/\\u0000f.csv"',
      '[providers.em]', 'type = "electricity-maps"', 'tokenFile = "/etc/t\\u0000"',
      '[providers.wt]', 'type = "watttime"', 'passwordFile = "/etc/p\\u0000"',
      '[zones.GB]', 'providers = ["f", "em", "wt"]',
    ]));
    expect(issues.map((i) => i.path).sort()).toEqual([
      'providers.em.tokenFile', 'providers.f.forecastPath', 'providers.f.path', 'providers.wt.passwordFile', 'socketPath', 'stateDir',
    ]);
    expect(issues.every((i) => /NUL/.test(i.message))).toBe(true);
  });

  describe('a file provider\'s trace files', () => {
    const fileProvider = (p: string, forecast?: string): string[] => [
      '[providers.f]', 'type = "file"', `path = ${JSON.stringify(p)}`, ...(forecast ? [`forecastPath = ${JSON.stringify(forecast)}`] : []),
      '[zones.GB]', 'providers = ["f"]',
    ];

    it('are checked when asked (config check), naming the field and the resolved path', () => {
      const issues = issuesOf(() => load(fileProvider('missing.csv', path.join(dir, 'also-missing.csv')), { checkFiles: true }));
      expect(issues).toEqual([
        { path: 'providers.f.path', message: expect.stringMatching(/does not exist/), value: path.join(dir, 'missing.csv') },
        { path: 'providers.f.forecastPath', message: expect.stringMatching(/does not exist/), value: path.join(dir, 'also-missing.csv') },
      ]);
    });

    it('pass when they exist, and a directory is not a trace file', () => {
      fs.writeFileSync(path.join(dir, 'trace.csv'), 'timestamp,zone,carbon_intensity\n');
      expect(load(fileProvider('trace.csv'), { checkFiles: true }).providers['f']).toMatchObject({ path: 'trace.csv' });
      const issues = issuesOf(() => load(fileProvider(dir), { checkFiles: true }));
      expect(issues).toEqual([expect.objectContaining({ path: 'providers.f.path', message: expect.stringMatching(/not a file/) })]);
    });

    it('are reported, not thrown, when the path cannot be looked at (a file used as a directory)', () => {
      fs.writeFileSync(path.join(dir, 'trace.csv'), 'timestamp,zone,carbon_intensity\n');
      const issues = issuesOf(() => load(fileProvider('trace.csv/x.csv'), { checkFiles: true }));
      expect(issues).toEqual([{ path: 'providers.f.path', message: expect.stringMatching(/cannot be read \(ENOTDIR\)/), value: path.join(dir, 'trace.csv', 'x.csv') }]);
    });

    it('are not required by the daemon itself (a missing file is a provider failure; the chain falls back)', () => {
      expect(load(fileProvider('missing.csv')).providers['f']).toMatchObject({ type: 'file', path: 'missing.csv' });
    });
  });
});

describe('the limits themselves', () => {
  it('keep every duration that becomes a timer far below Node\'s timer limit', () => {
    for (const ms of [MAX_CHECKPOINT_TIMEOUT_MS, MAX_PROVIDER_TIMEOUT_MS]) expect(ms).toBeLessThan(MAX_TIMER_MS);
    // One setTimeout past the limit fires at once: the reason these bounds exist.
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  });
});

describe('names that only a JavaScript object\'s prototype has', () => {
  // The default zones and providers are plain objects: `'constructor' in zones` is true there.
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('refuses a site in zone %j, and a zone fed by a provider of that name, when none is configured', (name) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-proto-'));
    try {
      const file = path.join(dir, 'config.toml');
      fs.writeFileSync(file, ['[sites.box]', `zone = ${JSON.stringify(name)}`, ''].join('\n'));
      const env = { CARBOND_ZONES__GB__PROVIDERS: `["uk", ${JSON.stringify(name)}]` };
      let err: unknown;
      try { loadConfig({ env, uid: 1000, cwd: dir, homeDir: dir, configFlag: file }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => [i.path, i.value])).toEqual([['zones.GB.providers.1', name], ['sites.box.zone', name]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the key __proto__', () => {
  it.each<[string, string]>([
    ['[providers.__proto__]\ntype = "static"\ncountry = "GB"\n[zones.GB]\nproviders = ["__proto__"]\n', 'providers.__proto__'],
    ['__proto__ = 1\n', '__proto__'],
    ['[__proto__]\nx = 1\n', '__proto__'],
    ['[sites.box]\nzone = "GB"\n__proto__ = { gpus = 1 }\n', 'sites.box.__proto__'],
  ])('is refused wherever it is written, not dropped silently (%j)', (text, field) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-proto-'));
    try {
      const file = path.join(dir, 'config.toml');
      fs.writeFileSync(file, text);
      let err: unknown;
      try { loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toContainEqual(expect.objectContaining({ path: field, message: expect.stringMatching(/__proto__/) }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
