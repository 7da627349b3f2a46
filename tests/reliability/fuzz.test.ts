/**
 * Property-based fuzzing (fast-check) of every door user input comes through: the config
 * loader (TOML objects and raw text), the job checks (`checkJobSpec`/`compileJob`,
 * `specFromInput`), the `submit` command line parsed in-process as the binary parses it, and
 * the control API's `POST /v1/jobs` handler on a real ledger. Each property says: the input is
 * either accepted and then usable (every bound the daemon relies on holds), or refused with an
 * error of exit code 2 (HTTP 4xx) whose issues each name a field, and nothing was changed.
 * Never another exception. The number of cases per property is printed at the end.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringify as tomlStringify } from 'smol-toml';
import { main } from '../../src/cli/main';
import { callDaemon } from '../../src/cli/daemon-client';
import { loadConfig, type LoadConfigInput } from '../../src/config/load';
import type { Config } from '../../src/config/types';
import { systemClock } from '../../src/core/clock';
import { CarbondError, ConfigError, InputError } from '../../src/core/errors';
import { nullLogger } from '../../src/core/logger';
import type { DaemonContext } from '../../src/daemon/context';
import { httpStatusOf, type Route } from '../../src/daemon/api/routes';
import { jobRoutes } from '../../src/daemon/jobs/routes';
import { ServiceRegistry } from '../../src/daemon/services';
import { checkJobFields, checkJobSpec, compileJob, type JobSpec, type SpecContext } from '../../src/jobs/spec';
import { specFromInput, type SubmitInput } from '../../src/jobs/submit-args';
import { closeLedger, openLedger } from '../../src/ledger/db';
import { getJob, type JobRecord } from '../../src/ledger/jobs';
import { DAY, jobBody, nearlyValid } from '../fixtures/fuzz/arbitraries';
import { expectJsonStable, expectNamedIssues, expectSaneJob, expectUsableConfig } from '../fixtures/fuzz/invariants';

jest.mock('../../src/cli/daemon-client', () => ({
  ...jest.requireActual('../../src/cli/daemon-client'),
  callDaemon: jest.fn(),
}));
const daemonCall = callDaemon as jest.MockedFunction<typeof callDaemon>;

/** Cases per property (CARBOND_FUZZ_SCALE=0.1 for a quick look). */
const SCALE = Number(process.env['CARBOND_FUZZ_SCALE'] ?? 1);
const RUNS = {
  configObjects: 3_000, configText: 2_500, jobSpecs: 2_500, submitInput: 2_000, submitArgv: 600, postJobs: 2_000,
};
const numRuns = (n: number): number => Math.max(10, Math.round(n * SCALE));
/** Cases run per property, and how many of them were accepted (the rest were refused). */
const counted: Record<string, { runs: number; accepted: number }> = {};
const count = (name: string): void => { (counted[name] ??= { runs: 0, accepted: 0 }).runs += 1; };
const accepted = (name: string): void => { counted[name]!.accepted += 1; };
const startedMs = process.hrtime.bigint();

const NOW = Date.parse('2026-11-29T12:00:00Z');
let dir: string;

beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-fuzz-')); });
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  const total = Object.values(counted).reduce((a, b) => a + b.runs, 0);
  const seconds = Number(process.hrtime.bigint() - startedMs) / 1e9;
  const each = Object.entries(counted).map(([k, v]) => `${k} ${v.runs} (${v.accepted} accepted)`).join(', ');
  console.log(`fuzz cases: ${each}; total ${total} in ${seconds.toFixed(1)} s`);
});

// ---------------------------------------------------------------------------------------------
// (a) configuration

/** Loads and checks one case: a usable config or a ConfigError (exit 2) naming fields; nothing else. */
function loadOneConfig(input: LoadConfigInput): 'ok' | 'refused' {
  let config: Config;
  try {
    config = loadConfig(input);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.exitCode).toBe(2);
    expectNamedIssues(err.issues);
    return 'refused';
  }
  expectUsableConfig(config, input.checkFiles === true, input.cwd);
  return 'ok';
}

