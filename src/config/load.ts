/**
 * Compiles the configuration once (CONVENTIONS §7): defaults ← TOML file ← `CARBOND_*`
 * env ← flags, validated together, every problem reported at once (field and value),
 * then deep-frozen. Loads zod; `carbond status` uses ./locations alone.
 */
import * as fs from 'node:fs';
import type { ZodIssue } from 'zod';
import type { LogLevel } from '../core/logger';
import { Issues, type Issue } from '../core/validation';
import { configFileOf, resolveLocations, type LocationInput } from './locations';
import { configError } from './mask';
import { deepMerge, defaultLayer, envLayer, isPlainObject, mergeFileOverDefaults, readTomlFile, resolveFilePaths, type RawLayer } from './layers';
import { configSchema } from './schema';
import type { Config } from './types';

/** What the CLI passes in: where to look, and the flags that override config values. */
export interface LoadConfigInput extends LocationInput {
  /** `--log-level` flag. */
  logLevelFlag?: LogLevel;
  /**
   * Check `tickInterval` with node-cron itself (default true). Read-only callers that never
   * schedule (the status fallback) pass false to skip loading node-cron.
   */
  checkCronWithLibrary?: boolean;
}

const TOP_KEYS = Object.keys(configSchema.shape);

/** Reads, merges, validates and freezes the configuration; throws `ConfigError` with every issue. */
export function loadConfig(input: LoadConfigInput): Config {
  const file = configFileOf(input);
  const exists = fs.existsSync(file.path);
  if (file.explicit && !exists) throw configError([{ path: 'config', message: 'file not found', value: file.path }]);
  const fileLayer = exists ? resolveFilePaths(readTomlFile(file.path), file.path) : {};
  let raw = mergeFileOverDefaults(defaultLayer(), fileLayer);
  const env = envLayer(input.env, raw, TOP_KEYS);
  raw = deepMerge(raw, env.layer);
  if (input.logLevelFlag) raw = deepMerge(raw, { logLevel: input.logLevelFlag });

  const issues = new Issues();
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) for (const z of parsed.error.issues) issues.addAll(issuesOfZod(z, raw, env.sources));
  crossCheck(raw, issues);
  if (parsed.success && input.checkCronWithLibrary !== false) checkCron(parsed.data.tickInterval, issues);
  issues.throwIfAny((list) => configError(list, exists ? `configuration (${file.path})` : 'configuration'));
  if (!parsed.success) throw new Error('unreachable: zod failed without issues');

  const { stateDir: fileStateDir, socketPath: fileSocketPath, socketGroup, ...rest } = parsed.data;
  const where = resolveLocations(input, { fileStateDir, fileSocketPath });
  return deepFreeze({ configPath: exists ? file.path : null, ...where, socketGroup: socketGroup ?? (where.mode === 'system' ? DEFAULT_SOCKET_GROUP : null), ...rest });
}

/** The socket's group in system mode unless `socketGroup` says otherwise. */
export const DEFAULT_SOCKET_GROUP = 'carbond';

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

/** Names must point at entries that exist: zone → providers, site → zone. */
function crossCheck(raw: RawLayer, issues: Issues): void {
  const providers = isPlainObject(raw['providers']) ? raw['providers'] : {};
  const zones = isPlainObject(raw['zones']) ? raw['zones'] : {};
  const sites = isPlainObject(raw['sites']) ? raw['sites'] : {};
  for (const [zone, spec] of Object.entries(zones)) {
    const list = isPlainObject(spec) ? spec['providers'] : undefined;
    if (!Array.isArray(list)) continue;
    list.forEach((name, i) => {
      if (typeof name === 'string' && !(name in providers)) issues.add(`zones.${zone}.providers.${i}`, 'names a provider that is not configured', name);
    });
  }
  for (const [site, spec] of Object.entries(sites)) {
    const zone = isPlainObject(spec) ? spec['zone'] : undefined;
    if (typeof zone === 'string' && !(zone in zones)) issues.add(`sites.${site}.zone`, 'names a zone that is not configured', zone);
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
