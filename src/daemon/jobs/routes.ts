/**
 * Control API routes for jobs (DESIGN §7, ADR 0012). Who calls is the kernel's answer
 * (`req.caller`, SO_PEERCRED), never a header or the body. A job's owner is that uid, its
 * name and groups come from the user database. Only the owner or root may pause, resume,
 * cancel, read the logs of or show a job; others see the list's summary line. A job's stored
 * environment is never returned to anyone.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CarbondError, ExitCode, InputError, PermissionError, StateError } from '../../core/errors';
import { currentState, insertJob, setManualOverride, type JobRecord } from '../../ledger/jobs';
import { openRunOf, runsOf } from '../../ledger/runs';
import { checkJobSpec, compileJob, type JobSpec } from '../../jobs/spec';
import { isTerminal } from '../../jobs/states';
import { readBeneath } from '../../os/beneath';
import { isRoot, ownUid, userById } from '../../os/users';
import type { DaemonContext } from '../context';
import { queryCount, RouteNotFoundError, type Caller, type Route, type RouteRequest } from '../api/routes';
import { ensureUserArea, userAreaOf } from '../state-files';
import { probeDisk } from '../disk/health';
import { findJob, jobDetail, jobSummaries } from './views';
import type { JobLifecycle } from './lifecycle';

export { PermissionError } from '../../core/errors';

/** Most bytes of a log one request returns. */
export const LOG_CHUNK_BYTES = 65_536;

/** The uid a job belongs to: its submitter's; a job recorded without one belongs to the daemon's user. */
export function ownerUidOf(job: JobRecord): number {
  return job.uid ?? ownUid();
}

/** Only the job's owner or root may act on or read a job. */
export function authorize(job: JobRecord, caller: Caller): void {
  const owner = ownerUidOf(job);
  if (caller.uid !== 0 && caller.uid !== owner) throw new PermissionError(`permission denied: job ${job.id} belongs to ${job.owner} (uid ${owner}); you are uid ${caller.uid}`);
}

/** A daemon that is not root acts for its own user only (its jobs run as that user whoever submits them). */
export function checkServed(caller: Caller): void {
  if (!isRoot() && caller.uid !== 0 && caller.uid !== ownUid()) {
    throw new PermissionError(`permission denied: this carbond runs as uid ${ownUid()} and acts for that user only; you are uid ${caller.uid}`);
  }
}

function jobOr404(ctx: DaemonContext, id: string): JobRecord {
  const job = findJob(ctx.db, id);
  if (!job) throw new RouteNotFoundError(`job ${id}`);
  return job;
}

/** Fields the daemon sets from the caller's identity; a body that names them is refused. */
export const IDENTITY_FIELDS = ['owner', 'uid', 'gid', 'groups', 'checkpointDir'] as const;

function submit(ctx: DaemonContext, req: RouteRequest): unknown {
  checkServed(req.caller);
  const spec = req.body as JobSpec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new InputError([{ path: 'body', message: 'must be a job object' }], 'job');
  const who = userById(req.caller.uid);
  if (!who) throw new PermissionError(`permission denied: uid ${req.caller.uid} has no entry in the user database`);
  const job = submitJobAs(ctx, spec, who);
  return jobDetail(ctx.db, job.id, ctx.clock.now());
}

/**
 * Checks `spec` (every problem at once, InputError) and records it as a job of `who`: the submit
 * route's path, which a schedule's occurrences (../schedules) take too, passing `record` to insert
 * the job together with its link to the occurrence.
 */
export function submitJobAs(ctx: DaemonContext, spec: JobSpec, who: { name: string; uid: number; gid: number }, record: (job: JobRecord) => void = (job) => insertJob(ctx.db, job)): JobRecord {
  const id = `j${randomBytes(4).toString('hex')}`;
  const { config } = ctx;
  const specCtx = {
    nowMs: ctx.clock.now(), sites: config.sites, safetyMarginMs: config.scheduler.safetyMarginMs,
    checkpointTimeoutMs: config.scheduler.checkpointTimeoutMs, pauseOverheadMs: config.scheduler.pauseOverheadMs,
  };
  const issues = checkJobSpec(spec, specCtx);
  // Only where carbond sees the filesystem as the caller does (a root daemon's answer would tell
  // a user whether paths they cannot see exist); elsewhere the run says so in its log, exit 126.
  if (who.uid === ownUid() && typeof spec.cwd === 'string' && spec.cwd.startsWith('/') && !fs.existsSync(spec.cwd)) issues.add('cwd', 'does not exist', spec.cwd);
  for (const field of IDENTITY_FIELDS) {
    if (Object.prototype.hasOwnProperty.call(spec, field)) issues.add(field, 'is set by carbond from the identity the kernel gives for your connection; remove it');
  }
  issues.throwIfAny((list) => new InputError(list, 'job'));
  const disk = probeDisk(config.stateDir).problem;
  if (disk) throw new CarbondError('E_DISK', `cannot take a job now: ${disk} (nothing was recorded; submit again once there is room)`, ExitCode.Executor);
  const area = isRoot() || who.uid === ownUid() ? ensureUserArea(config.stateDir, who.uid, who.gid) : userAreaOf(config.stateDir, who.uid);
  const job = compileJob(spec, specCtx, { id, owner: who.name, uid: who.uid, gid: who.gid, checkpointDir: path.join(area, 'checkpoints', id) });
  record(job);
  ctx.logger.info('job submitted', { component: 'jobs', jobId: id, owner: job.owner, uid: who.uid, deadline: new Date(job.deadlineMs).toISOString() });
  ctx.requestTick(`job ${id} submitted`);
  return job;
}

