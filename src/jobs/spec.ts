/**
 * What a user submits (CLI flags, `--file JOB.json`, or `POST /v1/jobs`), its validation
 * against the sites and the clock (every problem at once, exit 2, nothing recorded), and
 * its compilation into a `JobRecord`.
 */
import * as os from 'node:os';
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
}

export interface SpecContext {
  nowMs: number;
  /** Configured sites with their GPU capacity. */
  sites: Readonly<Record<string, { gpus: number }>>;
  safetyMarginMs: number;
  checkpointTimeoutMs: number;
  pauseOverheadMs: number;
}

export const DEFAULT_ESTIMATE_MS = 3_600_000;

const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

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

/** Every problem with `spec`, each naming its field and value. Empty = acceptable. */
export function checkJobSpec(spec: JobSpec, ctx: SpecContext): Issues {
  const issues = new Issues();
  if (!Array.isArray(spec.command) || spec.command.length === 0 || !spec.command.every((w) => typeof w === 'string') || spec.command[0] === '') {
    issues.add('command', 'is missing: give the command after `--`', spec.command);
  }
  if (typeof spec.cwd !== 'string' || !spec.cwd.startsWith('/')) issues.add('cwd', 'must be an absolute directory', spec.cwd);
  if (!Number.isFinite(spec.deadlineMs)) issues.add('deadline', 'is missing or not a time', spec.deadlineMs);
  else if (spec.deadlineMs <= ctx.nowMs) issues.add('deadline', `is in the past (now ${new Date(ctx.nowMs).toISOString()})`, new Date(spec.deadlineMs).toISOString());
  const estimateMs = spec.estimateMs ?? DEFAULT_ESTIMATE_MS;
  if (!Number.isFinite(estimateMs) || estimateMs <= 0) issues.add('estimate', 'must be a positive duration', spec.estimateMs);
  else if (Number.isFinite(spec.deadlineMs) && spec.deadlineMs > ctx.nowMs && ctx.nowMs + estimateMs + ctx.safetyMarginMs > spec.deadlineMs) {
    issues.add('estimate', `cannot fit before the deadline: ${formatDurationMs(estimateMs)} of work + ${formatDurationMs(ctx.safetyMarginMs)} margin, but only ${formatDurationMs(spec.deadlineMs - ctx.nowMs)} left`, formatDurationMs(estimateMs));
  }
  const known = Object.keys(ctx.sites);
  const sites = spec.sites ?? known;
  if (sites.length === 0) issues.add('sites', 'no site is configured or given');
  for (const s of sites) if (!known.includes(s)) issues.add('sites', `unknown site (configured: ${known.join(', ') || 'none'})`, s);
  const gpus = spec.gpus ?? 0;
  if (!Number.isInteger(gpus) || gpus < 0) issues.add('gpus', 'must be a whole number ≥ 0', spec.gpus);
  else if (gpus > 0 && sites.every((s) => (ctx.sites[s]?.gpus ?? 0) < gpus)) issues.add('gpus', 'no allowed site has that many GPUs', gpus);
  if (spec.powerW !== undefined && !(Number.isFinite(spec.powerW) && spec.powerW > 0)) issues.add('powerW', 'must be a positive number of watts', spec.powerW);
  if (spec.mode !== undefined && spec.mode !== 'checkpoint' && spec.mode !== 'suspend') issues.add('mode', 'must be checkpoint or suspend', spec.mode);
  if (spec.pauseSignal !== undefined && !Object.prototype.hasOwnProperty.call(os.constants.signals, spec.pauseSignal)) issues.add('pauseSignal', 'is not a signal name (e.g. SIGTERM, SIGUSR1)', spec.pauseSignal);
  if (spec.tags !== undefined && !isStringRecord(spec.tags)) issues.add('tags', 'must map names to strings', spec.tags);
  if (spec.env !== undefined) checkEnv(spec.env, issues);
  if (spec.checkpointTimeoutMs !== undefined && !(Number.isFinite(spec.checkpointTimeoutMs) && spec.checkpointTimeoutMs > 0)) issues.add('checkpointTimeout', 'must be a positive duration', spec.checkpointTimeoutMs);
  return issues;
}

/** Validates and compiles a submission into a job; throws `InputError` (exit 2) naming every problem. */
export function compileJob(spec: JobSpec, ctx: SpecContext, ids: { id: string; owner: string; uid: number | null; gid: number | null; checkpointDir: string }): JobRecord {
  checkJobSpec(spec, ctx).throwIfAny((list) => new InputError(list, 'job'));
  const sites = spec.sites ?? Object.keys(ctx.sites);
  return {
    id: ids.id, name: spec.name ?? spec.command[0]!.split('/').pop()!, owner: ids.owner, uid: ids.uid, gid: ids.gid,
    command: [...spec.command], useShell: spec.useShell ?? false, cwd: spec.cwd, env: spec.env ?? {},
    submittedAtMs: ctx.nowMs, deadlineMs: spec.deadlineMs, estimateMs: spec.estimateMs ?? DEFAULT_ESTIMATE_MS, totalSteps: null,
    powerW: spec.powerW ?? null, gpus: spec.gpus ?? 0, sites, homeSite: sites[0]!, mode: spec.mode ?? 'checkpoint',
    pauseSignal: spec.pauseSignal ?? 'SIGTERM', checkpointTimeoutMs: spec.checkpointTimeoutMs ?? ctx.checkpointTimeoutMs,
    pauseOverheadMs: ctx.pauseOverheadMs, tags: spec.tags ?? {}, manualOverride: null, checkpointDir: ids.checkpointDir,
  };
}
