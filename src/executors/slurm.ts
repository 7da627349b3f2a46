/**
 * The Slurm executor (DESIGN §8): one carbond run = one Slurm batch job on the site's
 * partition, named `carbond-<jobId>-r<runId>` so that it can be found again.
 *
 * - start: `sbatch --hold` as the job's owner (`setpriv --reuid --regid --init-groups`, as the
 *   local executor, ADR 0012: works on every Slurm version, keeps the owner's groups, and the
 *   run dir is created by the owner's own process; `sbatch --uid` is root-only, drops the
 *   supplementary groups and is gone from newer Slurm), then `scontrol release`. Holding
 *   first means the Slurm job id exists (and is returned as `executorRef`) before anything
 *   runs; a start repeated for the same run finds its job by name instead of submitting a
 *   second one.
 * - pause: `scancel --signal=<SIG> --full` (22.05 sends no signal but SIGKILL to a batch step
 *   without `--batch`/`--full`; `--full` reaches the command and its children, as the local
 *   executor's group signal), wait for the checkpoint acknowledgement in the events file and
 *   the job's end, then the allocation is ended (`scancel`) if it is still there. Not
 *   requeue-and-hold: a requeued job keeps the environment it was submitted with, while each
 *   segment needs its own `CARBOND_RESUME_FROM` and events file, and 22.05 delays a requeued
 *   job's start and cannot hold a running one.
 * - states: `squeue --json` (22.05 ignores `-j` there: filtered here), `squeue -o` without
 *   JSON, `sacct --parsable2` for jobs the controller has forgotten (after MinJobAge).
 * - slurmctld unreachable: `start` and the actions throw `SlurmUnavailableError`; `poll` keeps
 *   the last known state (a run is never reported exited, so never lost or started twice);
 *   `health()` says why. 22.05's `squeue --json` then exits 0 with an `errors` list and no jobs:
 *   that reads as unreachable too, never as "no jobs".
 * - `poll` never blocks: it answers from the run's last known state and asks Slurm in the
 *   background (a controller that is down takes ~4 s a command, which a blocking poll every
 *   250 ms turned into a daemon that answered nobody). `wait`, pauses and kills ask Slurm and
 *   await the answer. The runs of a site share one `squeue` listing per poll interval. Only
 *   `adopt` (once per run after a restart) asks Slurm synchronously, so that the restart's
 *   reconciliation sees a run that ended while the daemon was down.
 */
import * as path from 'node:path';
import type { Clock } from '../core/clock';
import { ExecutorError } from '../core/errors';
import type { Logger } from '../core/logger';
import { nullLogger } from '../core/logger';
import type { JobRecord } from '../ledger/jobs';
import { ownUid } from '../os/users';
import { ensureUserArea, userAreaOf } from '../daemon/state-files';
import { readEventsBeneath, type JobEvent } from './events';
import { SETPRIV } from './local-wrapper';
import { verifyAcks } from './pause';
import { eventsUpTo, runAsUser, runFileSize, trustedRunFile } from './run-files';
import { DEFAULT_SLURM_COMMAND_TIMEOUT_MS, runSlurm, SlurmUnavailableError, type SlurmResult } from './slurm/commands';
import { QUEUE_ARGS, SlurmQueryRunner, type Query } from './slurm/queries';
import { batchScript, exitOfPair, finalExit, parseJobsJson, parseSacctText, parseSbatchId, parseSqueueText, pollStateOf, slurmJobName, SlurmQueueError, type SlurmJobInfo } from './slurm/parse';
import type { AdoptableRun, PauseOptions, PauseResult, ResumePoint, RunExecutor, RunExit, RunHandle, RunPoll, RunStartSpec, VerifyCheckpoint } from './types';

export { SlurmUnavailableError } from './slurm/commands';

export interface SlurmExecutorOptions {
  /** Runs live under `<stateDir>/users/<uid>/runs/<runId>/` — on storage the compute nodes share. */
  stateDir: string;
  clock: Clock;
  verifyCheckpoint: VerifyCheckpoint;
  /** The site's name (in errors and logs). */
  site?: string;
  /** `sbatch --partition`; the cluster's default partition when absent. */
  partition?: string;
  logger?: Logger;
  /** How often `wait` and a pause poll the job's state, ms. Default 250. */
  pollMs?: number;
  /** Time limit of each Slurm command, ms. Default 15 000. */
  commandTimeoutMs?: number;
}

