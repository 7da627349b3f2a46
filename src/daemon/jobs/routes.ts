/**
 * Control API routes for jobs (DESIGN §7). Trust model: the socket is local and created
 * mode 0660 (owner and group only: in system mode, root and the `carbond` group); the
 * CLI sends its uid in `x-carbond-uid`. Node cannot read SO_PEERCRED, so the header is
 * advisory: anyone allowed to connect to the socket is trusted to state their uid. Only
 * the submitting user or root may pause, resume or cancel a job. See docs/adr/0006.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CarbondError, ExitCode, InputError, StateError } from '../../core/errors';
import { currentState, insertJob, setManualOverride, type JobRecord } from '../../ledger/jobs';
import { openRunOf, runsOf } from '../../ledger/runs';
import { checkJobSpec, compileJob, type JobSpec } from '../../jobs/spec';
import { isTerminal } from '../../jobs/states';
import type { DaemonContext } from '../context';
import type { Route, RouteRequest } from '../api/routes';
import { RouteNotFoundError } from '../api/routes';
import { findJob, jobDetail, jobSummaries } from './views';
import type { JobLifecycle } from './lifecycle';

/** Permission denied: the caller is neither the job's owner nor root. */
export class PermissionError extends CarbondError {
  constructor(message: string) {
    super('E_PERMISSION', message, ExitCode.Usage);
  }
}

/** The caller's uid from `x-carbond-uid` (required). */
export function callerUid(req: RouteRequest): number {
  const raw = req.headers['x-carbond-uid'];
  const uid = Number(Array.isArray(raw) ? raw[0] : raw);
  if (raw === undefined || !Number.isInteger(uid) || uid < 0) throw new InputError([{ path: 'x-carbond-uid', message: 'header missing or not a uid', value: raw }], 'request');
  return uid;
}

/** Only the submitting user or root may act on a job. A job without a uid belongs to the daemon's user. */
export function authorize(job: JobRecord, uid: number): void {
  const owner = job.uid ?? process.getuid?.() ?? -1;
  if (uid !== 0 && uid !== owner) throw new PermissionError(`permission denied: job ${job.id} belongs to uid ${owner} (${job.owner}); you are uid ${uid}`);
}

function jobOr404(ctx: DaemonContext, id: string): JobRecord {
  const job = findJob(ctx.db, id);
  if (!job) throw new RouteNotFoundError(`job ${id}`);
  return job;
}

function submit(ctx: DaemonContext, req: RouteRequest): unknown {
  const uid = callerUid(req);
  const spec = req.body as JobSpec & { owner?: string; gid?: number };
  if (typeof spec !== 'object' || spec === null) throw new InputError([{ path: 'body', message: 'must be a job object' }], 'job');
  const id = `j${randomBytes(4).toString('hex')}`;
  const { config } = ctx;
  const specCtx = {
    nowMs: ctx.clock.now(), sites: config.sites, safetyMarginMs: config.scheduler.safetyMarginMs,
    checkpointTimeoutMs: config.scheduler.checkpointTimeoutMs, pauseOverheadMs: config.scheduler.pauseOverheadMs,
  };
  const issues = checkJobSpec(spec, specCtx);
  if (typeof spec.cwd === 'string' && spec.cwd.startsWith('/') && !fs.existsSync(spec.cwd)) issues.add('cwd', 'does not exist', spec.cwd);
  issues.throwIfAny((list) => new InputError(list, 'job'));
  const job = compileJob(spec, specCtx, { id, owner: spec.owner ?? `uid ${uid}`, uid, gid: typeof spec.gid === 'number' ? spec.gid : null, checkpointDir: path.join(config.stateDir, 'checkpoints', id) });
  insertJob(ctx.db, job);
  ctx.logger.info('job submitted', { component: 'jobs', jobId: id, owner: job.owner, deadline: new Date(job.deadlineMs).toISOString() });
  ctx.requestTick(`job ${id} submitted`);
  return jobDetail(ctx.db, id);
}

function override(ctx: DaemonContext, req: RouteRequest, value: 'pause' | 'resume' | null): unknown {
  const job = jobOr404(ctx, req.params['id']!);
  authorize(job, callerUid(req));
  const state = currentState(ctx.db, job.id)!;
  if (isTerminal(state)) throw new StateError(`job ${job.id} is ${state}`);
  setManualOverride(ctx.db, job.id, value);
  ctx.requestTick(`job ${job.id}: ${value ?? 'auto'}`);
  return jobDetail(ctx.db, job.id);
}

/** The output log of a job's newest run (or `run`), from byte `offset`, at most 64 KiB. */
function logs(ctx: DaemonContext, req: RouteRequest): unknown {
  const job = jobOr404(ctx, req.params['id']!);
  authorize(job, callerUid(req));
  const runs = runsOf(ctx.db, job.id);
  const runId = Number(req.query.get('run') ?? runs.at(-1)?.id ?? 0);
  const run = runs.find((r) => r.id === runId);
  const offset = Math.max(0, Number(req.query.get('offset') ?? 0));
  if (!run?.logPath || !fs.existsSync(run.logPath)) return { runId: run?.id ?? null, text: '', nextOffset: offset, running: false };
  const fd = fs.openSync(run.logPath, 'r');
  try {
    const buf = Buffer.alloc(Math.max(0, Math.min(65_536, fs.fstatSync(fd).size - offset)));
    const n = buf.length > 0 ? fs.readSync(fd, buf, 0, buf.length, offset) : 0;
    return { runId: run.id, runs: runs.map((r) => r.id), text: buf.subarray(0, n).toString('utf8'), nextOffset: offset + n, running: openRunOf(ctx.db, job.id)?.id === run.id };
  } finally {
    fs.closeSync(fd);
  }
}

/** The job routes; `lifecycleOf` gives the daemon's lifecycle (for cancel). */
export function jobRoutes(lifecycleOf: (ctx: DaemonContext) => JobLifecycle): Route[] {
  return [
    { method: 'POST', path: '/v1/jobs', summary: 'submit a job (JobSpec JSON)', handler: submit },
    { method: 'GET', path: '/v1/jobs', summary: 'every job with its state', handler: (ctx) => ({ jobs: jobSummaries(ctx.db) }) },
    { method: 'GET', path: '/v1/jobs/:id', summary: 'one job: runs, transitions, checkpoints, decisions', handler: (ctx, req) => jobDetail(ctx.db, jobOr404(ctx, req.params['id']!).id) },
    { method: 'GET', path: '/v1/jobs/:id/logs', summary: 'output of a run (?run=&offset=)', handler: logs },
    { method: 'POST', path: '/v1/jobs/:id/pause', summary: 'pause and hold (manual override)', handler: (ctx, req) => override(ctx, req, 'pause') },
    { method: 'POST', path: '/v1/jobs/:id/resume', summary: 'resume and hold running; {"auto":true} releases to the plan', handler: (ctx, req) => override(ctx, req, (req.body as { auto?: boolean } | undefined)?.auto ? null : 'resume') },
    {
      method: 'POST', path: '/v1/jobs/:id/cancel', summary: 'kill the job and stop it for good',
      handler: async (ctx, req) => {
        const job = jobOr404(ctx, req.params['id']!);
        const uid = callerUid(req);
        authorize(job, uid);
        const state = currentState(ctx.db, job.id)!;
        if (isTerminal(state)) throw new StateError(`job ${job.id} is already ${state}`);
        await lifecycleOf(ctx).cancel(job.id, ctx.clock.now(), `cancelled by uid ${uid}`);
        return jobDetail(ctx.db, job.id);
      },
    },
  ];
}
