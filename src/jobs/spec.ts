/**
 * What a user submits (CLI flags, `--file JOB.json`, or `POST /v1/jobs`), its validation
 * against the sites and the clock (every problem at once, exit 2, nothing recorded), and
 * its compilation into a `JobRecord`.
 */
import * as os from 'node:os';
import { MAX_CHECKPOINT_TIMEOUT_MS, MAX_GPUS, MAX_POWER_W } from '../config/limits';
import { InputError } from '../core/errors';
import { formatDurationMs } from '../core/units';
import { Issues } from '../core/validation';
import type { JobMode, JobRecord } from '../ledger/jobs';

/** A submission, as JSON. Times are UTC epoch ms; durations ms. */
export interface JobSpec {
  name?: string;
  /** argv; with `useShell` the words are joined and run by `/bin/sh -c`. */
  command: string[];
  useShell?: boolean;
  /** Absolute working directory. */
  cwd: string;
  env?: Record<string, string>;
  deadlineMs: number;
  /** Running time the job needs without pauses; default 1 h. */
  estimateMs?: number;
  /** Allowed sites; default every configured site. The first is the home site. */
  sites?: string[];
  gpus?: number;
  powerW?: number;
  mode?: JobMode;
  pauseSignal?: string;
  tags?: Record<string, string>;
  checkpointTimeoutMs?: number;
  /** Times a run that exits non-zero on its own is retried (from the last verified checkpoint, after a backoff); default 0, at most `MAX_RETRIES`. */
  retries?: number;
}

/** Most retries a job may ask for: with the backoff capped at 30 min, 20 retries wait about 8 h in all. */
export const MAX_RETRIES = 20;

export interface SpecContext {
  nowMs: number;
  /** Configured sites with their GPU capacity. */
  sites: Readonly<Record<string, { gpus: number }>>;
  safetyMarginMs: number;
  checkpointTimeoutMs: number;
  pauseOverheadMs: number;
}

export const DEFAULT_ESTIMATE_MS = 3_600_000;

/** Most characters of a job's name (it is shown in every list). */
export const MAX_JOB_NAME_CHARS = 200;
/** Most words of a command. */
export const MAX_COMMAND_WORDS = 4_096;
/** Most bytes of one command word: Linux's `MAX_ARG_STRLEN`; exec fails with E2BIG past it. */
export const MAX_COMMAND_WORD_BYTES = 131_072;
/** Most bytes of a whole command, all words together. */
export const MAX_COMMAND_BYTES = 262_144;
/** Most bytes of a working directory (`PATH_MAX`). */
export const MAX_CWD_BYTES = 4_096;
/** Most allowed sites one job may list. */
export const MAX_JOB_SITES = 256;
/** Most tags, and most characters of a tag's name and of its value. */
export const MAX_TAGS = 64;
export const MAX_TAG_NAME_CHARS = 64;
export const MAX_TAG_VALUE_CHARS = 256;
/**
 * Furthest a deadline may lie ahead: 366 days. The estimate must fit before it, and the
 * planner's arrays grow with the estimate (a year is 105,120 five-minute slots).
 */
export const MAX_DEADLINE_AHEAD_MS = 366 * 86_400_000;

const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

/** C0 and C1 control characters: a name or tag holding them could rewrite the terminal of whoever lists jobs. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A time for a message; numbers beyond what `Date` holds (±8.64e15 ms) stay numbers. */
const isoOrNumber = (ms: number): string | number => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : ms);

/** A number in (0, max] (or [0, max] with `zero`), whole with `whole`. */
function inRange(v: unknown, max: number, opts: { zero?: boolean; whole?: boolean } = {}): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (opts.zero ? v >= 0 : v > 0) && v <= max && (!opts.whole || Number.isInteger(v));
}

/** Most bytes a job's stored environment may hold (names and values). */
export const MAX_ENV_BYTES = 131_072;