interface Tracked {
  /** The Slurm job id, once known. */
  slurmId?: string;
  name: string;
  /** The owner's uid (null: carbond's own jobs): a job found by name must be theirs. */
  uid: number | null;
  last?: SlurmJobInfo;
  /** `scontrol suspend` time: 22.05's slurmd stops the job a second time shortly after, and a resume before then is lost. */
  suspendedAtMs?: number;
  /** The release failed (controller away): retried at the next poll that reaches it. */
  releasePending?: boolean;
  /** Bumped by each action that changes the job's state: a query begun before it must not overwrite what the action set. */
  version: number;
}

/** Least time between `scontrol suspend` and `scontrol resume`, ms (a resume 0.3 s after the suspend left 22.05's job stopped; 1 s worked). */
const SUSPEND_SETTLE_MS = 1_500;
/** `scontrol suspend|resume` attempts while slurmd is busy with the job, a second apart. */
const TRANSIENT_TRIES = 8;
const TRANSIENT_RETRY_MS = 1_000;
const TRANSIENT_SCONTROL = /Unexpected message received|Resource temporarily unavailable|Job is pending execution|Requested operation is presently disabled/i;
/** After a checkpoint acknowledgement, how long the job has to exit before its allocation is ended, ms. */
const EXIT_AFTER_ACK_MS = 10_000;
/** Read windows (1 MiB each) scanned for the acknowledgement after a pause. */
const PAUSE_READ_WINDOWS = 16;

export class SlurmExecutor implements RunExecutor {
  readonly kind = 'slurm';
  private readonly tracked = new Map<number, Tracked>();
  /** Background refreshes in flight, by run. */
  private readonly refreshing = new Map<number, Promise<RunPoll>>();
  /** Runs the Slurm queries; shares a site's queue listing (./slurm/queries). */
  private readonly queries: SlurmQueryRunner;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private unavailable: string | undefined;

  constructor(private readonly options: SlurmExecutorOptions) {
    this.logger = (options.logger ?? nullLogger).child({ component: 'executor.slurm', ...(options.site ? { site: options.site } : {}) });
    this.timeoutMs = options.commandTimeoutMs ?? DEFAULT_SLURM_COMMAND_TIMEOUT_MS;
    this.queries = new SlurmQueryRunner(this.timeoutMs, options.pollMs ?? 250);
  }

  runDir(job: JobRecord, runId: number): string {
    return path.join(userAreaOf(this.options.stateDir, job.uid ?? ownUid()), 'runs', String(runId));
  }

  /** Whether slurmctld answers (`scontrol ping`); `reason` says why not. */
  async health(): Promise<{ ok: boolean; reason?: string }> {
    const r = await runSlurm('scontrol', ['ping'], this.timeoutMs);
    const up = r.ok && /\bUP\b/.test(r.stdout);
    this.setAvailability(up ? undefined : `slurmctld does not answer: ${(r.stdout + r.stderr).trim().slice(0, 300) || 'no output'}`);
    return up ? { ok: true } : { ok: false, reason: this.unavailable };
  }

  async start(job: JobRecord, run: RunStartSpec, resumeFrom?: ResumePoint): Promise<RunHandle> {
    const t = this.trackedOf(run.runId, job.id, job.uid);
    const handle = this.handleOf(job, run.runId);
    const existing = await this.queries.ask(this.findByName(t.name, job.uid, true), true);
    if (existing === 'unreachable') throw this.unavailableError(job.id);
    if (existing) {
      // The same run was submitted before (a start repeated after a crash): never a second job.
      this.logger.warn('run already has a Slurm job: adopting it', { jobId: job.id, runId: run.runId, slurmJobId: existing.id });
      t.slurmId = existing.id;
    } else {
      t.slurmId = await this.submitHeld(job, run, handle, resumeFrom);
      this.queries.invalidate(); // a listing from before the submission does not know the job: it must not read as gone
    }
    handle.executorRef = t.slurmId;
    const released = await this.slurm('scontrol', ['release', t.slurmId], job.id, true);
    if (!released.ok) {
      t.releasePending = true;
      this.logger.warn('could not release the held job yet: retried at the next poll', { jobId: job.id, slurmJobId: t.slurmId, stderr: released.stderr.slice(0, 300) });
    }
    this.logger.info('run submitted and released', { jobId: job.id, runId: run.runId, slurmJobId: t.slurmId, partition: this.options.partition ?? null, resumeFrom: resumeFrom?.path ?? null });
    return handle;
  }

