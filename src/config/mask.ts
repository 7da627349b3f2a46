/**
 * Secrets never leave carbond in clear: `config check`, logs and the status API print
 * the configuration through `maskSecrets`, and every `ConfigError` raised in src/config
 * is made by `configError`, which masks each issue's value and message.
 */
import { ConfigError } from '../core/errors';
import type { Issue } from '../core/validation';
import { holdsEntryNames } from './sections';
import type { Config } from './types';

/** What a masked secret looks like. */
export const MASK = '********';

/** A word that marks a key as holding a secret, anywhere in the key, case-insensitive. */
const SECRET_WORD = /token|passw(or)?d|passphrase|secret|api[-_]?key|key$|auth|credential|private|bearer/i;
/** A key ending in `File` or `Env` says where a secret is (a path, an env var name), not what it is. */
const REFERENCE_SUFFIX = /(file|env)$/i;

/**
 * The rule for secret-like key names, used for printing the config and for every config
 * issue: the key contains (case-insensitive) `token`, `password`, `passwd`, `passphrase`,
 * `secret`, `apikey`/`api_key`/`api-key`, `auth` (`authToken`, `Authorization`),
 * `credential`, `private` or `bearer`, or ends in `key` (`privateKey`, `accessKey`), and
 * does not end in `File` or `Env`: `tokenFile`, `passwordEnv` are references, shown in clear.
 * Broad on purpose, to catch near-misses (`apikey`, `passwd`, `clientSecret`); a typo that
 * matches no word (`tokn`) is why unknown keys are reported without their value (./load).
 */
export function isSecretKey(key: string): boolean {
  return SECRET_WORD.test(key) && !REFERENCE_SUFFIX.test(key);
}

/** A URL's password: `https://user:PASSWORD@host`. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)([^\s/?#@]*)@/i;
/** A query parameter `name=value`, masked when `name` is secret-like (`?api_key=…`). */
const QUERY_PARAM = /([?&])([^=&#\s]+)=([^&#\s]*)/g;

/** Masks the secrets inside one piece of text (URL credentials); records what it hid. */
function maskText(text: string, hidden: string[]): string {
  return text
    .replace(URL_PASSWORD, (_m, head: string, password: string) => (hidden.push(password), `${head}${MASK}@`))
    .replace(QUERY_PARAM, (m, sep: string, name: string, value: string) => (isSecretKey(name) ? (hidden.push(value), `${sep}${name}=${MASK}`) : m));
}

/** Replaces `value` by `MASK`, recording every leaf it hid (to scrub them from messages). */
function hide(value: unknown, hidden: string[]): string {
  if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) hide(v, hidden);
  else if (typeof value === 'string' || typeof value === 'number') hidden.push(String(value));
  return MASK;
}

/**
 * The value of `key` under `parent`, masked: all of it when the key is secret-like, else
 * the secrets inside it. A provider, zone or site name (`sites.private`) is a name, not a
 * key, as long as its value is an entry (an object); `token = "…"` written straight under
 * `[providers]` is a misplaced secret and is masked.
 */
function maskKey(parent: readonly string[], key: string, value: unknown, hidden: string[]): unknown {
  const isEntry = holdsEntryNames(parent) && typeof value === 'object' && value !== null && !Array.isArray(value);
  return value !== undefined && !isEntry && isSecretKey(key) ? hide(value, hidden) : maskAt(value, [...parent, key], hidden);
}

/** Deep copy of `value` found at `path`, secrets masked; every hidden text is pushed to `hidden`. */
function maskAt(value: unknown, path: readonly string[], hidden: string[]): unknown {
  if (typeof value === 'string') return maskText(value, hidden);
  if (Array.isArray(value)) return value.map((v: unknown, i) => maskAt(v, [...path, String(i)], hidden));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskKey(path, k, v, hidden);
  return out;
}

/** A plain, unfrozen copy of `value` with every secret replaced by `MASK`. */
export function maskSecrets<T>(value: T): T {
  return maskAt(value, [], []) as T;
}

/** The configuration with secrets masked, ready to print. */
export function maskedConfig(config: Config): Config {
  return maskSecrets(config);
}

/** True when a key on `path` is secret-like; entry names on the way (`sites.private.…`) are not keys. */
function isSecretPath(path: readonly string[]): boolean {
  return path.some((key, i) => !holdsEntryNames(path.slice(0, i)) && isSecretKey(key));
}

/**
 * Shorter hidden texts are not scrubbed from messages: a 1–2 character "secret" would
 * garble the message (`e` in "Expected") and protects nothing.
 */
const MIN_SCRUB_CHARS = 3;

/**
 * The issue with its secrets masked: the whole value when the path names a secret
 * (`providers.em.token`, whatever its type), else the secrets inside the value; and any
 * hidden text scrubbed from the message too (zod quotes some values: `received 'abc'`).
 */
export function maskIssue(issue: Issue): Issue {
  if (issue.value === undefined) return issue;
  const path = issue.path.split('.');
  const parent = path.slice(0, -1);
  const hidden: string[] = [];
  const value = isSecretPath(parent) ? hide(issue.value, hidden) : maskKey(parent, path[path.length - 1] as string, issue.value, hidden);
  const message = hidden.filter((h) => h.length >= MIN_SCRUB_CHARS).reduce((m, h) => m.split(h).join(MASK), issue.message);
  return { ...issue, message, value };
}

/** The one maker of `ConfigError` in src/config: every issue is masked on the way in. */
export function configError(issues: readonly Issue[], source?: string): ConfigError {
  return new ConfigError(issues.map(maskIssue), source);
}
