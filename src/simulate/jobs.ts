/**
 * `JOBS.json` for `carbond simulate` (issue 4, a stable interface): an array of
 * `{ id, submitAt, deadline, durationHours, powerW, sites: [ZONE…], homeSite, pauseOverheadMinutes?, gpus? }`,
 * times ISO-8601 UTC. Every problem is reported at once, naming the job id (or index) and field.
 */
import { InputError, Issues, MS_PER_HOUR, MS_PER_MINUTE, parseIsoMs } from '../core';

/** Default resume overhead when a job does not say: 5 min. */
export const DEFAULT_PAUSE_OVERHEAD_MS = 5 * MS_PER_MINUTE;

/** One simulated job, validated, in carbond's units. */
export interface SimJob {
  readonly id: string;
  readonly submitAtMs: number;
  readonly deadlineMs: number;
  /** Useful running time the job needs, ms (without overheads). */
  readonly durationMs: number;
  readonly powerW: number;
  /** Allowed zones (one simulated site per zone, named after it). */
  readonly sites: readonly string[];
  readonly homeSite: string;
  readonly pauseOverheadMs: number;
  /** GPUs the job holds while it runs (default 1): a site runs as many jobs as its GPUs allow. */
  readonly gpus?: number;
}

type Obj = Record<string, unknown>;

/** 1-based line of character `offset` in `text`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Where JSON.parse stopped, from its message: `… at position N`, the end of the input, or
 * V8's excerpt (`Unexpected token '}', ..."ubmitAt": }…" is not valid JSON`) found in the text.
 */
function errorOffset(msg: string, text: string): number | undefined {
  const pos = /position (\d+)/.exec(msg);
  if (pos) return Number(pos[1]);
  if (/end of JSON input/.test(msg)) return text.length;
  const excerpt = /"(\.\.\.)?([\s\S]*?)(\.\.\.)?" is not valid JSON/.exec(msg);
  if (!excerpt || excerpt[2] === undefined) return undefined;
  const at = text.indexOf(excerpt[2]);
  if (at < 0) return undefined;
  const token = /Unexpected token '(.)'/.exec(msg)?.[1];
  const inside = token === undefined ? -1 : excerpt[2].indexOf(token, excerpt[1] ? Math.min(10, excerpt[2].length - 1) : 0);
  return at + Math.max(0, inside);
}

/** Parses JSON, turning a syntax error into an `InputError` naming `file:line`. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const msg = (err as Error).message;
    const offset = errorOffset(msg, text);
    const where = offset === undefined ? source : `${source}:${lineOf(text, offset)}`;
    throw new InputError([{ path: where, message: `malformed JSON: ${msg}` }], 'jobs file');
  }
}

function str(o: Obj, key: string, where: string, issues: Issues): string | undefined {
  const v = o[key];
  if (typeof v === 'string' && v.trim() !== '') return v;
  issues.add(`${where}.${key}`, 'is required: a non-empty string', v);
  return undefined;
}

function time(o: Obj, key: string, where: string, issues: Issues): number | undefined {
  const v = o[key];
  const ms = typeof v === 'string' ? parseIsoMs(v) : undefined;
  if (ms === undefined) issues.add(`${where}.${key}`, 'is not an ISO-8601 UTC time (e.g. 2021-07-01T00:00:00Z)', v);
  return ms;
}

function positive(o: Obj, key: string, where: string, issues: Issues, fallback?: number, allowZero = false): number | undefined {
  const v = o[key] === undefined ? fallback : o[key];
  if (typeof v === 'number' && Number.isFinite(v) && (v > 0 || (allowZero && v === 0))) return v;
  issues.add(`${where}.${key}`, `is required: a number ${allowZero ? '≥' : '>'} 0`, o[key]);
  return undefined;
}

function readJob(raw: unknown, index: number, zones: ReadonlySet<string>, issues: Issues): SimJob | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.add(`jobs[${index}]`, 'is not an object', raw);
    return undefined;
  }
  const o = raw as Obj;
  const before = issues.count;
  const id = typeof o['id'] === 'string' && o['id'] !== '' ? o['id'] : undefined;
  const where = id !== undefined ? `job ${id}` : `jobs[${index}]`;
  if (id === undefined) issues.add(`${where}.id`, 'is required: a non-empty string', o['id']);
  const submitAtMs = time(o, 'submitAt', where, issues);
  const deadlineMs = time(o, 'deadline', where, issues);
  const hours = positive(o, 'durationHours', where, issues);
  const powerW = positive(o, 'powerW', where, issues);
  const overheadMin = positive(o, 'pauseOverheadMinutes', where, issues, DEFAULT_PAUSE_OVERHEAD_MS / MS_PER_MINUTE, true);
  const sites = Array.isArray(o['sites']) ? (o['sites'] as unknown[]) : undefined;
  if (!sites || sites.length === 0 || !sites.every((s) => typeof s === 'string')) issues.add(`${where}.sites`, 'is required: a non-empty array of zones', o['sites']);
  for (const s of sites ?? []) if (typeof s === 'string' && !zones.has(s)) issues.add(`${where}.sites`, `unknown zone ${s}: no --trace for it (known: ${[...zones].join(', ')})`, s);
  const home = str(o, 'homeSite', where, issues);
  if (home !== undefined && sites && !sites.includes(home)) issues.add(`${where}.homeSite`, 'is not one of its sites', home);
  if (submitAtMs !== undefined && deadlineMs !== undefined && hours !== undefined) {
    if (deadlineMs <= submitAtMs) issues.add(`${where}.deadline`, 'is not after submitAt', o['deadline']);
    else if (deadlineMs - submitAtMs < hours * MS_PER_HOUR) {
      issues.add(`${where}.deadline`, `cannot fit: ${hours} h of work in ${((deadlineMs - submitAtMs) / MS_PER_HOUR).toFixed(2)} h between submitAt and deadline`, o['deadline']);
    }
  }
  const gpus = o['gpus'] === undefined ? 1 : o['gpus'];
  if (typeof gpus !== 'number' || !Number.isInteger(gpus) || gpus < 1 || gpus > 1024) issues.add(`${where}.gpus`, 'is an integer from 1 to 1024 (default 1)', o['gpus']);
  if (issues.count > before) return undefined;
  return {
    id: id as string, submitAtMs: submitAtMs as number, deadlineMs: deadlineMs as number, durationMs: (hours as number) * MS_PER_HOUR,
    powerW: powerW as number, sites: sites as string[], homeSite: home as string, pauseOverheadMs: (overheadMin as number) * MS_PER_MINUTE,
    gpus: gpus as number,
  };
}

/**
 * Validates parsed JOBS.json against the zones that have traces.
 * @throws InputError (exit 2) naming each bad job by id (or index) and field.
 */
export function parseJobs(raw: unknown, zones: ReadonlySet<string>): SimJob[] {
  const issues = new Issues();
  if (!Array.isArray(raw)) {
    issues.add('jobs', 'must be a JSON array of jobs');
    issues.throwIfAny((all) => new InputError(all, 'jobs file'));
  }
  const jobs: SimJob[] = [];
  const seen = new Set<string>();
  (raw as unknown[]).forEach((r, i) => {
    const job = readJob(r, i, zones, issues);
    if (!job) return;
    if (seen.has(job.id)) issues.add(`job ${job.id}.id`, 'is used by more than one job', job.id);
    seen.add(job.id);
    jobs.push(job);
  });
  issues.throwIfAny((all) => new InputError(all, 'jobs file'));
  return jobs;
}
