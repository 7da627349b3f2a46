/**
 * `carbond submit` flags (and `--file JOB.json`) → a `JobSpec`, checking every field at
 * once: its JSON type, its text, and the bounds the daemon enforces (`checkJobFields`).
 * Flags override the file. Pure apart from the file text it is given.
 */
import { InputError } from '../core/errors';
import { parseDurationMs, parseIsoMs } from '../core/units';
import { Issues } from '../core/validation';
import { isValidZone, nextOccurrenceMs, parseHhMm } from './finish-by';
import { checkJobFields, type JobSpec } from './spec';

/** What the user gave, as strings, before checking. */
export interface SubmitInput {
  name?: string;
  deadline?: string;
  finishBy?: string;
  tz?: string;
  estimate?: string;
  sites?: string[];
  gpus?: number;
  powerW?: number;
  mode?: string;
  pauseSignal?: string;
  checkpointTimeout?: string;
  tags?: Record<string, string>;
  command?: string[];
  useShell?: boolean;
  cwd?: string;
  /** Extra variables for the job (a JOB.json may give them; flags add with --env). */
  env?: Record<string, string>;
  /** A JOB.json's retries (the submit command sends it; the daemon checks its range). */
  retries?: number;
}

/** `k=v` pairs → record; each malformed one is an issue. */
export function parseTags(pairs: readonly string[], issues: Issues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) issues.add('tag', 'must be key=value', p);
    else out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/**
 * Flags that take one value, as yargs leaves them: a flag given twice arrives as an array,
 * `--no-name` as `false`, and text given to a number flag as NaN. Each such flag is an issue
 * naming it, and comes back `undefined` (to spread over the args) instead of one of its values
 * being kept or dropped silently. `switches` are the boolean flags (`--shell`): `false` is a value.
 */
export function oneValueFlags(args: Readonly<Record<string, unknown>>, values: readonly string[], switches: readonly string[], issues: Issues): Record<string, undefined> {
  const dropped: Record<string, undefined> = {};
  for (const name of [...values, ...switches]) {
    const v = args[name];
    if (v === undefined || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'boolean' && switches.includes(name))) continue;
    if (Array.isArray(v)) issues.add(name, 'is given more than once', v);
    else if (typeof v === 'number') issues.add(name, 'must be a number'); // yargs's number type made NaN of the text
    else issues.add(name, `must be a value (--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} VALUE)`, v);
    dropped[name] = undefined;
  }
  return dropped;
}

/** A number as written in a flag: decimal, optional sign, fraction and exponent; no `0x10`, no `Infinity`. */
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A numeric flag's text → number, or undefined with an issue naming the field and the text:
 * `--gpus abc` is an error, not the 0 (or NaN) yargs's own number type would give.
 */
export function numberFlag(field: string, text: string, rule: { whole: boolean; what: string }, issues: Issues): number | undefined {
  const n = NUMBER_TEXT.test(text.trim()) ? Number(text) : NaN;
  if (Number.isFinite(n) && (!rule.whole || Number.isInteger(n))) return n;
  issues.add(field, `must be ${rule.what}`, text);
  return undefined;
}

/** The file's tags with the flags' over them; a file value that is not a map stays as it is, to be reported. */
export function mergeTags(fromFile: unknown, fromFlags: Record<string, string>): Record<string, string> {
  if (fromFile === undefined) return fromFlags;
  return typeof fromFile === 'object' && fromFile !== null && !Array.isArray(fromFile) ? { ...(fromFile as Record<string, string>), ...fromFlags } : (fromFile as Record<string, string>);
}

/** Reads a JOB.json file's object into a `SubmitInput` (strings as in the flags; `tags` an object). */
export function submitInputFromFile(text: string, file: string): SubmitInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError([{ path: 'file', message: `not valid JSON: ${(err as Error).message}`, value: file }], 'job file');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError([{ path: 'file', message: 'must hold a JSON object', value: file }], 'job file');
  return value as SubmitInput;
}

/** The JSON type each field must have (a new `SubmitInput` field needs a line: the type says so). */
type Kind = 'text' | 'texts' | 'number' | 'textMap' | 'boolean';
const KINDS: Readonly<Record<keyof SubmitInput, Kind>> = {
  name: 'text', deadline: 'text', finishBy: 'text', tz: 'text', estimate: 'text', sites: 'texts', gpus: 'number', powerW: 'number',
  mode: 'text', pauseSignal: 'text', checkpointTimeout: 'text', tags: 'textMap', command: 'texts', useShell: 'boolean', cwd: 'text', env: 'textMap',
  retries: 'number',
};
const KIND_MESSAGE: Readonly<Record<Kind, string>> = {
  text: 'must be text', texts: 'must be a list of text', number: 'must be a number', textMap: 'must map names to text', boolean: 'must be true or false',
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const HAS_KIND: Readonly<Record<Kind, (v: unknown) => boolean>> = {
  text: (v) => typeof v === 'string',
  texts: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  number: (v) => typeof v === 'number',
  textMap: (v) => isObject(v) && Object.values(v).every((x) => typeof x === 'string'),
  boolean: (v) => typeof v === 'boolean',
};

/**
 * The fields of `input` that have their JSON type (`"gpus": "two"` does not); each one that
 * does not, and each unknown field (a typo such as `"gpu"`), is an issue naming it.
 */
function wellTyped(input: Record<string, unknown>, issues: Issues): SubmitInput {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!Object.prototype.hasOwnProperty.call(KINDS, key)) {
      issues.add(key || '""', `is not a job field (known: ${Object.keys(KINDS).join(', ')})`);
      continue;
    }
    if (value === undefined) continue;
    const kind = KINDS[key as keyof SubmitInput];
    if (HAS_KIND[kind](value)) out[key] = value;
    else issues.add(key, KIND_MESSAGE[kind], value);
  }
  return out as SubmitInput;
}

