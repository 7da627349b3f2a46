/**
 * `POST /v1/schedules`: a schedule as JSON, and its checks (every problem at once, naming the
 * field and value; exit 2 in the CLI). The job template is checked as the submit route checks a
 * job, against the first occurrence and its deadline, so a template that cannot fit its window
 * (`--within 2h` with `--estimate 6h`) is refused at once rather than skipped every night.
 */
import * as fs from 'node:fs';
import { InputError } from '../../core/errors';
import { Issues } from '../../core/validation';
import { parseHhMm } from '../../jobs/finish-by';
import { checkJobSpec, MAX_DEADLINE_AHEAD_MS, MAX_TAGS, type JobSpec } from '../../jobs/spec';
import type { JobTemplate } from '../../ledger/schedules';
import { ownUid } from '../../os/users';
import type { DaemonContext } from '../context';
import { IDENTITY_FIELDS } from '../jobs/routes';
import { compileCron, isKnownZone, nextOccurrenceAfter, occurrenceDeadlineMs, type CronTimes } from './cron-time';

/** The tag every occurrence's job carries: `report --group-by tag:schedule` groups by schedule. */
export const SCHEDULE_TAG = 'schedule';

/** What `carbond schedule add` sends. */
export interface ScheduleSpec {
  /** 5-field cron expression, read in `tz`. */
  cron: string;
  /** IANA zone. */
  tz: string;
  /** `HH:MM` in `tz`; or `withinMs`. */
  finishBy?: string;
  /** ms after each occurrence; or `finishBy`. */
  withinMs?: number;
  /** The submit fields, without a deadline. */
  job: JobTemplate;
}

const FIELDS = ['cron', 'tz', 'finishBy', 'withinMs', 'job'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schedule-level fields: cron, zone, and exactly one of finish-by and within. */
export function checkScheduleFields(body: Record<string, unknown>, issues: Issues): { cron?: CronTimes; zoneOk: boolean } {
  for (const key of Object.keys(body)) if (!FIELDS.includes(key)) issues.add(key || '""', `is not a schedule field (known: ${FIELDS.join(', ')})`);
  const cron = typeof body['cron'] === 'string' ? compileCron(body['cron'], 'cron', issues) : (issues.add('cron', 'is missing: give --cron "MIN HOUR DOM MON DOW"', body['cron']), undefined);
  const tz = body['tz'];
  const zoneOk = typeof tz === 'string' && isKnownZone(tz);
  if (!zoneOk) issues.add('tz', 'is not a known IANA time zone (e.g. Europe/London)', tz);
  const { finishBy, withinMs } = body;
  if ((finishBy === undefined) === (withinMs === undefined)) issues.add('finishBy', 'give exactly one of --finish-by HH:MM and --within DURATION', { finishBy, withinMs });
  if (finishBy !== undefined && (typeof finishBy !== 'string' || !parseHhMm(finishBy))) issues.add('finishBy', 'must be HH:MM (24 h)', finishBy);
  if (withinMs !== undefined && !(typeof withinMs === 'number' && Number.isFinite(withinMs) && withinMs > 0 && withinMs <= MAX_DEADLINE_AHEAD_MS)) {
    issues.add('within', 'must be a positive duration of at most 366 days', withinMs);
  }
  return cron ? { cron, zoneOk } : { zoneOk };
}

/**
 * Checks a schedule for the user `uid` at `nowMs`; returns it with its first occurrence, or
 * throws `InputError` naming every problem.
 */
export function checkScheduleSpec(ctx: DaemonContext, body: unknown, uid: number, nowMs: number): { spec: ScheduleSpec; cron: CronTimes; firstMs: number } {
  const issues = new Issues();
  if (!isObject(body)) throw new InputError([{ path: 'body', message: 'must be a schedule object' }], 'schedule');
  const { cron, zoneOk } = checkScheduleFields(body, issues);
  const job = body['job'];
  if (!isObject(job)) issues.add('job', 'must be an object with the job\'s submit fields', job);
  else checkTemplate(job, uid, issues);
  const spec = body as unknown as ScheduleSpec;
  const firstMs = cron && zoneOk ? nextOccurrenceAfter(cron, spec.tz, nowMs) : undefined;
  if (cron && zoneOk && firstMs === undefined) issues.add('cron', 'has no occurrence in the next 30 years', spec.cron);
  if (firstMs !== undefined && isObject(job) && issues.count === 0) {
    // The job as its first occurrence would submit it, checked as of that occurrence.
    const deadlineMs = occurrenceDeadlineMs(firstMs, spec.tz, spec.withinMs !== undefined ? { withinMs: spec.withinMs } : { finishBy: parseHhMm(spec.finishBy!)! });
    const c = ctx.config.scheduler;
    issues.addAll(checkJobSpec({ ...(job as unknown as JobSpec), deadlineMs }, {
      nowMs: firstMs, sites: ctx.config.sites, safetyMarginMs: c.safetyMarginMs, checkpointTimeoutMs: c.checkpointTimeoutMs, pauseOverheadMs: c.pauseOverheadMs,
    }).all, 'job');
  }
  issues.throwIfAny((list) => new InputError(list, 'schedule'));
  return { spec, cron: cron!, firstMs: firstMs! };
}

/** What only a template can get wrong: a deadline of its own, identity fields, the schedule tag, a missing cwd. */
function checkTemplate(job: Record<string, unknown>, uid: number, issues: Issues): void {
  if ('deadlineMs' in job) issues.add('job.deadlineMs', 'is set by each occurrence from --finish-by or --within; remove it');
  for (const field of IDENTITY_FIELDS) if (Object.prototype.hasOwnProperty.call(job, field)) issues.add(`job.${field}`, 'is set by carbond from the identity the kernel gives for your connection; remove it');
  const tags = job['tags'];
  if (isObject(tags) && Object.keys(tags).length >= MAX_TAGS) issues.add('job.tags', `has more than ${MAX_TAGS - 1} tags (each occurrence adds the tag ${SCHEDULE_TAG})`, Object.keys(tags).length);
  if (isObject(tags) && Object.prototype.hasOwnProperty.call(tags, SCHEDULE_TAG)) issues.add(`job.tags.${SCHEDULE_TAG}`, 'is set by carbond to the schedule\'s id on each occurrence\'s job; remove it', tags[SCHEDULE_TAG]);
  const cwd = job['cwd'];
  // As the submit route: only where carbond sees the filesystem as the caller does.
  if (uid === ownUid() && typeof cwd === 'string' && cwd.startsWith('/') && !fs.existsSync(cwd)) issues.add('job.cwd', 'does not exist', cwd);
}
