/**
 * Compiles the configuration once (CONVENTIONS §7): defaults ← TOML file ← `CARBOND_*`
 * env ← flags, validated together, every problem reported at once (field and value),
 * then deep-frozen. Loads zod; `carbond status` uses ./locations alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ZodIssue } from 'zod';
import type { LogLevel } from '../core/logger';
import { Issues, type Issue } from '../core/validation';
import { configFileOf, resolveLocations, type LocationInput } from './locations';
import { configError } from './mask';
import { deepMerge, defaultLayer, envLayer, isPlainObject, mergeFileOverDefaults, readTomlFile, resolveFilePaths, type RawLayer } from './layers';
import { MAX_SOCKET_PATH_BYTES } from './limits';
import { configSchema } from './schema';
import type { Config, ProviderConfig } from './types';

/** What the CLI passes in: where to look, and the flags that override config values. */
export interface LoadConfigInput extends LocationInput {
  /** `--log-level` flag. */
  logLevelFlag?: LogLevel;
  /**
   * Check `tickInterval` with node-cron itself (default true). Read-only callers that never
   * schedule (the status fallback) pass false to skip loading node-cron.
   */
  checkCronWithLibrary?: boolean;
  /**
   * Check that the files the configuration names exist (a `file` provider's `path` and
   * `forecastPath`, relative to `cwd`). Default false: the daemon starts without them (a
   * missing trace is that provider's failure, and the zone falls back); `config check` asks.
   */
  checkFiles?: boolean;
}

const TOP_KEYS = Object.keys(configSchema.shape);

/** Reads, merges, validates and freezes the configuration; throws `ConfigError` with every issue. */
export function loadConfig(input: LoadConfigInput): Config {
  const file = configFileOf(input);
  const exists = fs.existsSync(file.path);
  if (file.explicit && !exists) throw configError([{ path: 'config', message: 'file not found', value: file.path }]);
  const issues = new Issues();
  const fileLayer = exists ? resolveFilePaths(withoutProtoKeys(readTomlFile(file.path), issues), file.path) : {};
  let raw = mergeFileOverDefaults(defaultLayer(), fileLayer);
  const env = envLayer(input.env, raw, TOP_KEYS);
  raw = deepMerge(raw, withoutProtoKeys(env.layer, issues));
  if (input.logLevelFlag) raw = deepMerge(raw, { logLevel: input.logLevelFlag });

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) for (const z of parsed.error.issues) issues.addAll(issuesOfZod(z, raw, env.sources));
  crossCheck(raw, issues);
  // Resolved from the raw values, so a socket path too long is reported with every other problem.
  const textAt = (key: string): string | undefined => (typeof raw[key] === 'string' && raw[key] !== '' ? (raw[key] as string) : undefined);
  const where = resolveLocations(input, { fileStateDir: textAt('stateDir'), fileSocketPath: textAt('socketPath') });
  checkSocketPath(where.socketPath, issues);
  if (parsed.success && input.checkCronWithLibrary !== false) checkCron(parsed.data.tickInterval, issues);
  if (parsed.success && input.checkFiles === true) checkTraceFiles(parsed.data.providers, input.cwd, issues);
  issues.throwIfAny((list) => configError(list, exists ? `configuration (${file.path})` : 'configuration'));
  if (!parsed.success) throw new Error('unreachable: zod failed without issues');

  const { stateDir: _fileStateDir, socketPath: _fileSocketPath, socketGroup, ...rest } = parsed.data; // both already in `where`
  return deepFreeze({ configPath: exists ? file.path : null, ...where, socketGroup: socketGroup ?? (where.mode === 'system' ? DEFAULT_SOCKET_GROUP : null), ...rest });
}

/** The socket's group in system mode unless `socketGroup` says otherwise. */
export const DEFAULT_SOCKET_GROUP = 'carbond';

/**
 * A copy of `layer` without `__proto__` keys, each one an issue: merged or validated, such a key
 * would set an object's prototype instead of naming an entry (a provider named `__proto__`
 * would vanish while a zone still points at it).
 */
function withoutProtoKeys(layer: RawLayer, issues: Issues, at: readonly string[] = []): RawLayer {
  const out: RawLayer = {};
  for (const [key, value] of Object.entries(layer)) {
    const here = [...at, key];
    if (key === '__proto__') issues.add(here.join('.'), 'is not a name carbond can use (__proto__ is reserved in JavaScript)');
    else out[key] = isPlainObject(value) ? withoutProtoKeys(value, issues, here) : value;
  }
  return out;
}

