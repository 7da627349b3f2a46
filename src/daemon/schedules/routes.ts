/**
 * Control API routes for schedules (ADR 0012, as the job routes): the owner is the uid the
 * kernel gives for the connection, never the body; only the owner or root may show or remove a
 * schedule (403 for others), and `GET /v1/schedules` lists the caller's own (root: every one).
 * A template's environment is never returned, only its variables' names.
 */
import { randomBytes } from 'node:crypto';
import { PermissionError, StateError } from '../../core/errors';
import { formatDurationMs } from '../../core/units';
import { currentState } from '../../ledger/jobs';
import { getSchedule, insertSchedule, listSchedules, occurrencesOf, removeSchedule, type ScheduleRecord } from '../../ledger/schedules';
import { userById } from '../../os/users';
import { RouteNotFoundError, type Caller, type Route, type RouteRequest } from '../api/routes';
import type { DaemonContext } from '../context';
import { checkServed } from '../jobs/routes';
import { compileCron, nextOccurrenceAfter, occurrenceDeadlineMs } from './cron-time';
import { deadlineRuleOf } from './due';
import { checkScheduleSpec } from './spec';
import { Issues } from '../../core/validation';

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** A schedule as the API shows it: times ISO, the next occurrence and its deadline, env names only. */
export function scheduleView(s: ScheduleRecord, nowMs: number): Record<string, unknown> {
  const { env, ...template } = s.template;
  const cron = compileCron(s.cron, 'cron', new Issues());
  const nextMs = cron && s.removedAtMs === null ? nextOccurrenceAfter(cron, s.tz, Math.max(nowMs, s.lastOccurrenceMs ?? s.createdAtMs)) : undefined;
  return {
    id: s.id, owner: s.owner, uid: s.uid, cron: s.cron, tz: s.tz, finishBy: s.finishBy, within: s.withinMs === null ? null : formatDurationMs(s.withinMs), withinMs: s.withinMs,
    createdAt: iso(s.createdAtMs), removedAt: iso(s.removedAtMs), lastOccurrence: iso(s.lastOccurrenceMs),
    nextOccurrence: iso(nextMs), nextDeadline: iso(nextMs === undefined ? undefined : occurrenceDeadlineMs(nextMs, s.tz, deadlineRuleOf(s))),
    job: { ...template, envNames: Object.keys(env ?? {}) },
  };
}

/** One schedule with the occurrences handled, newest first, each with its job's state. */
function scheduleDetail(ctx: DaemonContext, s: ScheduleRecord): Record<string, unknown> {
  const occurrences = occurrencesOf(ctx.db, s.id).map((o) => ({
    occurrence: iso(o.occurrenceMs), outcome: o.outcome, jobId: o.jobId, jobState: o.jobId ? currentState(ctx.db, o.jobId) : null, reason: o.reason, recordedAt: iso(o.recordedAtMs),
  }));
  return { ...scheduleView(s, ctx.clock.now()), occurrences };
}

function authorizedSchedule(ctx: DaemonContext, id: string, caller: Caller): ScheduleRecord {
  const s = getSchedule(ctx.db, id);
  if (!s) throw new RouteNotFoundError(`schedule ${id}`);
  if (caller.uid !== 0 && caller.uid !== s.uid) throw new PermissionError(`permission denied: schedule ${s.id} belongs to ${s.owner} (uid ${s.uid}); you are uid ${caller.uid}`);
  return s;
}

function add(ctx: DaemonContext, req: RouteRequest): unknown {
  checkServed(req.caller);
  const who = userById(req.caller.uid);
  if (!who) throw new PermissionError(`permission denied: uid ${req.caller.uid} has no entry in the user database`);
  const nowMs = ctx.clock.now();
  const { spec, firstMs } = checkScheduleSpec(ctx, req.body, who.uid, nowMs);
  const s: ScheduleRecord = {
    id: `s${randomBytes(4).toString('hex')}`, owner: who.name, uid: who.uid, cron: spec.cron.trim(), tz: spec.tz,
    finishBy: spec.finishBy ?? null, withinMs: spec.withinMs ?? null, template: spec.job, createdAtMs: nowMs, removedAtMs: null, lastOccurrenceMs: null,
  };
  insertSchedule(ctx.db, s);
  ctx.logger.info('schedule added', { component: 'schedules', scheduleId: s.id, owner: s.owner, uid: s.uid, cron: s.cron, tz: s.tz, firstOccurrence: iso(firstMs) });
  return scheduleDetail(ctx, s);
}

function remove(ctx: DaemonContext, req: RouteRequest): unknown {
  const s = authorizedSchedule(ctx, req.params['id']!, req.caller);
  const nowMs = ctx.clock.now();
  if (!removeSchedule(ctx.db, s.id, nowMs)) throw new StateError(`schedule ${s.id} was already removed at ${iso(s.removedAtMs)}`);
  ctx.logger.info('schedule removed', { component: 'schedules', scheduleId: s.id, byUid: req.caller.uid });
  return scheduleDetail(ctx, getSchedule(ctx.db, s.id)!);
}

export const scheduleRoutes: readonly Route[] = [
  { method: 'POST', path: '/v1/schedules', summary: 'add a recurring schedule ({cron, tz, finishBy|withinMs, job}); it runs as the uid that connected', handler: add },
  {
    method: 'GET', path: '/v1/schedules', summary: 'your schedules (root: every one), removed ones included',
    handler: (ctx, req) => ({ schedules: listSchedules(ctx.db).filter((s) => req.caller.uid === 0 || s.uid === req.caller.uid).map((s) => scheduleView(s, ctx.clock.now())) }),
  },
  { method: 'GET', path: '/v1/schedules/:id', summary: 'one schedule and its occurrences (owner or root)', handler: (ctx, req) => scheduleDetail(ctx, authorizedSchedule(ctx, req.params['id']!, req.caller)) },
  { method: 'DELETE', path: '/v1/schedules/:id', summary: 'remove a schedule: no more occurrences; its jobs stay (owner or root)', handler: remove },
];
