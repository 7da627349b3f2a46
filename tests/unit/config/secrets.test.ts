/**
 * Configuration errors never echo a secret: a rejected token or password is reported by
 * its path (and env var), with the value masked, whether it came from the file or the env.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../src/core/errors';
import { loadConfig, type LoadConfigInput } from '../../../src/config/load';
import { MASK } from '../../../src/config/mask';

const SECRET = 'abc-secret-123';

describe('configuration errors', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-secrets-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function input(extra: Partial<LoadConfigInput> = {}): LoadConfigInput {
    return { env: { XDG_CONFIG_HOME: path.join(dir, 'cfg'), XDG_STATE_HOME: path.join(dir, 'state') }, uid: 1000, cwd: dir, homeDir: dir, ...extra };
  }
  function withFile(lines: readonly string[], env: Record<string, string> = {}): LoadConfigInput {
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    return input({ configFlag: file, env: { ...input().env, ...env } });
  }
  function errorOf(fn: () => unknown): ConfigError {
    try { fn(); } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }
  /** Issues in path order: zod reports unknown keys after the nested problems. */
  function sortedIssues(err: ConfigError): unknown[] {
    return [...err.issues].sort((a, b) => a.path.localeCompare(b.path));
  }
  /** The error as a caller could see it: the message and the issues (as the daemon API sends them). */
  function everythingShown(err: ConfigError): string {
    return `${err.message}\n${JSON.stringify(err.issues)}`;
  }
  const emProvider = ['[providers.em]', 'type = "electricity-maps"'];
  const wtProvider = ['[providers.wt]', 'type = "watttime"'];
  /** A zone fed by the named providers, so the file's own providers are the only problem. */
  const zoneOf = (...names: string[]): string[] => ['[zones.GB]', `providers = ${JSON.stringify(names)}`];

  it.each([
    ['a token given as an array', [...emProvider, `token = ["${SECRET}"]`, ...zoneOf('em')], 'providers.em.token'],
    ['a token given as an inline table', [...emProvider, `token = { value = "${SECRET}" }`, ...zoneOf('em')], 'providers.em.token'],
    ['a password given as a number', [...wtProvider, 'password = 314159265', ...zoneOf('wt')], 'providers.wt.password'],
  ])('names the field but masks the value of %s', (_what, lines, field) => {
    const err = errorOf(() => loadConfig(withFile(lines)));
    const issue = err.issues.find((i) => i.path === field);
    expect(issue).toMatchObject({ path: field, value: MASK });
    expect(everythingShown(err)).not.toContain(SECRET);
    expect(everythingShown(err)).not.toContain('314159265');
  });

  it.each(['tokn', 'apikey', 'api_key', 'apiKey', 'passwd', 'auth', 'credentials', 'clientSecret', 'privateKey', 'bearer'])(
    'reports the misspelt secret-like key %s by name without its value',
    (key) => {
      const err = errorOf(() => loadConfig(withFile([...emProvider, `${key} = "${SECRET}"`, ...zoneOf('em')])));
      expect(err.issues).toEqual([{ path: `providers.em.${key}`, message: 'unknown key' }]);
      expect(everythingShown(err)).not.toContain(SECRET);
    },
  );

  it('reports any unknown key by name alone: a typo of a secret may match no rule', () => {
    const err = errorOf(() => loadConfig(withFile(['colour = "green"', ...emProvider, `tkn = "${SECRET}"`, ...zoneOf('em')])));
    expect(sortedIssues(err)).toEqual([
      { path: 'colour', message: 'unknown key' },
      { path: 'providers.em.tkn', message: 'unknown key' },
    ]);
    expect(everythingShown(err)).not.toMatch(/green|abc-secret/);
  });

  it('masks a bad secret from the env and still names the env var', () => {
    const err = errorOf(() => loadConfig(withFile([...emProvider, ...zoneOf('em')], { CARBOND_PROVIDERS__EM__TOKEN: '123' })));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ path: 'providers.em.token', value: MASK });
    expect(err.issues[0]!.message).toContain('CARBOND_PROVIDERS__EM__TOKEN');
    const line = err.message.split('\n').find((l) => l.includes('providers.em.token'));
    expect(line).toBe(`  - providers.em.token: Expected string, received number (from CARBOND_PROVIDERS__EM__TOKEN) (got "${MASK}")`);
  });

  it('masks a secret given as a JSON array in the env, and a misspelt secret key from the env', () => {
    const env = { CARBOND_PROVIDERS__EM__TOKEN: `["${SECRET}"]`, CARBOND_PROVIDERS__EM__API_KEY: 'env-secret-456' };
    const err = errorOf(() => loadConfig(withFile([...emProvider, ...zoneOf('em')], env)));
    expect(sortedIssues(err)).toEqual([
      { path: 'providers.em.apiKey', message: 'unknown key (from CARBOND_PROVIDERS__EM__API_KEY)' },
      { path: 'providers.em.token', message: 'Expected string, received array (from CARBOND_PROVIDERS__EM__TOKEN)', value: MASK },
    ]);
    expect(everythingShown(err)).not.toMatch(/abc-secret|env-secret/);
  });

  it('masks a token set straight under providers, where an entry name belongs, from the file or the env', () => {
    const fromFile = errorOf(() => loadConfig(withFile(['[providers]', `token = "${SECRET}"`, ...zoneOf('token')])));
    expect(fromFile.issues).toContainEqual(expect.objectContaining({ path: 'providers.token', value: MASK }));
    expect(everythingShown(fromFile)).not.toContain(SECRET);
    const fromEnv = errorOf(() => loadConfig(withFile([...emProvider, ...zoneOf('em')], { CARBOND_PROVIDERS__API_KEY: SECRET })));
    expect(fromEnv.issues).toContainEqual(expect.objectContaining({ path: 'providers.api_key', value: MASK }));
    expect(everythingShown(fromEnv)).not.toContain(SECRET);
  });

  it('keeps showing tokenFile and passwordEnv values: they say where the secret is, not what it is', () => {
    const err = errorOf(() => loadConfig(withFile([...emProvider, 'tokenFile = 42', ...wtProvider, 'passwordEnv = ""', ...zoneOf('em', 'wt')])));
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i.value]));
    expect(byPath).toEqual({ 'providers.em.tokenFile': 42, 'providers.wt.passwordEnv': '' });
  });

  it('does not print the line of a TOML syntax error that holds a secret', () => {
    const err = errorOf(() => loadConfig(withFile([...emProvider, `token = "${SECRET}`])));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.message).toMatch(/^Invalid TOML document: [a-z ]+ at line 3$/);
    expect(everythingShown(err)).not.toContain(SECRET);
  });

  it('masks the password and secret-like query parameters of a rejected URL', () => {
    const err = errorOf(() => loadConfig(withFile([...emProvider, `baseUrl = "https://ada:${SECRET}@api example.org/v3?auth-token=${SECRET}&zone=DE"`, ...zoneOf('em')])));
    expect(err.issues).toEqual([{
      path: 'providers.em.baseUrl', message: 'Invalid url', value: `https://ada:${MASK}@api example.org/v3?auth-token=${MASK}&zone=DE`,
    }]);
  });

  it('keeps values that are not secrets, under entry names that look like secret words too', () => {
    const err = errorOf(() => loadConfig(withFile(['[providers.private]', 'type = "uk-carbon-intensity"', 'region = 40', '[zones.GB]', 'providers = ["private"]'])));
    expect(err.issues).toEqual([{ path: 'providers.private.region', message: 'Number must be less than or equal to 18', value: 40 }]);
  });
});
