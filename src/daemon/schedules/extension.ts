/**
 * Recurring schedules as a daemon extension: the `/v1/schedules` routes, and a tick step (phase
 * `signal`, before the signal refresh, so that a job submitted by the tick is in that tick's
 * signal, forecast and plan) that submits each due occurrence through the submit route's own
 * path (`submitJobAs`). An occurrence is due at the first tick at or after its time; what is
 * submitted, skipped or missed follows `decide` (./due).
 */
import { CarbondError } from '../../core/errors';
import { Issues } from '../../core/validation';
import { DEFAULT_ESTIMATE_MS, type JobSpec } from '../../jobs/spec';
import { insertJob } from '../../ledger/jobs';
import { listActiveSchedules, recordOccurrence, type ScheduleRecord } from '../../ledger/schedules';
import { userById } from '../../os/users';
import type { DaemonContext } from '../context';
import type { DaemonExtension } from '../extensions';
import { submitJobAs } from '../jobs/routes';
import type { TickStep } from '../tick';
import { compileCron } from './cron-time';
import { decide } from './due';
import { scheduleRoutes } from './routes';
import { SCHEDULE_TAG } from './spec';

/** Submits `s`'s occurrence at `occurrenceMs` as a job of its owner; the job and the occurrence's row are one transaction. */
function submitOccurrence(ctx: DaemonContext, s: ScheduleRecord, occurrenceMs: number, deadlineMs: number, reason: string): string {
  const who = userById(s.uid);
  if (!who) throw new CarbondError('E_NO_USER', `uid ${s.uid} has no entry in the user database any more`);
  const spec: JobSpec = { ...s.template, deadlineMs, tags: { ...(s.template.tags ?? {}), [SCHEDULE_TAG]: s.id } };
  const job = submitJobAs(ctx, spec, who, (j) => recordOccurrence(ctx.db, {
    scheduleId: s.id, occurrenceMs, outcome: 'submitted', jobId: j.id, reason, recordedAtMs: ctx.clock.now(),
  }, () => insertJob(ctx.db, j)));
  return job.id;
}

/** One tick's work for one schedule. */
function runSchedule(ctx: DaemonContext, s: ScheduleRecord, nowMs: number): void {
  const log = ctx.logger.child({ component: 'schedules' });
  const cron = compileCron(s.cron, 'cron', new Issues());
  if (!cron) {
    log.error('schedule has a cron expression this carbond cannot read; it is left alone', { scheduleId: s.id, cron: s.cron });
    return;
  }
  const needMs = (s.template.estimateMs ?? DEFAULT_ESTIMATE_MS) + ctx.config.scheduler.safetyMarginMs;
  const d = decide(s, cron, nowMs, needMs);
  if (d.kind === 'idle') return;
  const fields = { scheduleId: s.id, occurrence: new Date(d.occurrenceMs).toISOString(), deadline: new Date(d.deadlineMs).toISOString() };
  if (d.missedOlder > 0) log.warn('older occurrences were missed (daemon down or ticks too far apart) and are skipped: only the newest is considered', { ...fields, missed: d.missedOlder });
  const record = (outcome: 'skipped' | 'failed', reason: string): void => recordOccurrence(ctx.db, { scheduleId: s.id, occurrenceMs: d.occurrenceMs, outcome, jobId: null, reason, recordedAtMs: nowMs });
  if (d.kind === 'skip') {
    record('skipped', d.reason);
    log.warn('occurrence skipped', { ...fields, reason: d.reason });
    return;
  }
  try {
    const jobId = submitOccurrence(ctx, s, d.occurrenceMs, d.deadlineMs, d.reason);
    log.info('occurrence submitted', { ...fields, jobId, reason: d.reason });
  } catch (err) {
    // No room on the disk passes: the next tick tries again while the deadline allows.
    if (err instanceof CarbondError && err.code === 'E_DISK') {
      log.warn('occurrence not submitted yet', { ...fields, err });
      return;
    }
    record('failed', (err as Error).message);
    log.error('occurrence could not be submitted', { ...fields, err });
  }
}

function scheduleStep(ctx: DaemonContext): TickStep {
  return {
    name: 'submit-scheduled-jobs',
    phase: 'signal',
    run: async (nowMs) => {
      // A submit asks for a tick (`ctx.requestTick`); the ticker queues it after this one
      // (see `Ticker.request`: it records the running tick before any step runs).
      for (const s of listActiveSchedules(ctx.db)) {
        try {
          runSchedule(ctx, s, nowMs);
        } catch (err) {
          ctx.logger.error('schedule step failed', { component: 'schedules', scheduleId: s.id, err });
        }
      }
    },
  };
}

/** Register before the signal extension: its step runs first in the `signal` phase. */
export const schedulesExtension: DaemonExtension = {
  name: 'schedules',
  routes: scheduleRoutes,
  tickSteps: (ctx) => [scheduleStep(ctx)],
};