/** The raw value at a path, for error messages. */
function valueAt(raw: RawLayer, path: readonly (string | number)[]): unknown {
  let node: unknown = raw;
  for (const k of path) node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[k] : undefined;
  return node;
}

function issuesOfZod(z: ZodIssue, raw: RawLayer, sources: Map<string, string>): Issue[] {
  const from = (p: string): string => (sources.has(p) ? ` (from ${sources.get(p)})` : '');
  // An unknown key is reported by name alone: it may be a misspelt secret (`tokn`) that no
  // secret-like rule catches, and the name is all the user needs to find it.
  if (z.code === 'unrecognized_keys') {
    return z.keys.map((key) => {
      const p = [...z.path, key].join('.');
      return { path: p, message: `unknown key${from(p)}` };
    });
  }
  const p = z.path.join('.');
  const value = valueAt(raw, z.path);
  return [value === undefined ? { path: p, message: `${z.message}${from(p)}` } : { path: p, message: `${z.message}${from(p)}`, value }];
}

/** An entry of that name, not something every object has (`constructor`, `__proto__`). */
const hasEntry = (section: Record<string, unknown>, name: string): boolean => Object.prototype.hasOwnProperty.call(section, name);

/** Names must point at entries that exist: zone → providers, site → zone. */
function crossCheck(raw: RawLayer, issues: Issues): void {
  const providers = isPlainObject(raw['providers']) ? raw['providers'] : {};
  const zones = isPlainObject(raw['zones']) ? raw['zones'] : {};
  const sites = isPlainObject(raw['sites']) ? raw['sites'] : {};
  for (const [zone, spec] of Object.entries(zones)) {
    const list = isPlainObject(spec) ? spec['providers'] : undefined;
    if (!Array.isArray(list)) continue;
    list.forEach((name, i) => {
      if (typeof name === 'string' && !hasEntry(providers, name)) issues.add(`zones.${zone}.providers.${i}`, 'names a provider that is not configured', name);
    });
  }
  for (const [site, spec] of Object.entries(sites)) {
    const zone = isPlainObject(spec) ? spec['zone'] : undefined;
    if (typeof zone === 'string' && !hasEntry(zones, zone)) issues.add(`sites.${site}.zone`, 'names a zone that is not configured', zone);
    const moveTime = isPlainObject(spec) ? spec['moveTime'] : undefined;
    if (isPlainObject(moveTime)) {
      for (const from of Object.keys(moveTime)) {
        if (!hasEntry(sites, from)) issues.add(`sites.${site}.moveTime.${from}`, 'names a site that is not configured', from);
        else if (from === site) issues.add(`sites.${site}.moveTime.${from}`, 'names the site itself (a job does not move to where it is)', from);
      }
    }
  }
}

/**
 * The daemon's socket path must fit a Unix socket address (`sun_path`, 108 bytes with its NUL):
 * a longer one binds a truncated name, and no client finds the daemon.
 */
function checkSocketPath(socketPath: string, issues: Issues): void {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    issues.add('socketPath', `is ${bytes} bytes, longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket path can hold: set a shorter socketPath (or stateDir)`, socketPath);
  }
}

/** Each `file` provider's trace files must exist and be files (read relative to `cwd`, as the daemon reads them). */
function checkTraceFiles(providers: Readonly<Record<string, ProviderConfig>>, cwd: string, issues: Issues): void {
  for (const [name, provider] of Object.entries(providers)) {
    if (provider.type !== 'file') continue;
    for (const key of ['path', 'forecastPath'] as const) {
      const given = provider[key];
      if (given === undefined) continue;
      const file = path.resolve(cwd, given);
      let stat: fs.Stats | undefined;
      try {
        stat = fs.statSync(file, { throwIfNoEntry: false });
      } catch (err) {
        issues.add(`providers.${name}.${key}`, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file);
        continue;
      }
      if (!stat) issues.add(`providers.${name}.${key}`, 'names a trace file that does not exist', file);
      else if (!stat.isFile()) issues.add(`providers.${name}.${key}`, 'is not a file', file);
    }
  }
}

/** The expression must be one node-cron (which runs the tick) accepts. */
function checkCron(expr: string, issues: Issues): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cron = require('node-cron') as typeof import('node-cron');
  if (!cron.validate(expr)) issues.add('tickInterval', 'not a cron expression like "* * * * *"', expr);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