describe('(a) the config loader', () => {
  const num = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 5_000 }) },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.constantFrom(1e12, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, -1, 4_096, 4_097, 0.5, 2 ** 31) },
  );
  const text = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 20 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) });
  const goodDuration = fc.constantFrom('90s', '5m', '1h30m', '2m', '10s', '1h', '100ms', 1_500, '24h');
  const goodTimeout = fc.constantFrom('10s', '2s', '90s', '5m', '10m', 1_500);
  const duration = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('0', '0s', '-5m', '25h', '30d', '8d', '11m', `${'9'.repeat(400)}`, '1.5h', '7d', '10m', '24h') },
    { weight: 1, arbitrary: num },
    { weight: 1, arbitrary: text },
  );
  const name = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('uk', 'em', 'f', 'GB', 'DE', 'box', 'local') }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'a.b', '', 'toString') }, { weight: 1, arbitrary: text });
  const anything = fc.oneof(num, text, fc.boolean(), fc.array(text, { maxLength: 3 }), fc.date({ noInvalidDate: true }), fc.dictionary(text, num, { maxKeys: 2 }));
  /** Values that a config key might wrongly hold. */
  const oddValue = fc.oneof(duration, num, text, anything, fc.constantFrom('ftp://x.org', 'file:///etc/passwd', 'a\0b', `/${'s'.repeat(150)}`, '127.0.0.1:99999', 'missing.csv'));
  /** Absent two times in three. */
  const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  /** Drops undefined (TOML has no null/undefined). */
  const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const odd = <T>(usual: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: anything });

  /** A configuration the loader should accept: one provider, one zone fed by it, one or two sites in it. */
  const validConfig = (trace: string, stateDir: string): fc.Arbitrary<Record<string, unknown>> => fc.record({
    provider: fc.constantFrom<[string, Record<string, unknown>]>(
      ['s', { type: 'static', country: 'GB' }], ['f', { type: 'file', path: trace, forecastPath: trace }], ['uk', { type: 'uk-carbon-intensity', region: 13 }],
      ['em', { type: 'electricity-maps', tokenFile: '/etc/carbond/em.token', baseUrl: 'http://127.0.0.1:8080/v3' }], ['sdk', { type: 'carbon-aware-sdk', baseUrl: 'https://sdk.example.org', location: 'westus' }],
    ),
    timeout: goodTimeout, retries: fc.integer({ min: 0, max: 10 }), requestsPerHour: fc.integer({ min: 1, max: 3_600 }), staleAfter: goodDuration,
    gpus: fc.integer({ min: 0, max: 8 }), power: fc.integer({ min: 0, max: 2_000 }), slotMinutes: fc.integer({ min: 1, max: 60 }),
    checkpointTimeout: goodDuration, keepCheckpoints: fc.integer({ min: 1, max: 10 }), listen: maybe(fc.constantFrom('127.0.0.1:9464', '[::1]:0', 'localhost:65535')),
    stateDir: maybe(fc.constant(stateDir)), logLevel: fc.constantFrom('debug', 'info', 'warn', 'error'),
  }).map((v) => defined({
    stateDir: v.stateDir, logLevel: v.logLevel,
    providers: { [v.provider[0]]: { ...v.provider[1], timeout: v.timeout, retries: v.retries, requestsPerHour: v.requestsPerHour } },
    zones: { GB: { providers: [v.provider[0]], staleAfter: v.staleAfter } },
    sites: { box: { zone: 'GB', gpus: v.gpus, idlePowerW: v.power / 4, gpuPowerW: v.power, cpuPowerW: v.power / 8 }, cpu: { zone: 'GB', gpus: 0 } },
    scheduler: { slotMinutes: v.slotMinutes, checkpointTimeout: v.checkpointTimeout, pauseOverhead: '5m', safetyMargin: '30m', keepCheckpoints: v.keepCheckpoints },
    ...(v.listen ? { metrics: { listen: v.listen } } : {}),
  }));
  const EXTRA_PATHS = [['colour'], ['scheduler', 'policy'], ['scheduler', 'pauseOverhead'], ['scheduler', 'safetyMargin'], ['socketPath'], ['stateDir'],
    ['metrics', 'listen'], ['embodied', 'gpuKgCO2e'], ['embodied', 'gpuLifetimeYears'], ['sites', 'box', 'extra'], ['tickInterval'], ['socketGroup'], ['zones', 'GB', 'providers']];

  /** Any shape at all: sections of random entries. */
  const provider = (trace: string): fc.Arbitrary<Record<string, unknown>> => fc.record({
    type: odd(fc.constantFrom('uk-carbon-intensity', 'electricity-maps', 'watttime', 'carbon-aware-sdk', 'file', 'static')),
    baseUrl: maybe(odd(fc.oneof(fc.webUrl(), fc.constantFrom('ftp://x.org', 'http://127.0.0.1:8080/v3', 'not a url', 'https://a:b@c.org/?token=x')))),
    timeout: maybe(duration), retries: maybe(num), requestsPerHour: maybe(num), path: maybe(odd(fc.constantFrom(trace, 'missing.csv', 'a\0b', '/tmp', `${trace}/x.csv`))),
    country: maybe(odd(fc.constantFrom('GB', 'DE', 'FRA', 'x'))), location: maybe(text), region: maybe(num), token: maybe(text), passwordFile: maybe(text),
  }).map(defined);
  const randomConfig = (trace: string): fc.Arbitrary<Record<string, unknown>> => fc.record({
    providers: maybe(fc.dictionary(name, provider(trace), { maxKeys: 3 })),
    zones: maybe(fc.dictionary(name, fc.record({ providers: maybe(odd(fc.array(name, { maxLength: 3 }))), staleAfter: maybe(duration) }).map(defined), { maxKeys: 3 })),
    sites: maybe(fc.dictionary(name, fc.record({ executor: maybe(odd(fc.constantFrom('local', 'slurm'))), zone: maybe(odd(name)), gpus: maybe(num), gpuPowerW: maybe(num) }).map(defined), { maxKeys: 3 })),
    scheduler: maybe(fc.record({ checkpointTimeout: maybe(duration), slotMinutes: maybe(num), keepCheckpoints: maybe(num) }).map(defined)),
    tickInterval: maybe(odd(fc.constantFrom('* * * * *', '99 * * * *', 'every minute'))), colour: maybe(anything),
  }).map(defined);

  const ENV_NAMES = ['CARBOND_LOG_LEVEL', 'CARBOND_SCHEDULER__SLOT_MINUTES', 'CARBOND_SCHEDULER__CHECKPOINT_TIMEOUT', 'CARBOND_PROVIDERS__UK__TIMEOUT',
    'CARBOND_SITES__BOX__GPUS', 'CARBOND_METRICS__LISTEN', 'CARBOND_FOO', 'CARBOND_ZONES__GB__PROVIDERS', 'CARBOND_JOB_ID'];
  const envArb = fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...ENV_NAMES), fc.oneof(fc.constantFrom('1', '1e12', 'debug', '["uk"]', '30d', '0', 'inf', '127.0.0.1:99999'), text), { maxKeys: 2 }) },
  );

  let trace = '';
  let file = '';
  const baseInput = (env: Record<string, string>, extra: Partial<LoadConfigInput>): LoadConfigInput => ({
    env: { XDG_CONFIG_HOME: path.join(dir, 'cfg'), XDG_STATE_HOME: path.join(dir, 'state'), ...env }, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, ...extra,
  });
  beforeAll(() => {
    trace = path.join(dir, 'trace.csv');
    fs.writeFileSync(trace, 'timestamp,zone,carbon_intensity\n2026-01-01T00:00:00Z,GB,200\n');
    file = path.join(dir, 'config.toml');
  });

  it('turns any TOML-able object (with any CARBOND_* env and path flags) into a usable frozen config or a ConfigError naming fields', () => {
    const object = fc.constant(null).chain(() => fc.oneof(
      { weight: 3, arbitrary: nearlyValid(validConfig(trace, path.join(dir, 'state')), oddValue, EXTRA_PATHS) },
      { weight: 1, arbitrary: randomConfig(trace) },
    ));
    fc.assert(fc.property(object, envArb, fc.boolean(), maybe(fc.constantFrom('sock', `/${'y'.repeat(110)}`)), (config, env, checkFiles, socketFlag) => {
      count('config objects');
      let toml: string;
      try {
        toml = tomlStringify(config);
      } catch {
        return; // not representable in TOML (the generator's problem, not carbond's)
      }
      fs.writeFileSync(file, toml);
      if (loadOneConfig(baseInput(env, { checkFiles, ...(socketFlag ? { socketFlag } : {}) })) === 'ok') accepted('config objects');
    }), { numRuns: numRuns(RUNS.configObjects) });
  });

  it('turns any text in the config file into a usable frozen config or a ConfigError naming fields', () => {
    const fragment = fc.oneof(
      fc.constantFrom('[providers.uk]', '[providers.f]', 'type = "file"', 'type = "static"', 'country = "GB"', 'path = "missing.csv"', '[zones.GB]',
        'providers = ["uk"]', 'providers = ["f"]', '[sites.box]', 'zone = "GB"', 'gpus = 1e12', 'gpus = 2', 'idlePowerW = inf', 'timeout = 0',
        'timeout = "11m"', '[scheduler]', 'checkpointTimeout = "30d"', 'checkpointTimeout = nan', 'slotMinutes = -inf', '[metrics]',
        'listen = "127.0.0.1:99999"', 'baseUrl = "ftp://x"', 'socketPath = "/tmp/a\\u0000b"', 'a.b.c = 1', '[[sites]]', 'x = 1979-05-27T07:32:00Z',
        '"__proto__" = 1', '[__proto__]', 'stateDir = 5', 'keepCheckpoints = 0x7fffffff', 'requestsPerHour = 1e400', '[embodied]', 'gpuKgCO2e = inf'),
      fc.string({ maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
    );
    /** A valid config's TOML with a few lines inserted, deleted or cut short: text near the boundary. */
    const edited = fc.tuple(
      validConfig(trace, path.join(dir, 'state')).map((o) => tomlStringify(o).split('\n')),
      fc.array(fc.tuple(fc.constantFrom('insert', 'delete', 'cut'), fc.nat(), fragment), { maxLength: 3 }),
    ).map(([lines, edits]) => edits.reduce((ls, [kind, at, line]) => {
      const i = at % (ls.length + 1);
      if (kind === 'insert') return [...ls.slice(0, i), line, ...ls.slice(i)];
      if (kind === 'delete') return [...ls.slice(0, i), ...ls.slice(i + 1)];
      return ls.map((l, j) => (j === i ? l.slice(0, at % (l.length + 1)) : l));
    }, lines).join('\n'));
    const toml = fc.oneof(
      { weight: 3, arbitrary: edited },
      { weight: 2, arbitrary: fc.array(fragment, { maxLength: 14 }).map((lines) => lines.join('\n')) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    );
    fc.assert(fc.property(toml, fc.boolean(), (content, checkFiles) => {
      count('config text');
      fs.writeFileSync(file, content);
      if (loadOneConfig(baseInput({}, { checkFiles })) === 'ok') accepted('config text');
    }), { numRuns: numRuns(RUNS.configText) });
  });
});

// ---------------------------------------------------------------------------------------------
// (b) job specs

describe('(b) the job checks', () => {
  const ctx: SpecContext = { nowMs: NOW, sites: { box1: { gpus: 2 }, box2: { gpus: 0 } }, safetyMarginMs: 30 * 60_000, checkpointTimeoutMs: 120_000, pauseOverheadMs: 300_000 };
  const ids = { id: 'j1', owner: 'ann', uid: 1000, gid: 1000, checkpointDir: '/c/j1' };

  it('compiles any JSON value into a sane JobRecord or refuses it with an InputError naming fields', () => {
    const body = fc.oneof({ weight: 6, arbitrary: jobBody('/home/a', ['box1', 'box2'], NOW) }, { weight: 1, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: fc.anything() });
    fc.assert(fc.property(body, (value) => {
      count('job specs');
      const spec = value as JobSpec;
      const issues = checkJobSpec(spec, ctx);
      let job: JobRecord;
      try {
        job = compileJob(spec, ctx, ids);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        expect(err.exitCode).toBe(2);
        expectNamedIssues(err.issues);
        expect(issues.count).toBe(err.issues.length);
        return;
      }
      expect(issues.count).toBe(0);
      expectSaneJob(job, ctx);
      accepted('job specs');
    }), { numRuns: numRuns(RUNS.jobSpecs) });
  });

  it('turns any submit input (JOB.json value) into a spec the daemon\'s own field checks accept, or an InputError naming fields', () => {
    const iso = (ms: number): string => new Date(ms).toISOString();
    const validInput = fc.record({
      deadline: fc.integer({ min: NOW + 2 * 3_600_000, max: NOW + 300 * DAY }).map(iso),
      command: fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
      name: fc.string({ minLength: 1, maxLength: 10 }), estimate: fc.constantFrom('1h', '90m', '30s'), sites: fc.subarray(['box1', 'box2']),
      gpus: fc.integer({ min: 0, max: 4 }), powerW: fc.double({ min: 1, max: 2_000, noNaN: true }), mode: fc.constantFrom('checkpoint', 'suspend'),
      pauseSignal: fc.constantFrom('SIGTERM', 'SIGUSR2'), checkpointTimeout: fc.constantFrom('2m', '24h', '90s'),
      tags: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }), useShell: fc.boolean(), cwd: fc.constant('/home/b'),
      env: fc.dictionary(fc.constantFrom('PATH', 'X'), fc.string({ maxLength: 4 }), { maxKeys: 2 }), retries: fc.integer({ min: 0, max: 20 }),
    }, { requiredKeys: ['deadline', 'command'] });
    const oddInput = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('07:00', '24:00', 'UTC', 'Mars/Base', '', '0', '-1h', '9'.repeat(400), '400d', '30d', 'soon', iso(NOW - DAY), '2026-13-01T00:00:00Z', 'n'.repeat(300), 'a\0b'),
      fc.constantFrom(1.5, 1e12, -1, 0, 1e9, 4_097, Number.NaN, Number.POSITIVE_INFINITY, null, true, [], ['moon'], 'python', { k: 'v'.repeat(300) }, [1]),
    );
    const fields = ['name', 'deadline', 'finishBy', 'tz', 'estimate', 'sites', 'gpus', 'powerW', 'mode', 'pauseSignal', 'checkpointTimeout', 'tags', 'command', 'useShell', 'cwd', 'env', 'retries', 'gpu'];
    const value = fc.oneof({ weight: 8, arbitrary: nearlyValid(validInput, oddInput, fields.map((f) => [f])) }, { weight: 1, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: fc.anything() });
    const context = { nowMs: NOW, localZone: 'UTC', cwd: '/home/a', env: { PATH: '/usr/bin' } };
    fc.assert(fc.property(value, (v) => {
      count('submit input');
      let spec: JobSpec;
      try {
        spec = specFromInput(v as SubmitInput, context);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        expect(err.exitCode).toBe(2);
        expectNamedIssues(err.issues);
        return;
      }
      expectJsonStable(spec);
      expect(checkJobFields(spec, NOW).all).toEqual([]);
      accepted('submit input');
    }), { numRuns: numRuns(RUNS.submitInput) });
  });
});

