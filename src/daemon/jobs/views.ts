/**
 * What `list` and `show` print (and `GET /v1/jobs[/:id]` return): plain JSON built from
 * ledger rows, so the CLI can build the same views from a read-only ledger when the
 * daemon is down.
 */
import { stopsOf } from '../../accounting/stops';
import { isoUtc } from '../../core/clock';
import type { Db } from '../../ledger/db';
import { checkpointsOf, lastVerifiedCheckpoint, type CheckpointRecord } from '../../ledger/checkpoints';
import { transfersOf } from '../../ledger/transfers';
import { currentStates, finishedAtOf, getJob, listJobs, transitionsOf, type JobRecord } from '../../ledger/jobs';
import { decisionsOf } from '../../ledger/plans';
import { currentStepOfJob, openRunOf, runsOf, type RunRecord } from '../../ledger/runs';
import { isTerminal, type JobState } from '../../jobs/states';

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
  /** Finished after its deadline, or (given the time) still unfinished past it. */
  deadlineMissed: boolean;
  /** How late, ms: finish − deadline for a finished job, now − deadline for an unfinished one; null when not late. */
  lateByMs: number | null;
}

/**
 * How late a job is, ms, or null when it is not (or cannot be: failed and cancelled jobs).
 * @example deadline 06:00, finished 07:37 → 5_820_000 (1 h 37 min)
 */
export function lateByMsOf(db: Db, job: JobRecord, state: JobState, nowMs?: number): number | null {
  const endMs = state === 'finished' ? finishedAtOf(db, job.id) : isTerminal(state) ? undefined : nowMs;
  return endMs !== undefined && endMs > job.deadlineMs ? endMs - job.deadlineMs : null;
}

function summaryOf(db: Db, job: JobRecord, state: JobState, nowMs?: number): JobSummary {
  const lateByMs = lateByMsOf(db, job, state, nowMs);
  return {
    id: job.id, name: job.name, owner: job.owner, state, site: openRunOf(db, job.id)?.site ?? null,
    step: currentStepOfJob(db, job.id), totalSteps: job.totalSteps, deadline: isoUtc(job.deadlineMs),
    manualOverride: job.manualOverride, lastVerifiedStep: lastVerifiedCheckpoint(db, job.id)?.step ?? null,
    deadlineMissed: lateByMs !== null, lateByMs,
  };
}

/** Every job, oldest first. With `nowMs`, an unfinished job past its deadline is flagged too. */
export function jobSummaries(db: Db, nowMs?: number): JobSummary[] {
  const states = currentStates(db);
  return listJobs(db).map((j) => summaryOf(db, j, states.get(j.id) ?? 'queued', nowMs));
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

/** A run may go this long without a progress or checkpoint event before `show` warns. */
export const SILENT_RUN_WARN_MS = 10 * 60_000;

/**
 * Warnings about how a job speaks the protocol: a run that has gone `SILENT_RUN_WARN_MS`
 * without a progress or checkpoint event gives carbond nothing to plan its remaining work
 * with, and nothing to resume from but step 0.
 * @example a run started 25 min ago with no event → ['run #3 has run 25 min without a progress or checkpoint event: …']
 */
export function protocolWarnings(runs: readonly RunRecord[], checkpoints: readonly CheckpointRecord[], nowMs: number | undefined): string[] {
  const warnings: string[] = [];
  for (const r of runs) {
    const endMs = r.endedAtMs ?? nowMs;
    if (endMs === undefined || endMs - r.startedAtMs < SILENT_RUN_WARN_MS) continue;
    if (r.lastStep !== null || checkpoints.some((c) => c.runId === r.id)) continue;
    warnings.push(`run #${r.id} ${r.endedAtMs === null ? 'has run' : 'ran'} ${Math.round((endMs - r.startedAtMs) / 60_000)} min without a progress or checkpoint event: `
      + 'carbond cannot tell how far it is or resume it from anywhere but the start (see docs/protocol.md: report progress and write checkpoints)');
  }
  return warnings;
}

/**
 * Everything about one job; undefined when there is no such job. Accepts a unique id prefix.
 * `pauses` and `moves` are counted as `carbond report` counts them (`stopsOf`): a checkpointed
 * pause after which the job went on at another site is a move.
 */
export function jobDetail(db: Db, idOrPrefix: string, nowMs?: number): (JobSummary & {
  job: PublicJob; transitions: unknown[]; runs: unknown[]; checkpoints: unknown[]; transfers: unknown[]; decisions: unknown[]; warnings: string[]; pauses: number; moves: number;
}) | undefined {
  const job = findJob(db, idOrPrefix);
  if (!job) return undefined;
  const state = currentStates(db).get(job.id) ?? 'queued';
  const runs = runsOf(db, job.id);
  const checkpoints = checkpointsOf(db, job.id);
  return {
    ...summaryOf(db, job, state, nowMs), job: publicJob(job),
    transitions: transitionsOf(db, job.id).map((t) => ({ at: isoUtc(t.atMs), from: t.from, to: t.to, reason: t.reason })),
    runs: runs.map((r) => ({ ...r, startedAt: isoUtc(r.startedAtMs), endedAt: r.endedAtMs === null ? null : isoUtc(r.endedAtMs) })),
    ...stopsOf(runs),
    warnings: protocolWarnings(runs, checkpoints, nowMs),
    checkpoints,
    transfers: transfersOf(db, job.id).map(({ jobId: _jobId, ...t }) => ({ ...t, startedAt: isoUtc(t.startedAtMs), endedAt: isoUtc(t.endedAtMs) })),
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