function override(ctx: DaemonContext, req: RouteRequest, value: 'pause' | 'resume' | null): unknown {
  const job = jobOr404(ctx, req.params['id']!);
  authorize(job, req.caller);
  const state = currentState(ctx.db, job.id)!;
  if (isTerminal(state)) throw new StateError(`job ${job.id} is ${state}`);
  setManualOverride(ctx.db, job.id, value);
  ctx.requestTick(`job ${job.id}: ${value ?? 'auto'} by uid ${req.caller.uid}`);
  return jobDetail(ctx.db, job.id, ctx.clock.now());
}

/**
 * Where a run's log may be read from without following the user's links: the job owner's
 * area (`users/<uid>`, whose entry no user can replace) and the path below it; a log of the
 * layout before ADR 0012 lies under the state dir, which is root's.
 */
export function logLocation(stateDir: string, job: JobRecord, logPath: string): { base: string; rel: string; ownerUid?: number } {
  const area = userAreaOf(stateDir, ownerUidOf(job));
  const rel = path.relative(area, logPath);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return { base: area, rel, ownerUid: ownerUidOf(job) };
  return { base: stateDir, rel: path.relative(stateDir, logPath) };
}

/** The output log of a job's newest run (or `?run=`), from byte `?offset=`, at most 64 KiB. */
function logs(ctx: DaemonContext, req: RouteRequest): unknown {
  const job = jobOr404(ctx, req.params['id']!);
  authorize(job, req.caller);
  const runs = runsOf(ctx.db, job.id);
  const runId = queryCount(req.query, 'run', runs.at(-1)?.id ?? 0);
  const offset = queryCount(req.query, 'offset', 0);
  const run = runs.find((r) => r.id === runId);
  if (req.query.has('run') && !run) throw new RouteNotFoundError(`run ${runId} of job ${job.id}`);
  const empty = { runId: run?.id ?? null, runs: runs.map((r) => r.id), text: '', nextOffset: offset, running: false };
  if (!run?.logPath) return empty;
  const running = openRunOf(ctx.db, job.id)?.id === run.id;
  const { base, rel, ownerUid } = logLocation(ctx.config.stateDir, job, run.logPath);
  const read = readBeneath(base, rel, offset, LOG_CHUNK_BYTES, ownerUid);
  if (read.kind === 'missing') return { ...empty, running };
  if (read.kind === 'refused') throw new InputError([{ path: 'log', message: `not readable: ${read.reason}` }], 'logs');
  return { runId: run.id, runs: runs.map((r) => r.id), text: read.data.toString('utf8'), nextOffset: offset + read.data.length, running };
}

/** The job routes; `lifecycleOf` gives the daemon's lifecycle (for cancel). */
export function jobRoutes(lifecycleOf: (ctx: DaemonContext) => JobLifecycle): Route[] {
  return [
    { method: 'POST', path: '/v1/jobs', summary: 'submit a job (JobSpec JSON); it runs as the uid that connected', handler: submit },
    { method: 'GET', path: '/v1/jobs', summary: 'every job with its state (a summary line each)', handler: (ctx) => ({ jobs: jobSummaries(ctx.db, ctx.clock.now()) }) },
    {
      method: 'GET', path: '/v1/jobs/:id', summary: 'one job: runs, transitions, checkpoints, decisions (owner or root)',
      handler: (ctx, req) => {
        const job = jobOr404(ctx, req.params['id']!);
        authorize(job, req.caller);
        return jobDetail(ctx.db, job.id, ctx.clock.now());
      },
    },
    { method: 'GET', path: '/v1/jobs/:id/logs', summary: 'output of a run (?run=&offset=; owner or root)', handler: logs },
    { method: 'POST', path: '/v1/jobs/:id/pause', summary: 'pause and hold (manual override)', handler: (ctx, req) => override(ctx, req, 'pause') },
    { method: 'POST', path: '/v1/jobs/:id/resume', summary: 'resume and hold running; {"auto":true} releases to the plan', handler: (ctx, req) => override(ctx, req, (req.body as { auto?: boolean } | undefined)?.auto ? null : 'resume') },
    {
      method: 'POST', path: '/v1/jobs/:id/cancel', summary: 'kill the job and stop it for good',
      handler: async (ctx, req) => {
        const job = jobOr404(ctx, req.params['id']!);
        authorize(job, req.caller);
        const state = currentState(ctx.db, job.id)!;
        if (isTerminal(state)) throw new StateError(`job ${job.id} is already ${state}`);
        await lifecycleOf(ctx).cancel(job.id, ctx.clock.now(), `cancelled by uid ${req.caller.uid}`);
        return jobDetail(ctx.db, job.id, ctx.clock.now());
      },
    },
  ];
}
