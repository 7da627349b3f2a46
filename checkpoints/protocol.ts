/**
 * The job protocol of DESIGN §4, as code: the environment carbond gives a job,
 * the events a job appends, the pause signal, and a strict parser of the events file.
 * Documented for authors of training programs in `docs/protocol.md`.
 */
import * as fs from 'node:fs';
import type { Issue } from '../src/core/validation';

export * from './manifest';

/** Environment variables carbond sets for a job (DESIGN §4). */
export const PROTOCOL_ENV = Object.freeze({
  /** The job's id. */
  jobId: 'CARBOND_JOB_ID',
  /** The directory where the job writes its checkpoints (one sub-directory each). */
  checkpointDir: 'CARBOND_CHECKPOINT_DIR',
  /** The last verified checkpoint directory to resume from; unset on a fresh start. */
  resumeFrom: 'CARBOND_RESUME_FROM',
  /** A file the job appends JSON-line events to. */
  events: 'CARBOND_EVENTS',
});

/** The pause signal unless the job says otherwise. */
export const DEFAULT_PAUSE_SIGNAL: NodeJS.Signals = 'SIGTERM';

/** What a job reads from its environment. Absent variables are `undefined`. */
export interface ProtocolEnv {
  jobId?: string;
  checkpointDir?: string;
  resumeFrom?: string;
  eventsPath?: string;
}

/** Reads the protocol variables from an environment (default `process.env`); empty counts as unset. */
export function readProtocolEnv(env: NodeJS.ProcessEnv = process.env): ProtocolEnv {
  const get = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  return {
    jobId: get(PROTOCOL_ENV.jobId),
    checkpointDir: get(PROTOCOL_ENV.checkpointDir),
    resumeFrom: get(PROTOCOL_ENV.resumeFrom),
    eventsPath: get(PROTOCOL_ENV.events),
  };
}

/** Progress: `step` training steps are complete (of `totalSteps`, when known). */
export interface ProgressEvent {
  event: 'progress';
  step: number;
  totalSteps?: number;
  /** Training loss of the last step, when the job reports it. */
  loss?: number;
  /** The compute backend in use (`wasm`, `cpu`, `tensorflow`, `tensorflow-gpu`, `cuda`…). */
  backend?: string;
}

/** A checkpoint of `step` completed steps is complete at `path` (a directory). */
export interface CheckpointEvent {
  event: 'checkpoint';
  path: string;
  step: number;
}

/** The compute backend the job chose (the TF.js harness emits it once at start). */
export interface BackendEvent {
  event: 'backend';
  name: string;
}

export type JobEvent = ProgressEvent | CheckpointEvent | BackendEvent;

/** A job event and the 1-based line it came from. */
export interface ParsedEvent {
  line: number;
  event: JobEvent;
}

/** The result of parsing (a part of) an events file. */
export interface ParsedEvents {
  events: ParsedEvent[];
  /** Complete lines that are not valid events (never silently dropped). */
  issues: Issue[];
  /** Bytes up to and including the last newline: where the next read starts. */
  consumedBytes: number;
  /** True when the text ends in an unfinished line (a writer mid-append); it is left for the next read. */
  tornTail: boolean;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function checkEvent(o: Record<string, unknown>, at: string, issues: Issue[]): JobEvent | undefined {
  const bad = (field: string, message: string): undefined => {
    issues.push({ path: `${at}.${field}`, message, value: o[field] });
    return undefined;
  };
  switch (o['event']) {
    case 'progress': {
      if (!isCount(o['step'])) return bad('step', 'must be a non-negative integer');
      if (o['totalSteps'] !== undefined && !isCount(o['totalSteps'])) return bad('totalSteps', 'must be a non-negative integer');
      if (o['loss'] !== undefined && typeof o['loss'] !== 'number') return bad('loss', 'must be a number');
      if (o['backend'] !== undefined && typeof o['backend'] !== 'string') return bad('backend', 'must be a string');
      const e: ProgressEvent = { event: 'progress', step: o['step'] };
      if (o['totalSteps'] !== undefined) e.totalSteps = o['totalSteps'] as number;
      if (o['loss'] !== undefined) e.loss = o['loss'] as number;
      if (o['backend'] !== undefined) e.backend = o['backend'] as string;
      return e;
    }
    case 'checkpoint':
      if (typeof o['path'] !== 'string' || o['path'] === '') return bad('path', 'must be a non-empty path');
      if (!isCount(o['step'])) return bad('step', 'must be a non-negative integer');
      return { event: 'checkpoint', path: o['path'], step: o['step'] };
    case 'backend':
      if (typeof o['name'] !== 'string' || o['name'] === '') return bad('name', 'must be a non-empty string');
      return { event: 'backend', name: o['name'] };
    default:
      return bad('event', 'must be one of progress, checkpoint, backend');
  }
}

/**
 * Parses JSON-line events strictly. Only complete lines (ending in `\n`) are read; an
 * unfinished last line is a writer mid-append, reported as `tornTail` and not consumed.
 * Blank lines are skipped. `firstLine` numbers lines when parsing from an offset.
 * @example parseEvents(Buffer.from('{"event":"progress","step":3}\n{"ev')) // 1 event, consumedBytes 30, tornTail true
 */
export function parseEvents(data: Buffer | string, firstLine = 1): ParsedEvents {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const end = buf.lastIndexOf(0x0a) + 1;
  const result: ParsedEvents = { events: [], issues: [], consumedBytes: end, tornTail: end < buf.length };
  const lines = buf.subarray(0, end).toString('utf8').split('\n');
  lines.pop();
  lines.forEach((text, i) => {
    const line = firstLine + i;
    const at = `line ${line}`;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      result.issues.push({ path: at, message: 'not valid JSON', value: text.slice(0, 200) });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      result.issues.push({ path: at, message: 'must be a JSON object', value });
      return;
    }
    const event = checkEvent(value as Record<string, unknown>, at, result.issues);
    if (event) result.events.push({ line, event });
  });
  return result;
}

/** A position in an events file: the byte offset and the number of the line starting there. */
export interface EventsCursor {
  offsetBytes: number;
  nextLine: number;
}

/**
 * Reads the events appended since `cursor` (a missing file reads as empty) and returns
 * them with the cursor to pass next time. Used by executors to tail a running job.
 */
export function readEventsSince(path: string, cursor: EventsCursor = { offsetBytes: 0, nextLine: 1 }): ParsedEvents & { cursor: EventsCursor } {
  let data: Buffer;
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      data = Buffer.alloc(Math.max(0, size - cursor.offsetBytes));
      if (data.length > 0) fs.readSync(fd, data, 0, data.length, cursor.offsetBytes);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    data = Buffer.alloc(0);
  }
  const parsed = parseEvents(data, cursor.nextLine);
  const newlines = data.subarray(0, parsed.consumedBytes).reduce((n, b) => (b === 0x0a ? n + 1 : n), 0);
  return { ...parsed, cursor: { offsetBytes: cursor.offsetBytes + parsed.consumedBytes, nextLine: cursor.nextLine + newlines } };
}

/**
 * Appends one event as one line with a single `write` on an `O_APPEND` descriptor,
 * so concurrent readers see either the whole line or a torn tail, never a mix.
 */
export function appendEvent(path: string, event: JobEvent): void {
  fs.appendFileSync(path, JSON.stringify(event) + '\n');
}
