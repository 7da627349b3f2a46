/**
 * Reading what Slurm's commands print — pure functions, no I/O. Output formats differ
 * between Slurm versions, so everything here is parsed defensively: a field of an
 * unexpected type is ignored, never trusted.
 *
 * - `squeue --json` (Slurm ≥ 21.08; 22.05 speaks OpenAPI v0.0.38): `job_state` is a string
 *   (an array of strings from 23.02 on); `exit_code` is the raw wait(2) status (an object
 *   `{ status, return_code, signal }` from 23.02 on). 22.05's `squeue --json` IGNORES `-j`
 *   and `-n` and lists every job, so the caller filters by id or name here.
 * - `squeue -h -o '%i|%T|%j'`, for a Slurm without `--json`.
 * - `sacct --parsable2` and `scontrol show job`: `ExitCode=CODE:SIGNAL`.
 */
import * as os from 'node:os';
import type { RunExit, RunPollState } from '../types';

/** One Slurm job as carbond needs it. */
export interface SlurmJobInfo {
  id: string;
  name: string;
  /** Upper-case base state, e.g. `RUNNING`, `PENDING`, `COMPLETED` (flags like `+` dropped). */
  state: string;
  /** The owner's uid, when the source printed it. */
  uid?: number;
  /** Held (`JobHeldUser`/`JobHeldAdmin`) while pending. */
  held: boolean;
  /** Set for terminal states when the source printed one. */
  exit?: RunExit;
}

