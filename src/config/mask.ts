/**
 * Secrets never leave carbond in clear: `config check`, logs and the status API print
 * the configuration through `maskSecrets`.
 */
import type { Config } from './types';

/** Keys whose values are secrets, wherever they appear. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['token', 'password', 'apiKey', 'secret']);

/** What a masked secret looks like. */
export const MASK = '********';

/** A plain, unfrozen copy of `value` with every secret replaced by `MASK`. */
export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => maskSecrets(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k) && v !== undefined ? MASK : maskSecrets(v);
  return out as T;
}

/** The configuration with secrets masked, ready to print. */
export function maskedConfig(config: Config): Config {
  return maskSecrets(config);
}