  /** `sbatch --hold` as the job's owner, the run dir made by the owner first; returns the Slurm job id. */
  private async submitHeld(job: JobRecord, run: RunStartSpec, handle: RunHandle, resumeFrom?: ResumePoint): Promise<string> {
    const asUser = runAsUser(job);
    if (asUser || job.uid === null || job.uid === ownUid()) ensureUserArea(this.options.stateDir, asUser?.uid ?? ownUid(), asUser?.gid ?? (process.getgid?.() ?? 0));
    const env = this.jobEnvironment(job, handle, asUser?.env, resumeFrom);
    const sbatch = ['sbatch', '--parsable', '--hold', '--no-requeue', `--job-name=${slurmJobName(job.id, run.runId)}`,
      ...(this.options.partition ? [`--partition=${this.options.partition}`] : []),
      `--output=${handle.logPath}`, '--open-mode=append', `--chdir=${job.cwd}`, '--export=ALL',
      `--signal=B:${job.pauseSignal.replace(/^SIG/, '')}@${Math.max(60, Math.ceil(job.checkpointTimeoutMs / 1000))}`,
      ...(job.gpus > 0 ? [`--gres=gpu:${job.gpus}`] : [])];
    // As the owner: the run dir (mode 0700), its events file and the checkpoint dir, then sbatch.
    const setup = 'umask 077; d=$1; shift; mkdir -p "$d" "$CARBOND_CHECKPOINT_DIR" && : >>"$d/events.jsonl" && umask 022 && exec "$@"';
    const argv = ['/bin/sh', '-c', setup, 'carbond-sbatch', path.dirname(handle.eventsPath), ...sbatch];
    const [file, ...args] = asUser ? [SETPRIV, '--reuid', String(asUser.uid), '--regid', String(asUser.gid), '--init-groups', '--', ...argv] : argv;
    const r = await runSlurm(file!, args, this.timeoutMs, { env, input: batchScript(job.command, job.useShell, `carbond job ${job.id} run ${run.runId}`) });
    const id = r.ok ? parseSbatchId(r.stdout) : undefined;
    if (id) return id;
    if (r.unreachable) throw this.unavailableError(job.id, r.stderr);
    throw new ExecutorError(`cannot submit job ${job.id} to Slurm: ${(r.stderr || r.stdout).trim().slice(0, 500)}`, job.id);
  }

