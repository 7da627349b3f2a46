/**
 * `carbond submit` flags (and `--file JOB.json`) → a `JobSpec`, checking every field at
 * once. Flags override the file. Pure apart from the file text it is given.
 */
import { InputError } from '../core/errors';
import { parseDurationMs, parseIsoMs } from '../core/units';
import { Issues } from '../core/validation';
import { isValidZone, nextOccurrenceMs, parseHhMm } from './finish-by';
import type { JobSpec } from './spec';

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

/** Builds the JobSpec; throws `InputError` naming every problem found here (the daemon checks sites and fit again). */
export function specFromInput(input: SubmitInput, ctx: { nowMs: number; localZone: string; cwd: string; env: Record<string, string> }): JobSpec {
  const issues = new Issues();
  const deadlineMs = deadlineOf(input, ctx.nowMs, ctx.localZone, issues);
  if (Number.isFinite(deadlineMs) && deadlineMs <= ctx.nowMs) issues.add('deadline', `is in the past (now ${new Date(ctx.nowMs).toISOString()})`, new Date(deadlineMs).toISOString());
  const estimateMs = input.estimate === undefined ? undefined : parseDurationMs(input.estimate);
  if (input.estimate !== undefined && estimateMs === undefined) issues.add('estimate', 'is not a duration (e.g. 6h, 90m)', input.estimate);
  const timeoutMs = input.checkpointTimeout === undefined ? undefined : parseDurationMs(input.checkpointTimeout);
  if (input.checkpointTimeout !== undefined && timeoutMs === undefined) issues.add('checkpointTimeout', 'is not a duration (e.g. 2m)', input.checkpointTimeout);
  if (!input.command || input.command.length === 0) issues.add('command', 'is missing: give it after `--` (carbond submit … -- python train.py)');
  if (input.mode !== undefined && input.mode !== 'checkpoint' && input.mode !== 'suspend') issues.add('mode', 'must be checkpoint or suspend', input.mode);
  issues.throwIfAny((list) => new InputError(list, 'submit'));
  const spec: JobSpec = { command: input.command!, cwd: input.cwd ?? ctx.cwd, env: ctx.env, deadlineMs };
  if (input.name !== undefined) spec.name = input.name;
  if (estimateMs !== undefined) spec.estimateMs = estimateMs;
  if (input.sites !== undefined) spec.sites = input.sites;
  if (input.gpus !== undefined) spec.gpus = input.gpus;
  if (input.powerW !== undefined) spec.powerW = input.powerW;
  if (input.mode !== undefined) spec.mode = input.mode as JobSpec['mode'] & string;
  if (input.pauseSignal !== undefined) spec.pauseSignal = input.pauseSignal;
  if (timeoutMs !== undefined) spec.checkpointTimeoutMs = timeoutMs;
  if (input.tags !== undefined) spec.tags = input.tags;
  if (input.useShell) spec.useShell = true;
  return spec;
}