/** States in which the job's processes are gone (COMPLETING: the script ended, the epilog runs). */
const TERMINAL = new Set(['COMPLETED', 'COMPLETING', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY', 'SPECIAL_EXIT', 'REVOKED']);
const STOPPED = new Set(['SUSPENDED', 'STOPPED']);
/** Ended without a status carbond can trust (the node died): the run is `lost` and resumes from its last verified checkpoint. */
const STATUS_UNKNOWN = new Set(['NODE_FAIL', 'BOOT_FAIL', 'PREEMPTED', 'REVOKED']);

/** The contract's poll state of a Slurm state: pending or running → `running`, suspended → `stopped`, ended → `exited`. */
export function pollStateOf(state: string): RunPollState {
  if (TERMINAL.has(state)) return 'exited';
  if (STOPPED.has(state)) return 'stopped';
  return 'running';
}

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** `CANCELLED by 0` → `CANCELLED`; `["RUNNING","COMPLETING"]` → the first that is terminal, else the first. */
export function baseState(raw: unknown): string | undefined {
  const list = Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : typeof raw === 'string' ? [raw] : [];
  const names = list.map((s) => s.trim().split(/[\s+]/)[0]!.toUpperCase()).filter(Boolean);
  return names.find((s) => TERMINAL.has(s)) ?? names[0];
}

/** `SIGKILL` for 9 (null for 0 or an unknown number). */
export function signalName(n: number): string | null {
  if (!Number.isInteger(n) || n <= 0) return null;
  const found = Object.entries(os.constants.signals).find(([, v]) => v === n);
  return found ? found[0] : `SIG${n}`;
}

/** A raw wait(2) status: 768 → exit 3; 9 → killed by SIGKILL; 0 → exit 0. */
export function exitOfWaitStatus(status: number): RunExit {
  const sig = status & 0x7f;
  return sig !== 0 ? { code: null, signal: signalName(sig), known: true } : { code: (status >> 8) & 0xff, signal: null, known: true };
}

/** `3:0` → exit 3; `0:9` → SIGKILL; undefined when malformed. */
export function exitOfPair(text: string): RunExit | undefined {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const sig = Number(m[2]);
  return sig !== 0 ? { code: null, signal: signalName(sig), known: true } : { code: Number(m[1]), signal: null, known: true };
}

/**
 * The exit of a job that ended in `state` with `exit` as its source printed it. A node that
 * failed leaves no status (`known: false`); a cancel that left `0:0` in the accounting
 * (sacct records no signal for `scancel`) is reported as SIGKILL, how Slurm ends it.
 */
export function finalExit(state: string, exit: RunExit | undefined): RunExit {
  if (STATUS_UNKNOWN.has(state)) return { code: null, signal: null, known: false };
  if (state === 'CANCELLED' && (!exit || (exit.code === 0 && exit.signal === null))) return { code: null, signal: 'SIGKILL', known: true };
  if (exit) return exit;
  if (state === 'COMPLETED') return { code: 0, signal: null, known: true };
  return { code: null, signal: null, known: false };
}

function exitOfJsonField(raw: unknown): RunExit | undefined {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return exitOfWaitStatus(raw);
  if (raw && typeof raw === 'object') {
    const o = raw as { status?: unknown; return_code?: unknown; signal?: { id?: unknown; signal_id?: unknown } };
    const sigId = Number(o.signal?.id ?? o.signal?.signal_id ?? 0);
    if (Number.isInteger(sigId) && sigId > 0) return { code: null, signal: signalName(sigId), known: true };
    if (typeof o.return_code === 'number') return { code: o.return_code, signal: null, known: true };
  }
  return undefined;
}

function idOf(raw: unknown): string | undefined {
  if (typeof raw === 'number' && Number.isInteger(raw)) return String(raw);
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return raw;
  return undefined;
}

/**
 * `squeue --json` could not read the queue: 22.05 exits 0 with an `errors` list and no jobs when
 * slurmctld is down (`{"source": "slurm_load_jobs", "description": "Failed while looking for
 * jobs"}`). Not "no jobs": the caller keeps what it knew.
 */
export class SlurmQueueError extends Error {}

/**
 * Jobs from `squeue --json` (or `sacct --json`) output; entries without an id or state are
 * dropped. Throws on non-JSON, and `SlurmQueueError` when the output lists errors.
 */
export function parseJobsJson(text: string): SlurmJobInfo[] {
  const doc = JSON.parse(text) as { jobs?: unknown; errors?: unknown };
  if (Array.isArray(doc.errors) && doc.errors.length > 0) {
    const said = (doc.errors as Array<Record<string, unknown> | null>).map((e) => [e?.['source'], e?.['description'] ?? e?.['error']].filter((x) => typeof x === 'string').join(': ')).join('; ');
    throw new SlurmQueueError(`squeue --json reported errors: ${said.slice(0, 300) || 'unspecified'}`);
  }
  if (!Array.isArray(doc.jobs)) return [];
  const out: SlurmJobInfo[] = [];
  for (const raw of doc.jobs as Array<Record<string, unknown>>) {
    if (!raw || typeof raw !== 'object') continue;
    const id = idOf(raw['job_id']);
    const stateField = raw['job_state'] ?? (raw['state'] as { current?: unknown } | undefined)?.current;
    const state = baseState(stateField);
    if (id === undefined || state === undefined) continue;
    const reason = typeof raw['state_reason'] === 'string' ? raw['state_reason'] : '';
    const info: SlurmJobInfo = { id, name: typeof raw['name'] === 'string' ? raw['name'] : '', state, held: state === 'PENDING' && /^JobHeld/.test(reason) };
    if (typeof raw['user_id'] === 'number') info.uid = raw['user_id'];
    const exit = exitOfJsonField(raw['exit_code']);
    if (isTerminal(state)) info.exit = finalExit(state, exit);
    out.push(info);
  }
  return out;
}

/** Lines of `squeue -h -o '%i|%T|%j|%r|%U'` (no exit codes there). */
export function parseSqueueText(text: string): SlurmJobInfo[] {
  return text.split('\n').flatMap((line) => {
    const [id, state, name, reason, uid] = line.trim().split('|');
    const s = baseState(state);
    if (!id || !/^\d+$/.test(id) || !s) return [];
    const info: SlurmJobInfo = { id, name: name ?? '', state: s, held: s === 'PENDING' && /^JobHeld/.test(reason ?? '') };
    if (uid && /^\d+$/.test(uid)) info.uid = Number(uid);
    return [info];
  });
}

/** Lines of `sacct -X -n --parsable2 -o JobID,JobName,State,ExitCode`; array/het sub-ids (`12_3`, `12+0`) skipped. */
export function parseSacctText(text: string): SlurmJobInfo[] {
  return text.split('\n').flatMap((line) => {
    const [id, name, state, exitCode] = line.trim().split('|');
    const s = baseState(state);
    if (!id || !/^\d+$/.test(id) || !s) return [];
    const info: SlurmJobInfo = { id, name: name ?? '', state: s, held: false };
    if (isTerminal(s)) info.exit = finalExit(s, exitOfPair(exitCode ?? ''));
    return [info];
  });
}

/** The job id `sbatch --parsable` printed: `123` or `123;cluster`. */
export function parseSbatchId(text: string): string | undefined {
  const m = /^(\d+)(;\S+)?\s*$/.exec(text.trim());
  return m ? m[1] : undefined;
}

/**
 * Whether a Slurm command's failure means the controller could not be reached (rather than a
 * bad request): connection refused, a timeout, "Unable to contact slurm controller".
 */
export function isControllerUnreachable(stderr: string): boolean {
  return /unable to contact slurm controller|socket timed out|connection refused|connect failure|communication connection failure|zero bytes were transmitted|slurmctld.*(down|not responding)|unable to establish/i.test(stderr);
}

/** `'it'\''s'` — one POSIX shell word, whatever the bytes. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A job name Slurm accepts and carbond can find again: `carbond-<jobId>-r<runId>`, other characters as `_`. */
export function slurmJobName(jobId: string, runId: number): string {
  return `carbond-${jobId.replace(/[^A-Za-z0-9._-]/g, '_')}-r${runId}`;
}

/**
 * The batch script: the job's argv, exec'd so that the batch step IS the command (a signal
 * from `scancel --full` reaches it and its children directly, and Slurm records its own
 * exit status: no wrapper is needed to keep it, unlike ADR 0005's local runs).
 */
export function batchScript(command: readonly string[], useShell: boolean, label: string): string {
  const argv = useShell ? ['/bin/sh', '-c', command.join(' ')] : [...command];
  return `#!/bin/sh\n# ${label.replace(/\n/g, ' ')}\nexec ${argv.map(shellQuote).join(' ')}\n`;
}