// ---------------------------------------------------------------------------------------------
// (c) the submit command line

describe('(c) carbond submit, parsed as the binary parses it', () => {
  const saved = { config: process.env['CARBOND_CONFIG'], exitCode: process.exitCode };
  /** Prepared JOB.json files, named in the generated words as `@name`. */
  const files: Record<string, string> = Object.create(null) as Record<string, string>;
  beforeAll(() => {
    const write = (name: string, text: string): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      return f;
    };
    process.env['CARBOND_CONFIG'] = write('empty.toml', '');
    files['good'] = write('good.json', JSON.stringify({ name: 'j', estimate: '1h', command: ['python', 'train.py'], tags: { a: 'b' } }));
    files['types'] = write('types.json', JSON.stringify({ gpus: 'two', command: 'python', tags: [1], sites: 'a', estimate: 5, env: 'X' }));
    files['both'] = write('both.json', JSON.stringify({ deadline: new Date(Date.now() + DAY).toISOString(), finishBy: '07:00', command: ['true'] }));
    files['array'] = write('array.json', '[1]');
    files['broken'] = write('broken.json', '{"name":');
    files['dir'] = dir;
    files['absent'] = path.join(dir, 'absent.json');
  });
  afterAll(() => {
    if (saved.config === undefined) delete process.env['CARBOND_CONFIG'];
    else process.env['CARBOND_CONFIG'] = saved.config;
    process.exitCode = saved.exitCode;
  });

  const nowIso = (offsetMs: number): string => new Date(Date.now() + offsetMs).toISOString();
  /** One flag with a value it accepts. */
  const goodOption = fc.constantFrom(
    ['--name', 'run'], ['--estimate', '1h'], ['--sites', 'local'], ['--gpus', '1'], ['--power-w', '300.5'], ['--mode', 'suspend'], ['--pause-signal', 'SIGUSR1'],
    ['--checkpoint-timeout', '2m'], ['--retries', '2'], ['--tag', 'project=llm'], ['--tag', 'team=ml'], ['--env', 'PATH'], ['--env', 'A=1'], ['--export', 'none'],
    ['--shell'], ['--json'], ['--file', '@good'],
  );
  const value = fc.oneof({ weight: 2, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: fc.constantFrom('', '-1', '1e400', 'abc', '0x10', '2', '300.5', 'Infinity', 'a=b', '=b', '--', '-x') });
  /** One flag with a value that may be wrong, or a flag that should not be there. */
  const oddOption = fc.oneof(
    fc.tuple(fc.constantFrom('--name', '--deadline', '--finish-by', '--tz', '--estimate', '--sites', '--gpus', '--power-w', '--mode', '--pause-signal',
      '--checkpoint-timeout', '--retries', '--tag', '--env', '--export'), fc.oneof(value, fc.constantFrom('n'.repeat(300), 'a\u001bb', nowIso(-3_600_000), nowIso(400 * DAY),
      'tomorrow', '25:00', 'Nowhere/Else', '0', '-5m', '9'.repeat(50), '4097', '1.5', 'two', '1e12', '1e9', 'lots', 'NOPE', '30d', '99', 'noeq', '=v', 'NOT_SET_ANYWHERE_X', 'CARBOND_X=1'))),
    fc.tuple(fc.constant('--file'), fc.constantFrom('@good', '@types', '@both', '@array', '@broken', '@dir', '@absent')),
    fc.constantFrom(['--no-shell'], ['--no-name'], ['--bogus', '1'], ['--name.first', 'x'], ['--gpus'], ['--name', 'a', '--name', 'b'], ['--deadline', nowIso(DAY), '--finish-by', '07:00']),
  );
  const deadline = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 2, max: 300 * 24 }).map((h) => ['--deadline', nowIso(h * 3_600_000)]) },
    { weight: 1, arbitrary: fc.constant(['--finish-by', '07:00', '--tz', 'UTC']) },
    { weight: 1, arbitrary: fc.constant(['--deadline', nowIso(DAY), '--finish-by', '07:00']) },
    { weight: 1, arbitrary: fc.constant([] as string[]) },
  );
  const command = fc.oneof({ weight: 6, arbitrary: fc.array(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant([] as string[]) });
  /** Flags that may be given once; `--deadline` and `--finish-by` count as one. */
  const ONCE = ['--name', '--deadline', '--finish-by', '--tz', '--estimate', '--sites', '--gpus', '--power-w', '--mode', '--pause-signal', '--checkpoint-timeout', '--retries', '--export', '--file'];
  const argv = fc.tuple(deadline, fc.array(goodOption, { maxLength: 4 }), fc.array(oddOption, { maxLength: 2 }), command).map(([d, good, odd, cmd]) => {
    const words = [...d, ...good.flat(), ...odd.flat()].map((w) => (w.startsWith('@') ? files[w.slice(1)] ?? w : w)).filter((w) => !['--help', '-h', '--version'].includes(w));
    // The known answer, where the words are unambiguous (no value that looks like a flag): a one-value flag twice is exit 2.
    const flags = words.filter((w) => ONCE.includes(w)).map((w) => (w === '--finish-by' ? '--deadline' : w));
    const ambiguous = words.some((w) => w.startsWith('-') && !w.startsWith('--')) || words.filter((w) => w.startsWith('--')).some((w) => !/^--[a-z.-]+$/.test(w) || w === '--');
    return { args: cmd.length > 0 ? [...words, '--', ...cmd] : words, twice: !ambiguous && new Set(flags).size < flags.length };
  });

  it('ends every command line in exit 2 (usage or input error naming fields) or a well-formed job sent to the daemon', async () => {
    daemonCall.mockImplementation(async () => ({ id: 'j1', name: 'n', deadline: 'd', state: 'queued' }));
    await fc.assert(fc.asyncProperty(argv, async ({ args, twice }) => {
      count('submit argv');
      daemonCall.mockClear();
      let stderr = '';
      const code = await main(['submit', '--state-dir', dir, ...args], { stdout: () => undefined, stderr: (t) => { stderr += `${t}\n`; } });
      if (twice) expect({ code, stderr }).toMatchObject({ code: 2 });
      // A value such as "-h x" is read by yargs as the short help flag: help is printed, nothing is sent.
      const asksHelp = args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).some((w) => /^-[^-]/.test(w) && w.includes('h'));
      if (code === 0 && asksHelp && daemonCall.mock.calls.length === 0) return;
      if (code === 0) {
        expect(daemonCall).toHaveBeenCalledTimes(1);
        const body = daemonCall.mock.calls[0]![1].body as JobSpec;
        expectJsonStable(body);
        const { retries: _retries, ...rest } = body as JobSpec & { retries?: unknown };
        expect(checkJobFields(rest, Date.now()).all).toEqual([]);
        accepted('submit argv');
        return;
      }
      expect({ code, stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(/^carbond: /) });
      expect(stderr).toMatch(/\n {2}- [A-Za-z-]+(\.[^:]+)?: |Run carbond --help for usage\./);
      expect(daemonCall).not.toHaveBeenCalled();
    }), { numRuns: numRuns(RUNS.submitArgv) });
  });
});