/** Environment names as POSIX shells accept them; `CARBOND_*` is the protocol's own. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkEnv(env: unknown, issues: Issues): void {
  if (!isStringRecord(env)) {
    issues.add('env', 'must map names to strings');
    return;
  }
  let bytes = 0;
  for (const [k, v] of Object.entries(env)) {
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
    if (!ENV_NAME.test(k)) issues.add('env', 'has a name that is not a variable name', k.slice(0, 100));
    else if (k.startsWith('CARBOND_')) issues.add('env', 'sets a CARBOND_ variable (carbond sets those for each run)', k);
    if (v.includes('\0')) issues.add(`env.${k}`, 'holds a NUL byte');
  }
  if (bytes > MAX_ENV_BYTES) issues.add('env', `is larger than ${MAX_ENV_BYTES} bytes`, bytes);
}

/** What the daemon knows beyond the job: its sites and the margin before deadlines. */
type Placement = Pick<SpecContext, 'sites' | 'safetyMarginMs'>;

function checkName(name: unknown, issues: Issues): void {
  if (name === undefined) return;
  if (typeof name !== 'string') issues.add('name', 'must be text', name);
  else if (name.length === 0 || name.length > MAX_JOB_NAME_CHARS) issues.add('name', `must be 1 to ${MAX_JOB_NAME_CHARS} characters`, name);
  else if (CONTROL.test(name)) issues.add('name', 'holds a control character', name);
}

/** The argv: words of text, no NUL (exec cannot pass one), within Linux's argument limits. */
function checkCommand(command: unknown, issues: Issues): void {
  if (command === undefined || (Array.isArray(command) && (command.length === 0 || command[0] === ''))) {
    issues.add('command', 'is missing: give the command after `--`', command);
  } else if (!Array.isArray(command) || !command.every((w) => typeof w === 'string')) {
    issues.add('command', 'must be a list of words (strings)', command);
  } else if (command.length > MAX_COMMAND_WORDS) {
    issues.add('command', `has more than ${MAX_COMMAND_WORDS} words`, command.length);
  } else if (command.some((w: string) => w.includes('\0'))) {
    issues.add('command', 'has a word with a NUL byte', command.find((w: string) => w.includes('\0')));
  } else if (command.some((w: string) => Buffer.byteLength(w) > MAX_COMMAND_WORD_BYTES)) {
    issues.add('command', `has a word longer than ${MAX_COMMAND_WORD_BYTES} bytes`, command.find((w: string) => Buffer.byteLength(w) > MAX_COMMAND_WORD_BYTES));
  } else if (command.reduce((n: number, w: string) => n + Buffer.byteLength(w) + 1, 0) > MAX_COMMAND_BYTES) {
    issues.add('command', `is longer than ${MAX_COMMAND_BYTES} bytes in all`, command.length);
  }
}

function checkCwd(cwd: unknown, issues: Issues): void {
  if (typeof cwd !== 'string' || !cwd.startsWith('/')) issues.add('cwd', 'must be an absolute directory', cwd);
  else if (cwd.includes('\0')) issues.add('cwd', 'holds a NUL byte', cwd);
  else if (Buffer.byteLength(cwd) > MAX_CWD_BYTES) issues.add('cwd', `is longer than ${MAX_CWD_BYTES} bytes`, cwd);
}