function deadlineOf(input: SubmitInput, nowMs: number, localZone: string, issues: Issues): number {
  if (input.deadline !== undefined && input.finishBy !== undefined) issues.add('deadline', 'give --deadline or --finish-by, not both');
  if (input.deadline !== undefined) {
    const ms = parseIsoMs(input.deadline);
    if (ms === undefined) issues.add('deadline', 'is not an ISO-8601 time with a zone (e.g. 2026-12-01T07:00:00Z)', input.deadline);
    return ms ?? NaN;
  }
  if (input.finishBy !== undefined) {
    const hm = parseHhMm(input.finishBy);
    const zone = input.tz ?? localZone;
    if (!hm) issues.add('finishBy', 'must be HH:MM (24 h)', input.finishBy);
    if (!isValidZone(zone)) issues.add('tz', 'is not a known time zone (e.g. Europe/London)', zone);
    return hm && isValidZone(zone) ? nextOccurrenceMs(nowMs, hm.hour, hm.minute, zone) : NaN;
  }
  issues.add('deadline', 'is missing: give --deadline ISO or --finish-by HH:MM');
  return NaN;
}

/** A duration field's text → ms, or undefined with an issue when it does not parse (or overflows). */
function durationOf(field: string, text: string | undefined, example: string, issues: Issues): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text);
  if (ms === undefined || !Number.isFinite(ms)) issues.add(field, `is not a duration (e.g. ${example})`, text);
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/** Issues found on the input itself cover these spec fields too (a bad `--finish-by` leaves no deadline). */
const COVERS: Readonly<Record<string, string>> = { finishBy: 'deadline', tz: 'deadline', tag: 'tags' };

/**
 * Builds the JobSpec; throws `InputError` naming every problem: wrong JSON types, text that
 * does not parse, and every check of `checkJobFields` (sizes and bounds the daemon enforces
 * too, so a 10 MB name never reaches the socket), one issue per field. `earlier` holds
 * problems the caller found in the flags (`--gpus abc`); they are reported with these.
 * The daemon checks sites and fit again.
 */
export function specFromInput(input: SubmitInput, ctx: { nowMs: number; localZone: string; cwd: string; env: Record<string, string> }, earlier?: Issues): JobSpec {
  const first = new Issues();
  if (earlier) first.addAll(earlier.all);
  if (!isObject(input)) {
    first.add('job', 'must be a JSON object with the job\'s fields', input);
    first.throwIfAny((list) => new InputError(list, 'submit'));
  }
  const given = wellTyped(input as unknown as Record<string, unknown>, first);
  const mistyped = (...fields: string[]): boolean => first.all.some((i) => fields.includes(i.path));
  const deadlineMs = mistyped('deadline', 'finishBy', 'tz') ? NaN : deadlineOf(given, ctx.nowMs, ctx.localZone, first);
  const estimateMs = durationOf('estimate', given.estimate, '6h, 90m', first);
  const timeoutMs = durationOf('checkpointTimeout', given.checkpointTimeout, '2m', first);
  const spec = { command: given.command, cwd: given.cwd ?? ctx.cwd, env: ctx.env, deadlineMs } as JobSpec;
  if (given.name !== undefined) spec.name = given.name;
  if (estimateMs !== undefined) spec.estimateMs = estimateMs;
  if (given.sites !== undefined) spec.sites = given.sites;
  if (given.gpus !== undefined) spec.gpus = given.gpus;
  if (given.powerW !== undefined) spec.powerW = given.powerW;
  if (given.mode !== undefined) spec.mode = given.mode as JobSpec['mode'] & string;
  if (given.pauseSignal !== undefined) spec.pauseSignal = given.pauseSignal;
  if (timeoutMs !== undefined) spec.checkpointTimeoutMs = timeoutMs;
  if (given.tags !== undefined) spec.tags = given.tags;
  if (given.useShell) spec.useShell = true;
  const reported = new Set(first.all.map((i) => COVERS[i.path] ?? i.path));
  const texts: Record<string, string | undefined> = { estimate: given.estimate, checkpointTimeout: given.checkpointTimeout };
  const issues = new Issues();
  issues.addAll(first.all);
  for (const i of checkJobFields(spec, ctx.nowMs).all) {
    // The value as the user wrote it (`"30d"`, not 2592000000).
    if (!reported.has(i.path.split('.')[0] as string)) issues.add(i.path, i.message, texts[i.path] ?? i.value);
  }
  issues.throwIfAny((list) => new InputError(list, 'submit'));
  return spec;
}
