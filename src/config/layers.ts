/**
 * The raw layers of the configuration before validation: defaults ← file ← env ← flags.
 * A layer is a plain object in the TOML input shape (`timeout = "10s"`, not `timeoutMs`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configError } from './mask';
import { holdsEntryNames, NAMED_SECTIONS } from './sections';

export type RawLayer = Record<string, unknown>;

/**
 * What carbond runs with when there is no config file: one local site `local` in zone
 * `GB`, fed by the keyless National Grid ESO API (provider `uk`).
 */
export function defaultLayer(): RawLayer {
  return {
    providers: { uk: { type: 'uk-carbon-intensity', baseUrl: 'https://api.carbonintensity.org.uk' } },
    zones: { GB: { providers: ['uk'] } },
    sites: { local: { executor: 'local', zone: 'GB' } },
  };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === null || proto === Object.prototype;
}

/** Deep merge: objects merge key-wise, everything else (arrays included) replaces. */
export function deepMerge(base: RawLayer, over: RawLayer): RawLayer {
  const out: RawLayer = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/** Puts the file over the defaults; a named section the file sets replaces the default one. */
export function mergeFileOverDefaults(defaults: RawLayer, file: RawLayer): RawLayer {
  const base: RawLayer = { ...defaults };
  for (const section of NAMED_SECTIONS) if (section in file) delete base[section];
  return deepMerge(base, file);
}

/** Reads and parses a TOML file; a syntax error is a `ConfigError` naming the file and line. */
export function readTomlFile(file: string): RawLayer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw configError([{ path: 'config', message: `cannot read file: ${(err as Error).message}`, value: file }]);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const toml = require('smol-toml') as typeof import('smol-toml');
  try {
    return toml.parse(text) as RawLayer;
  } catch (err) {
    // The first line only: smol-toml appends the offending lines, which may hold a secret.
    const first = (err as Error).message.split('\n')[0] ?? 'invalid TOML';
    const line = (err as { line?: number }).line;
    throw configError([{ path: 'config', message: `${first}${line ? ` at line ${line}` : ''}`, value: file }]);
  }
}

/** Makes the file's relative `stateDir`/`socketPath` absolute against the file's directory. */
export function resolveFilePaths(layer: RawLayer, file: string): RawLayer {
  const out = { ...layer };
  for (const key of ['stateDir', 'socketPath']) {
    const v = out[key];
    if (typeof v === 'string' && v.length > 0) out[key] = path.resolve(path.dirname(file), v);
  }
  return out;
}

/** Env vars that belong to the job protocol or to path resolution, not to the config layer. */
const NOT_CONFIG = new Set(['CARBOND_CONFIG', 'CARBOND_STATE_DIR', 'CARBOND_SOCKET_PATH', 'CARBOND_JOB_ID', 'CARBOND_CHECKPOINT_DIR', 'CARBOND_RESUME_FROM', 'CARBOND_EVENTS']);

/** `SLOT_MINUTES` → `slotMinutes`. */
function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Env text → value: numbers, booleans and JSON arrays are parsed; the rest stays text. */
function envValue(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.startsWith('[')) {
    try { return JSON.parse(text) as unknown; } catch { return text; }
  }
  return text;
}

export interface EnvLayer {
  layer: RawLayer;
  /** Dotted config path → env var name, so errors can say where a value came from. */
  sources: Map<string, string>;
}

/**
 * `CARBOND_LOG_LEVEL=debug` → `logLevel`; `CARBOND_SCHEDULER__SLOT_MINUTES=10` →
 * `scheduler.slotMinutes`; `CARBOND_PROVIDERS__EM__TOKEN=…` → `providers.<em>.token`, where a
 * named entry matches an existing name case-insensitively (`GB` stays `GB`).
 * Top-level names that are not config keys are ignored (the job protocol uses `CARBOND_*` too).
 */
export function envLayer(env: Readonly<Record<string, string | undefined>>, base: RawLayer, topKeys: readonly string[]): EnvLayer {
  const layer: RawLayer = {};
  const sources = new Map<string, string>();
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('CARBOND_') || NOT_CONFIG.has(name) || text === undefined) continue;
    const parts = name.slice('CARBOND_'.length).split('__');
    const keys: string[] = [];
    let known: unknown = base;
    parts.forEach((part) => {
      const named = holdsEntryNames(keys);
      const existing = isPlainObject(known) ? Object.keys(known).find((k) => k.toLowerCase() === part.toLowerCase()) : undefined;
      const key = named ? existing ?? part.toLowerCase() : camel(part);
      keys.push(key);
      known = isPlainObject(known) ? known[key] : undefined;
    });
    if (keys.length === 1 && !topKeys.includes(keys[0] as string)) continue;
    setPath(layer, keys, envValue(text));
    sources.set(keys.join('.'), name);
  }
  return { layer, sources };
}

function setPath(target: RawLayer, keys: readonly string[], value: unknown): void {
  let node = target;
  keys.slice(0, -1).forEach((k) => {
    if (!isPlainObject(node[k])) node[k] = {};
    node = node[k] as RawLayer;
  });
  node[keys[keys.length - 1] as string] = value;
}
