/**
 * What `list` and `show` print (and `GET /v1/jobs[/:id]` return): plain JSON built from
 * ledger rows, so the CLI can build the same views from a read-only ledger when the
 * daemon is down.
 */
import { isoUtc } from '../../core/clock';
import type { Db } from '../../ledger/db';
import { checkpointsOf, lastVerifiedCheckpoint } from '../../ledger/checkpoints';
import { currentStates, getJob, listJobs, transitionsOf, type JobRecord } from '../../ledger/jobs';
import { decisionsOf } from '../../ledger/plans';
import { lastStepOfJob, openRunOf, runsOf } from '../../ledger/runs';
import type { JobState } from '../../jobs/states';

export interface JobSummary {
  id: string;
  name: string;
  owner: string;
  state: JobState;
  site: string | null;
  step: number;
  totalSteps: number | null;
  deadline: string;
  manualOverride: 'pause' | 'resume' | null;
  lastVerifiedStep: number | null;
}

function summaryOf(db: Db, job: JobRecord, state: JobState): JobSummary {
  return {
    id: job.id, name: job.name, owner: job.owner, state, site: openRunOf(db, job.id)?.site ?? null,
    step: lastStepOfJob(db, job.id), totalSteps: job.totalSteps, deadline: isoUtc(job.deadlineMs),
    manualOverride: job.manualOverride, lastVerifiedStep: lastVerifiedCheckpoint(db, job.id)?.step ?? null,
  };
}

/** Every job, oldest first. */
export function jobSummaries(db: Db): JobSummary[] {
  const states = currentStates(db);
  return listJobs(db).map((j) => summaryOf(db, j, states.get(j.id) ?? 'queued'));
}

/**
 * A job as `show` prints it: everything but the stored environment, which is never
 * returned to anyone (it may hold tokens; ADR 0012) — only the names of its variables.
 */
export type PublicJob = Omit<JobRecord, 'env'> & { envNames: string[] };

export function publicJob(job: JobRecord): PublicJob {
  const { env, ...rest } = job;
  return { ...rest, envNames: Object.keys(env).sort() };
}

/** Everything about one job; undefined when there is no such job. Accepts a unique id prefix. */
export function jobDetail(db: Db, idOrPrefix: string): (JobSummary & { job: PublicJob; transitions: unknown[]; runs: unknown[]; checkpoints: unknown[]; decisions: unknown[] }) | undefined {
  const job = findJob(db, idOrPrefix);
  if (!job) return undefined;
  const state = currentStates(db).get(job.id) ?? 'queued';
  return {
    ...summaryOf(db, job, state), job: publicJob(job),
    transitions: transitionsOf(db, job.id).map((t) => ({ at: isoUtc(t.atMs), from: t.from, to: t.to, reason: t.reason })),
    runs: runsOf(db, job.id).map((r) => ({ ...r, startedAt: isoUtc(r.startedAtMs), endedAt: r.endedAtMs === null ? null : isoUtc(r.endedAtMs) })),
    checkpoints: checkpointsOf(db, job.id),
    decisions: decisionsOf(db, job.id, 10).map((d) => ({ at: isoUtc(d.atMs), action: d.action, site: d.site, reason: d.reason })),
  };
}

/** The job with this id, or the only one whose id starts with it. */
export function findJob(db: Db, idOrPrefix: string): JobRecord | undefined {
  const exact = getJob(db, idOrPrefix);
  if (exact) return exact;
  const matches = listJobs(db).filter((j) => j.id.startsWith(idOrPrefix));
  return matches.length === 1 ? matches[0] : undefined;
}