  /**
   * The protocol environment (DESIGN §4) as the local executor builds it, without any `SBATCH_*`
   * or `SLURM_*` of the user's (they would change the submission: another partition, account).
   * `CUDA_VISIBLE_DEVICES` is Slurm's to set from `--gres`.
   */
  private jobEnvironment(job: JobRecord, handle: RunHandle, fromDb: Record<string, string> | undefined, resumeFrom?: ResumePoint): Record<string, string> {
    const own = Object.fromEntries(Object.entries(job.env).filter(([k]) => !/^(SBATCH|SLURM|SALLOC|SRUN)_/.test(k)));
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...own, ...(fromDb ?? {}),
      CARBOND_JOB_ID: job.id, CARBOND_CHECKPOINT_DIR: job.checkpointDir, CARBOND_EVENTS: handle.eventsPath };
    if (process.env['SLURM_CONF']) env['SLURM_CONF'] = process.env['SLURM_CONF'];
    if (resumeFrom) env['CARBOND_RESUME_FROM'] = resumeFrom.path;
    else delete env['CARBOND_RESUME_FROM'];
    return env;
  }

  /** The run's last known state, at once; a fresh one is asked for in the background (see the header). */
  poll(handle: RunHandle): RunPoll {
    const t = this.trackedOf(handle.runId, handle.jobId);
    if (t.last?.exit) return { state: 'exited', exit: t.last.exit };
    if (!this.refreshing.has(handle.runId)) {
      this.refresh(handle).catch((err: unknown) => this.logger.warn('asking Slurm for a run\'s state failed', { jobId: handle.jobId, runId: handle.runId, err }));
    }
    return this.known(t);
  }

  /** What the run's last known state says; unknown yet (never asked, or the controller away) is running. */
  private known(t: Tracked): RunPoll {
    if (!t.last) return { state: 'running' };
    const state = pollStateOf(t.last.state);
    return state === 'exited' ? { state, exit: t.last.exit ?? { code: null, signal: null, known: false } } : { state };
  }

  /** Asks Slurm for the run's state and keeps it (one request per run at a time). */
  private refresh(handle: RunHandle): Promise<RunPoll> {
    let p = this.refreshing.get(handle.runId);
    if (!p) {
      p = this.queries.ask(this.update(handle)).finally(() => this.refreshing.delete(handle.runId));
      this.refreshing.set(handle.runId, p);
    }
    return p;
  }

  /** The query behind `refresh` and `adopt`: looks the run's job up and records what Slurm says. */
  private *update(handle: RunHandle): Query<RunPoll> {
    const t = this.trackedOf(handle.runId, handle.jobId);
    if (t.last?.exit) return { state: 'exited', exit: t.last.exit };
    const version = t.version;
    const info = yield* this.lookup(handle);
    if (t.version !== version) return this.known(t); // an action changed the job meanwhile: what it set stands
    if (info === 'unreachable') {
      const known = this.known(t);
      return known.state === 'exited' ? { state: 'running' } : known;
    }
    if (!info) {
      // Neither the controller nor the accounting knows the job: it never ran or its record is gone.
      t.last = { id: t.slurmId ?? '', name: t.name, state: 'UNKNOWN', held: false, exit: { code: null, signal: null, known: false } };
      return { state: 'exited', exit: t.last.exit! };
    }
    t.last = info;
    if (t.releasePending && info.held) {
      const r = yield { command: 'scontrol', args: ['release', t.slurmId!] };
      if (r.ok) t.releasePending = false;
      else this.logger.warn('release of the held job failed again', { jobId: handle.jobId, slurmJobId: t.slurmId, stderr: r.stderr.slice(0, 300) });
    }
    return this.known(t);
  }

  async wait(handle: RunHandle): Promise<RunExit> {
    const every = this.options.pollMs ?? 250;
    for (;;) {
      const p = await this.refresh(handle);
      if (p.state === 'exited') return p.exit!;
      await sleep(every, true); // an unref'd timer: must not keep a stopping daemon alive
    }
  }

  async requestPause(handle: RunHandle, options: PauseOptions): Promise<PauseResult> {
    const t0 = this.options.clock.now();
    const offset = runFileSize(this.options.stateDir, handle.eventsPath);
    const before = await this.refresh(handle);
    if (before.state === 'exited') return this.pauseResult(handle, offset, 'exited', before.exit!, t0);
    const t = this.trackedOf(handle.runId, handle.jobId);
    if (t.last?.state === 'PENDING') {
      // It never ran: nothing to checkpoint, the queued job is withdrawn.
      return this.pauseResult(handle, offset, 'exited', await this.kill(handle), t0);
    }
    await this.slurm('scancel', [`--signal=${options.signal.replace(/^SIG/, '')}`, '--full', await this.slurmIdOf(handle)], handle.jobId);
    const deadline = t0 + options.checkpointTimeoutMs;
    let ackedAt: number | undefined;
    for (;;) {
      const p = await this.refresh(handle);
      if (p.state === 'exited') return this.pauseResult(handle, offset, undefined, p.exit!, t0);
      const now = this.options.clock.now();
      if (ackedAt === undefined && eventsUpTo((at) => this.events(handle, at), offset, PAUSE_READ_WINDOWS).some((e) => e.event === 'checkpoint')) ackedAt = now;
      if (now >= deadline || (ackedAt !== undefined && now - ackedAt >= EXIT_AFTER_ACK_MS)) break;
      await sleep(Math.min(this.options.pollMs ?? 250, Math.max(1, deadline - now)));
    }
    // Acknowledged but still there: the allocation is ended. Not acknowledged in time: killed.
    if (ackedAt === undefined) this.logger.warn('run did not checkpoint and exit in time: killing it', { jobId: handle.jobId, runId: handle.runId, timeoutMs: options.checkpointTimeoutMs });
    const exit = await this.kill(handle);
    return this.pauseResult(handle, offset, ackedAt === undefined ? 'killed' : undefined, exit, t0);
  }

  private async pauseResult(handle: RunHandle, offset: number, outcome: PauseResult['outcome'] | undefined, exit: RunExit, t0: number): Promise<PauseResult> {
    const latencyMs = this.options.clock.now() - t0;
    const acks = eventsUpTo((at) => this.events(handle, at), offset, PAUSE_READ_WINDOWS).flatMap((e) => (e.event === 'checkpoint' ? [e] : []));
    const checkpoints = await verifyAcks(acks, { id: handle.jobId, checkpointDir: handle.checkpointDir }, this.options.verifyCheckpoint);
    return { outcome: outcome ?? (checkpoints.some((c) => c.verified) ? 'checkpointed' : 'exited'), exit, checkpoints, latencyMs };
  }

  async suspend(handle: RunHandle): Promise<void> {
    await this.retryingTransient('suspend', handle);
    const t = this.trackedOf(handle.runId, handle.jobId);
    t.suspendedAtMs = this.options.clock.now();
    this.changed(t, 'SUSPENDED'); // what Slurm now says; `poll` answers from it
  }

  /** Records the state an action just gave the job, and keeps older answers from overwriting it. */
  private changed(t: Tracked, state: string): void {
    t.version += 1;
    this.queries.invalidate();
    if (!t.last?.exit) t.last = { ...(t.last ?? { id: t.slurmId ?? '', name: t.name, held: false }), state };
  }

  async continue(handle: RunHandle): Promise<void> {
    const t = this.trackedOf(handle.runId, handle.jobId);
    const settle = (t.suspendedAtMs ?? -Infinity) + SUSPEND_SETTLE_MS - this.options.clock.now();
    if (settle > 0) await sleep(settle);
    await this.retryingTransient('resume', handle);
    t.suspendedAtMs = undefined;
    this.changed(t, 'RUNNING');
  }

  /**
   * `scontrol suspend|resume`, tried again while slurmd is still busy with the job's previous
   * change (22.05 answers "Unexpected message received for job N" or "Resource temporarily
   * unavailable" for a while after a suspend on a loaded node; seen in CI).
   */
  private async retryingTransient(verb: 'suspend' | 'resume', handle: RunHandle): Promise<void> {
    const id = await this.slurmIdOf(handle);
    for (let attempt = 1; ; attempt++) {
      const r = await this.slurm('scontrol', [verb, id], handle.jobId, attempt < TRANSIENT_TRIES);
      if (r.ok) return;
      if (r.unreachable) throw this.unavailableError(handle.jobId, r.stderr);
      if (!TRANSIENT_SCONTROL.test(r.stderr)) {
        throw new ExecutorError(`scontrol ${verb} ${id} failed: ${r.stderr.trim().slice(0, 500)}`, handle.jobId);
      }
      await sleep(TRANSIENT_RETRY_MS);
    }
  }

  /** SIGKILL to the whole batch step (`scancel --signal=KILL --full`); a plain `scancel` if the job is pending or still there after 10 s. */
  async kill(handle: RunHandle): Promise<RunExit> {
    const first = await this.refresh(handle);
    if (first.state === 'exited') return first.exit!;
    const id = await this.slurmIdOf(handle);
    const pending = this.trackedOf(handle.runId, handle.jobId).last?.state === 'PENDING';
    await this.slurm('scancel', pending ? [id] : ['--signal=KILL', '--full', id], handle.jobId);
    for (let waited = 0; ; waited += 200) {
      const p = await this.refresh(handle);
      if (p.state === 'exited') return p.exit!;
      if (waited === 10_000) await this.slurm('scancel', [id], handle.jobId);
      await sleep(200);
    }
  }

  events(handle: RunHandle, offset: number): { events: JobEvent[]; nextOffset: number } {
    const { base, rel, ownerUid } = trustedRunFile(this.options.stateDir, handle.eventsPath);
    const r = readEventsBeneath(base, rel, offset, ownerUid);
    return { events: r.events, nextOffset: r.nextOffset };
  }

  /** Re-attaches by the Slurm job id the ledger kept, else by the run's job name (a daemon that died before recording the id). */
  adopt(run: AdoptableRun, job: JobRecord): RunHandle {
    const t = this.trackedOf(run.id, job.id, job.uid);
    const handle = this.handleOf(job, run.id);
    if (run.logPath) handle.logPath = run.logPath;
    t.slurmId = run.executorRef ?? undefined;
    // Synchronously, once: the reconciliation polls next and must see a run that ended meanwhile.
    this.queries.askSync(this.update(handle));
    handle.executorRef = t.slurmId ?? null;
    return handle;
  }

  // ---- Slurm queries (generators run by ./slurm/queries) ------------------------------

  /** The run's job: by id when known, else by name; undefined when Slurm knows no such job. */
  private *lookup(handle: RunHandle): Query<SlurmJobInfo | undefined | 'unreachable'> {
    const t = this.trackedOf(handle.runId, handle.jobId);
    if (!t.slurmId) {
      const found = yield* this.findByName(t.name, t.uid);
      if (found === 'unreachable' || !found) return found;
      t.slurmId = found.id;
      handle.executorRef = found.id;
    }
    const queued = yield* this.squeue();
    if (queued === 'unreachable') return queued;
    return queued.find((j) => j.id === t.slurmId) ?? (yield* this.sacct(['-j', t.slurmId!]))?.find((j) => j.id === t.slurmId);
  }

  /**
   * The job named `name` of the run's owner (`uid`; any owner when null): a live one first, else
   * the newest the controller or the accounting remembers — unless `liveOnly`.
   */
  private *findByName(name: string, uid: number | null, liveOnly = false): Query<SlurmJobInfo | undefined | 'unreachable'> {
    const queued = yield* this.squeue();
    if (queued === 'unreachable') return queued;
    const mine = (jobs: SlurmJobInfo[]): SlurmJobInfo[] => jobs.filter((j) => j.name === name && (uid === null || j.uid === undefined || j.uid === uid))
      .sort((a, b) => Number(b.id) - Number(a.id));
    const live = mine(queued).find((j) => pollStateOf(j.state) !== 'exited');
    if (live || liveOnly) return live;
    return mine(queued)[0] ?? mine((yield* this.sacct(['--name', name])) ?? [])[0];
  }

  /**
   * Every job the controller holds in memory (22.05's `squeue --json` ignores `--jobs`: callers
   * filter). A listing with errors (22.05, controller down) counts as unreachable.
   */
  private *squeue(): Query<SlurmJobInfo[] | 'unreachable'> {
    const r = yield { command: 'squeue', args: [...QUEUE_ARGS] };
    if (r.ok) {
      try {
        const jobs = parseJobsJson(r.stdout);
        this.setAvailability(undefined);
        return jobs;
      } catch (err) {
        if (err instanceof SlurmQueueError) return this.markUnreachable({ ...r, stderr: err.message });
        /* not JSON: a Slurm without --json */
      }
    }
    if (r.unreachable) return this.markUnreachable(r);
    const text = yield { command: 'squeue', args: ['-h', '--states=all', '-o', '%i|%T|%j|%r|%U'] };
    if (text.unreachable) return this.markUnreachable(text);
    if (!text.ok) throw new ExecutorError(`squeue failed: ${text.stderr.trim().slice(0, 300)}`);
    this.setAvailability(undefined);
    // No exit codes in squeue's text: ended jobs get theirs from scontrol.
    const jobs: SlurmJobInfo[] = [];
    for (const j of parseSqueueText(text.stdout)) jobs.push(pollStateOf(j.state) === 'exited' ? { ...j, exit: finalExit(j.state, yield* this.scontrolExit(j)) } : j);
    return jobs;
  }

  private markUnreachable(r: SlurmResult): 'unreachable' {
    this.setAvailability(`slurmctld unreachable: ${r.stderr.trim().slice(0, 300)}`);
    return 'unreachable';
  }

  /** `sacct` rows for a job id or name (undefined when accounting is off or fails). */
  private *sacct(filter: string[]): Query<SlurmJobInfo[] | undefined> {
    const r = yield { command: 'sacct', args: ['-X', '-n', '--parsable2', '-o', 'JobID,JobName,State,ExitCode', '-S', '2000-01-01', ...filter] };
    return r.ok ? parseSacctText(r.stdout) : undefined;
  }

  private *scontrolExit(job: SlurmJobInfo): Query<RunExit | undefined> {
    const r = yield { command: 'scontrol', args: ['show', 'job', '-o', job.id] };
    const m = r.ok ? /\bExitCode=(\d+:\d+)/.exec(r.stdout) : null;
    return m ? exitOfPair(m[1]!) : undefined;
  }

  /** Runs a Slurm action; an unreachable controller throws `SlurmUnavailableError`, another failure `ExecutorError` (unless `tolerant`). */
  private async slurm(command: string, args: string[], jobId: string, tolerant = false): Promise<SlurmResult> {
    const r = await runSlurm(command, args, this.timeoutMs);
    this.queries.invalidate(); // an action changes the queue: the next listing is asked for after it
    if (r.unreachable) {
      this.setAvailability(`slurmctld unreachable: ${r.stderr.trim().slice(0, 300)}`);
      if (!tolerant) throw this.unavailableError(jobId, r.stderr);
    } else if (r.ok) this.setAvailability(undefined);
    if (!r.ok && !tolerant && !r.unreachable) throw new ExecutorError(`${command} ${args.join(' ')} failed: ${r.stderr.trim().slice(0, 500)}`, jobId);
    return r;
  }

  private setAvailability(reason: string | undefined): void {
    if (reason !== undefined && this.unavailable === undefined) this.logger.warn('Slurm site unavailable: runs keep their last known state', { reason });
    if (reason === undefined && this.unavailable !== undefined) this.logger.info('Slurm site available again');
    this.unavailable = reason;
  }

  private unavailableError(jobId: string, detail?: string): SlurmUnavailableError {
    const why = detail?.trim() || this.unavailable || 'slurmctld does not answer';
    return new SlurmUnavailableError(`Slurm site ${this.options.site ?? ''} is unavailable: ${why.slice(0, 300)}`.replace('site  is', 'site is'), jobId, this.options.site);
  }

  private async slurmIdOf(handle: RunHandle): Promise<string> {
    const t = this.trackedOf(handle.runId, handle.jobId);
    if (!t.slurmId && (await this.queries.ask(this.lookup(handle))) === 'unreachable') throw this.unavailableError(handle.jobId);
    if (!t.slurmId) throw new ExecutorError(`run ${handle.runId} of job ${handle.jobId} has no Slurm job`, handle.jobId);
    return t.slurmId;
  }

  // ---- files ---------------------------------------------------------------------------

  private handleOf(job: JobRecord, runId: number): RunHandle {
    const dir = this.runDir(job, runId);
    return { runId, jobId: job.id, pid: null, pidStartTicks: null, executorRef: this.tracked.get(runId)?.slurmId ?? null,
      logPath: path.join(dir, 'output.log'), eventsPath: path.join(dir, 'events.jsonl'), checkpointDir: job.checkpointDir };
  }

  private trackedOf(runId: number, jobId: string, uid: number | null = null): Tracked {
    let t = this.tracked.get(runId);
    if (!t) this.tracked.set(runId, (t = { name: slurmJobName(jobId, runId), uid, version: 0 }));
    else if (uid !== null) t.uid = uid;
    return t;
  }
}


function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((r) => {
    const timer = setTimeout(r, ms);
    if (unref) timer.unref();
  });
}