/** Deadline and estimate; with `place`, also that the estimate fits before the deadline. */
function checkTimes(spec: JobSpec, nowMs: number, issues: Issues, place?: Placement): void {
  const deadlineMs: unknown = spec.deadlineMs;
  const deadlineOk = typeof deadlineMs === 'number' && Number.isFinite(deadlineMs) && deadlineMs > nowMs && deadlineMs <= nowMs + MAX_DEADLINE_AHEAD_MS;
  if (typeof deadlineMs !== 'number' || !Number.isFinite(deadlineMs)) issues.add('deadline', 'is missing or not a time', deadlineMs);
  else if (deadlineMs <= nowMs) issues.add('deadline', `is in the past (now ${isoOrNumber(nowMs)})`, isoOrNumber(deadlineMs));
  else if (!deadlineOk) issues.add('deadline', `is more than 366 days ahead (now ${isoOrNumber(nowMs)})`, isoOrNumber(deadlineMs));
  const estimateMs: unknown = spec.estimateMs ?? DEFAULT_ESTIMATE_MS;
  if (typeof estimateMs !== 'number' || !Number.isFinite(estimateMs) || estimateMs <= 0) issues.add('estimate', 'must be a positive duration', spec.estimateMs);
  else if (place && deadlineOk && nowMs + estimateMs + place.safetyMarginMs > spec.deadlineMs) {
    issues.add('estimate', `cannot fit before the deadline: ${formatDurationMs(estimateMs)} of work + ${formatDurationMs(place.safetyMarginMs)} margin, but only ${formatDurationMs(spec.deadlineMs - nowMs)} left`, formatDurationMs(estimateMs));
  }
}

/** Sites and GPUs; with `place`, also that the sites exist and one has the GPUs. */
function checkSitesAndGpus(spec: JobSpec, issues: Issues, place?: Placement): void {
  const given: unknown = spec.sites;
  const known = place ? Object.keys(place.sites) : undefined;
  let sites: readonly string[] | undefined = known;
  if (given !== undefined && (!Array.isArray(given) || !given.every((s) => typeof s === 'string'))) issues.add('sites', 'must be a list of site names', given);
  else if (Array.isArray(given) && given.length > MAX_JOB_SITES) issues.add('sites', `lists more than ${MAX_JOB_SITES} sites`, given.length);
  else if (Array.isArray(given)) sites = given as string[];
  if (sites?.length === 0) issues.add('sites', 'no site is configured or given');
  if (known) for (const s of sites ?? []) if (!known.includes(s)) issues.add('sites', `unknown site (configured: ${known.join(', ') || 'none'})`, s);
  const gpus: unknown = spec.gpus ?? 0;
  if (!inRange(gpus, MAX_GPUS, { zero: true, whole: true })) issues.add('gpus', `must be a whole number from 0 to ${MAX_GPUS}`, spec.gpus);
  else if (place && sites && gpus > 0 && sites.every((s) => (known!.includes(s) ? place.sites[s]!.gpus : 0) < gpus)) {
    issues.add('gpus', 'no allowed site has that many GPUs', gpus);
  }
}

function checkTags(tags: unknown, issues: Issues): void {
  if (tags === undefined) return;
  if (!isStringRecord(tags)) {
    issues.add('tags', 'must map names to strings', tags);
    return;
  }
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) issues.add('tags', `has more than ${MAX_TAGS} tags`, entries.length);
  for (const [k, v] of entries.slice(0, MAX_TAGS)) {
    if (k.length === 0 || k.length > MAX_TAG_NAME_CHARS || CONTROL.test(k)) issues.add('tags', `has a name that is not 1 to ${MAX_TAG_NAME_CHARS} characters without control characters`, k);
    else if (v.length > MAX_TAG_VALUE_CHARS || CONTROL.test(v)) issues.add(`tags.${k}`, `must be at most ${MAX_TAG_VALUE_CHARS} characters without control characters`, v);
  }
}

