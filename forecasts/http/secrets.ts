/**
 * Provider secrets (API tokens, passwords): from the config value, a credentials file, or an
 * environment variable. A credentials file readable by everyone (mode & 0o004) is refused.
 * Secrets are never logged: `redact` removes them from any text that leaves a client.
 */
import * as fs from 'node:fs';
import { ConfigError } from '../../src/core/errors';

export interface SecretSource {
  /** The secret itself (inline in the config: discouraged, but allowed). */
  value?: string;
  /** Path of a file holding the secret (first line, trimmed). */
  file?: string;
  /** Name of an environment variable holding the secret. */
  env?: string;
}

/**
 * Resolves a secret: `value`, else `file`, else `env`. Returns undefined when none is set.
 * Throws `ConfigError` naming `field` for a missing/unreadable or world-readable file,
 * or an env var that is named but empty.
 */
export function resolveSecret(source: SecretSource, field: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (source.value !== undefined && source.value !== '') return source.value;
  if (source.file !== undefined) return readSecretFile(source.file, `${field}File`);
  if (source.env !== undefined) {
    const v = env[source.env];
    if (v === undefined || v === '') throw new ConfigError([{ path: `${field}Env`, message: `environment variable ${source.env} is not set`, value: source.env }]);
    return v.trim();
  }
  return undefined;
}

function readSecretFile(file: string, field: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new ConfigError([{ path: field, message: `cannot read credentials file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, value: file }]);
  }
  if ((stat.mode & 0o004) !== 0) {
    const mode = (stat.mode & 0o777).toString(8);
    throw new ConfigError([{ path: field, message: `credentials file is world-readable (mode ${mode}); run chmod o-r on it`, value: file }]);
  }
  const text = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0]?.trim() ?? '';
  if (text === '') throw new ConfigError([{ path: field, message: 'credentials file is empty', value: file }]);
  return text;
}

/** Replaces every occurrence of each secret (length ≥ 4) in `text` with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s !== undefined && s.length >= 4) out = out.split(s).join('***');
  }
  return out;
}