// ---------------------------------------------------------------------------------------------
// (d) POST /v1/jobs

describe('(d) POST /v1/jobs through the route handler, on a real ledger', () => {
  let ctx: DaemonContext;
  let submit: Route;
  let stateDir: string;
  const uid = process.getuid!();

  beforeAll(() => {
    stateDir = fs.mkdtempSync(path.join(dir, 'api-'));
    fs.writeFileSync(path.join(stateDir, 'config.toml'), `stateDir = "${stateDir}"\n[zones.GB]\nproviders = ["s"]\n[providers.s]\ntype = "static"\ncountry = "GB"\n[sites.box]\nzone = "GB"\ngpus = 2\n[sites.cpu]\nzone = "GB"\ngpus = 0\n`);
    const config = loadConfig({ env: {}, uid: 1000, cwd: stateDir, homeDir: stateDir, configFlag: path.join(stateDir, 'config.toml') });
    ctx = {
      config, db: openLedger(path.join(stateDir, 'ledger.sqlite'), { nowMs: systemClock.now() }), clock: systemClock, logger: nullLogger, ledgerPath: '',
      version: 't', pid: 1, startedAtMs: 0, daemonRunId: 1, requestTick: () => undefined, isStopping: () => false, services: new ServiceRegistry(),
    };
    submit = jobRoutes(() => { throw new Error('no lifecycle in this test'); }).find((r) => r.method === 'POST' && r.path === '/v1/jobs')!;
  });
  afterAll(() => closeLedger(ctx.db));

  const rows = (): number => (ctx.db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n;

  it('answers any JSON body with 200 and one new sane job, or a 4xx naming fields with nothing inserted', async () => {
    const body = fc.oneof(
      { weight: 8, arbitrary: jobBody(dir, ['box', 'cpu'], Date.now()) },
      { weight: 1, arbitrary: jobBody(dir, ['box'], Date.now()).map((b) => ({ ...b, owner: 'root', uid: 0 })) },
      { weight: 1, arbitrary: fc.jsonValue() },
    ).map((b) => JSON.parse(JSON.stringify(b)) as unknown); // what the socket hands the handler: parsed JSON
    await fc.assert(fc.asyncProperty(fc.option(body, { nil: undefined, freq: 50 }), async (parsed) => {
      count('POST /v1/jobs');
      const before = rows();
      let status = 200;
      let result: unknown;
      try {
        result = await submit.handler(ctx, { caller: { uid, gid: uid, pid: process.pid }, params: {}, query: new URLSearchParams(), body: parsed, headers: {} });
      } catch (err) {
        status = httpStatusOf(err);
        expect(err).toBeInstanceOf(CarbondError);
        if (err instanceof InputError) expectNamedIssues(err.issues);
      }
      if (status === 200) {
        expect(rows()).toBe(before + 1);
        const job = getJob(ctx.db, (result as { id: string }).id)!;
        const specCtx = { ...ctx.config.scheduler, nowMs: job.submittedAtMs, sites: ctx.config.sites };
        expectSaneJob(job, specCtx);
        accepted('POST /v1/jobs');
      } else {
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        expect(rows()).toBe(before);
      }
    }), { numRuns: numRuns(RUNS.postJobs) });
  });
});