/** Every check of a job; those that need the configuration (sites, margin) run only with `place`. */
function checkJob(spec: JobSpec, nowMs: number, issues: Issues, place?: Placement): void {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    issues.add('job', 'must be a JSON object with the job\'s fields', spec);
    return;
  }
  checkName(spec.name, issues);
  checkCommand(spec.command, issues);
  if (spec.useShell !== undefined && typeof spec.useShell !== 'boolean') issues.add('useShell', 'must be true or false', spec.useShell);
  checkCwd(spec.cwd, issues);
  checkTimes(spec, nowMs, issues, place);
  checkSitesAndGpus(spec, issues, place);
  if (spec.powerW !== undefined && !inRange(spec.powerW, MAX_POWER_W)) issues.add('powerW', `must be a number of watts above 0 and at most ${MAX_POWER_W}`, spec.powerW);
  if (spec.mode !== undefined && spec.mode !== 'checkpoint' && spec.mode !== 'suspend') issues.add('mode', 'must be checkpoint or suspend', spec.mode);
  if (spec.pauseSignal !== undefined && (typeof spec.pauseSignal !== 'string' || !Object.prototype.hasOwnProperty.call(os.constants.signals, spec.pauseSignal))) issues.add('pauseSignal', 'is not a signal name (e.g. SIGTERM, SIGUSR1)', spec.pauseSignal);
  checkTags(spec.tags, issues);
  if (spec.env !== undefined) checkEnv(spec.env, issues);
  // A timer per pause: Node's timers fire at once past 2^31−1 ms, so the bound is the config's (24 h).
  if (spec.checkpointTimeoutMs !== undefined && !inRange(spec.checkpointTimeoutMs, MAX_CHECKPOINT_TIMEOUT_MS)) issues.add('checkpointTimeout', 'must be a positive duration, at most 24h', spec.checkpointTimeoutMs);
  if (spec.retries !== undefined && !(Number.isInteger(spec.retries) && spec.retries >= 0 && spec.retries <= MAX_RETRIES)) issues.add('retries', `must be a whole number from 0 to ${MAX_RETRIES}`, spec.retries);
}

/**
 * The checks that need no configuration (types, sizes, bounds, a deadline ahead): the CLI runs
 * them before it sends a job, so a 10 MB name never reaches the socket; the daemon runs them again.
 */
export function checkJobFields(spec: JobSpec, nowMs: number): Issues {
  const issues = new Issues();
  checkJob(spec, nowMs, issues);
  return issues;
}

/** Every problem with `spec`, each naming its field and value. Empty = acceptable. */
export function checkJobSpec(spec: JobSpec, ctx: SpecContext): Issues {
  const issues = new Issues();
  checkJob(spec, ctx.nowMs, issues, ctx);
  return issues;
}

/**
 * A job's default name: its program's file name (`/usr/bin/python3` → `python3`; `job` when the
 * word has none, such as `/`), cut to the name limit, control characters shown as `?`.
 */
function nameOfCommand(command: readonly string[]): string {
  const base = command[0]!.split('/').filter(Boolean).pop() ?? 'job';
  return base.slice(0, MAX_JOB_NAME_CHARS).replace(new RegExp(CONTROL.source, 'g'), '?');
}

/** Validates and compiles a submission into a job; throws `InputError` (exit 2) naming every problem. */
export function compileJob(spec: JobSpec, ctx: SpecContext, ids: { id: string; owner: string; uid: number | null; gid: number | null; checkpointDir: string }): JobRecord {
  checkJobSpec(spec, ctx).throwIfAny((list) => new InputError(list, 'job'));
  const sites = spec.sites ?? Object.keys(ctx.sites);
  return {
    id: ids.id, name: spec.name ?? nameOfCommand(spec.command), owner: ids.owner, uid: ids.uid, gid: ids.gid,
    command: [...spec.command], useShell: spec.useShell ?? false, cwd: spec.cwd, env: spec.env ?? {},
    submittedAtMs: ctx.nowMs, deadlineMs: spec.deadlineMs, estimateMs: spec.estimateMs ?? DEFAULT_ESTIMATE_MS, totalSteps: null,
    powerW: spec.powerW ?? null, gpus: spec.gpus ?? 0, sites, homeSite: sites[0]!, mode: spec.mode ?? 'checkpoint',
    pauseSignal: spec.pauseSignal ?? 'SIGTERM', checkpointTimeoutMs: spec.checkpointTimeoutMs ?? ctx.checkpointTimeoutMs,
    pauseOverheadMs: ctx.pauseOverheadMs, tags: spec.tags ?? {}, manualOverride: null, checkpointDir: ids.checkpointDir,
    retries: spec.retries ?? 0,
  };
}
