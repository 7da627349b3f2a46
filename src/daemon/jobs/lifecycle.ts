/**
 * The daemon's job lifecycle (DESIGN §3 steps 4–6, §7): collect what runs reported,
 * plan through the injected `PlanSource`, apply the decisions through the executors,
 * record every transition. Reconciles on start (no job lost, duplicated or started
 * twice) and checkpoints-and-pauses running jobs on a graceful stop.
 */
import { ExecutorError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import { checkpointsOf, markCheckpointCorrupt, recordCheckpoint, type CheckpointRecord } from '../../ledger/checkpoints';
import { recordTransfer } from '../../ledger/transfers';
import { insertEnergySamples } from '../../ledger/energy';
import { copyCheckpoint, TransferError } from '../../executors/transfer';
import { isRoot, ownUid } from '../../os/users';
import { ensureUserArea } from '../state-files';
import { checkpointDirAt, ensureCheckpointRoot, isAvailableAt, jobAt, resumeCandidates, siteHolding } from './checkpoint-sites';
import { appendTransition, currentState, getJob, jobsWithManualOverride, listJobsInStates, type JobRecord } from '../../ledger/jobs';
import { recordPlan } from '../../ledger/plans';
import { endRun, insertRun, openRunOf, openRuns, setRunProcess, type RunRecord } from '../../ledger/runs';
import type { RunExit, RunHandle } from '../../executors/types';
import type { Decision, Plan } from '../../../scheduler/types';
import { runEverything } from './default-plan';
import { buildPlanInput } from './plan-input';
import { drainEvents, finishRun, recordAck, settleLostSteps, type RunEndContext } from './record';
import { reconcile, type ReconcileReport } from './reconcile';
import { retainCheckpoints } from './retention';
import { retryDueAtMs } from './retry';
import { probeDisk } from '../disk/health';
import { checkSites, publishSiteHealth, type SiteHealth } from './site-health';
import type { JobLifecycleDeps, SiteModel } from './types';

export const DEFAULT_SLOT_MS = 300_000;

export class JobLifecycle {
  private readonly handles = new Map<number, RunHandle>();
  private readonly offsets = new Map<number, number>();
  private readonly pausing = new Map<string, Promise<void>>();
  /** Checkpoint copies in flight to another site's storage, by job (./checkpoint-sites, docs/sites.md). */
  private readonly moving = new Map<string, Promise<void>>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly logger: Logger;
  private planNextWakeMs = Infinity;
  private siteHealth = new Map<string, SiteHealth>();

  constructor(private readonly deps: JobLifecycleDeps) {
    this.logger = deps.logger.child({ component: 'jobs' });
  }

  private site(name: string): SiteModel | undefined {
    return this.deps.sites.find((s) => s.name === name);
  }

  /** One tick: collect events and exits, plan, persist the plan, apply it. Returns the plan. */
  async tick(nowMs: number): Promise<Plan> {
    await this.checkSiteHealth(nowMs);
    await this.collect(nowMs);
    const signal = this.deps.planSignal ? await this.deps.planSignal(nowMs) : { series: {}, failOpenReason: 'no carbon signal wired into the job lifecycle' };
    const input = buildPlanInput(this.deps.db, { nowMs, slotMs: this.deps.slotMs ?? DEFAULT_SLOT_MS, safetyMarginMs: this.deps.safetyMarginMs ?? 0,
      policy: this.deps.policy ?? 'baseline', sites: this.plannableSites(), signal });
    const plan = (this.deps.planSource ?? runEverything)(input);
    this.planNextWakeMs = plan.nextWakeMs;
    if (input.jobs.length > 0) {
      recordPlan(this.deps.db, { createdAtMs: nowMs, policy: plan.policy, nextWakeMs: plan.nextWakeMs, planJson: JSON.stringify(plan),
        decisions: plan.decisions.map((d) => ({ jobId: d.jobId, action: d.action, site: d.site ?? null, reason: d.reason })) });
    }
    // A `keep` changes nothing unless the owner overrode the plan: skipping those saves two
    // ledger reads per job per tick (a 1,000-job burst: peak RSS and tick time).
    const overridden = jobsWithManualOverride(this.deps.db);
    for (const d of plan.decisions) {
      if (d.action === 'keep' && !overridden.has(d.jobId)) continue;
      if (this.touchesUnavailableSite(d)) continue;
      try {
        await this.apply(d, nowMs);
      } catch (err) {
        this.logger.error('could not apply decision', { jobId: d.jobId, action: d.action, err });
      }
    }
    return plan;
  }

  /** Asks every site whether it can take orders (./site-health); logs each change; publishes for `status`. */
  private async checkSiteHealth(nowMs: number): Promise<void> {
    if (!this.deps.sites.some((s) => s.executor.health)) return;
    const before = this.siteHealth;
    this.siteHealth = await checkSites(this.deps.sites, nowMs, before);
    for (const h of this.siteHealth.values()) {
      const was = before.get(h.site)?.available ?? true;
      if (was && !h.available) this.logger.warn('site unavailable: no new work goes there, its runs are left as they are', { site: h.site, reason: h.reason });
      if (!was && h.available) this.logger.info('site available again', { site: h.site });
    }
    publishSiteHealth(this.deps.db, this.siteHealth.values());
  }

  private unavailable(site: string | undefined): boolean {
    return site !== undefined && this.siteHealth.get(site)?.available === false;
  }

  /**
   * The sites as the planner sees them: an unavailable one has no free GPU (its capacity is
   * what its runs hold), so no work is placed there until it is back.
   */
  private anySiteUnavailable(): boolean {
    for (const h of this.siteHealth.values()) if (!h.available) return true;
    return false;
  }

  private plannableSites(): readonly SiteModel[] {
    if (!this.anySiteUnavailable()) return this.deps.sites;
    const held = new Map<string, { gpus: number; runs: number }>();
    for (const r of openRuns(this.deps.db)) {
      const h = held.get(r.site) ?? { gpus: 0, runs: 0 };
      h.gpus += r.gpuIds === '' ? 0 : r.gpuIds.split(',').length;
      h.runs += 1;
      held.set(r.site, h);
    }
    // Its GPUs and its job places are what its runs hold: no room for a job without GPUs either.
    return this.deps.sites.map((s) => (this.unavailable(s.name) ? { ...s, gpus: held.get(s.name)?.gpus ?? 0, maxJobs: held.get(s.name)?.runs ?? 0 } : s));
  }

  /** Whether a decision would start work on, or act on a run at, a site that cannot take orders now. */
  private touchesUnavailableSite(d: Decision): boolean {
    if (!this.anySiteUnavailable()) return false;
    const runSite = openRunOf(this.deps.db, d.jobId)?.site;
    if (!this.unavailable(d.site) && !this.unavailable(runSite)) return false;
    this.logger.info('decision deferred: site unavailable', { jobId: d.jobId, action: d.action, site: d.site ?? runSite });
    return true;
  }

  /** The last plan's next decision time: when the daemon ticks next at the latest, besides its cron (./wake). */
  get nextWakeMs(): number {
    return this.planNextWakeMs;
  }

  /** Records new events of every live run and ends runs that exited on their own. */
  async collect(nowMs: number): Promise<void> {
    for (const run of openRuns(this.deps.db)) {
      const handle = this.handles.get(run.id);
      const job = getJob(this.deps.db, run.jobId)!;
      const site = this.site(run.site);
      if (!handle || !site || this.pausing.has(job.id)) continue;
      // Poll first, then read: a run that wrote its last events and exited between a read and
      // a poll would otherwise be recorded as finished short of its final step.
      const polled = site.executor.poll(handle);
      this.offsets.set(run.id, await drainEvents(this.deps.db, job, handle, site.executor, this.offsets.get(run.id) ?? 0, this.deps.verifyCheckpoint, nowMs));
      if (polled.state === 'exited') {
        await this.finish(job, run.id, polled.exit!, { pauseRequested: false, killedByCarbond: false, reason: 'exited' }, nowMs);
      }
    }
  }

  /** Applies one decision, with the owner's manual override taking precedence. */
  async apply(decision: Decision, nowMs: number): Promise<void> {
    const job = getJob(this.deps.db, decision.jobId);
    const state = job && currentState(this.deps.db, job.id);
    if (!job || !state || this.pausing.has(job.id) || this.moving.has(job.id)) return;
    let action = decision.action;
    if (job.manualOverride === 'pause') action = 'pause';
    if (job.manualOverride === 'resume') action = state === 'running' ? 'keep' : 'resume';
    const reason = job.manualOverride ? `manual ${job.manualOverride} by the owner` : decision.reason;
    const site = decision.site ?? openRunOf(this.deps.db, job.id)?.site ?? job.homeSite;
    if ((action === 'start' || action === 'resume') && (state === 'queued' || state === 'paused')) await this.startRun(job, site, nowMs, reason);
    else if ((action === 'start' || action === 'resume') && state === 'suspended') await this.continueRun(job, nowMs, reason);
    else if ((action === 'pause' || (action === 'migrate' && decision.site !== openRunOf(this.deps.db, job.id)?.site)) && state === 'running') await this.pauseRun(job, nowMs, reason);
    else if (action === 'migrate' && state === 'paused') await this.startRun(job, site, nowMs, reason);
  }

  /**
   * The newest checkpoint that still verifies, the copy already at `site` first when there is
   * one of that step; ones that no longer verify are marked corrupt (never resumed from).
   */
  private async resumePoint(job: JobRecord, site: SiteModel): Promise<CheckpointRecord | undefined> {
    for (;;) {
      const verified = checkpointsOf(this.deps.db, job.id).filter((c) => c.status === 'verified');
      const c = resumeCandidates(verified, site, job)[0];
      if (!c) return undefined;
      try {
        // Verified where it lies: within the job's checkpoint dir at the site that holds it.
        await this.deps.verifyCheckpoint({ path: c.path, step: c.step }, jobAt(job, siteHolding(c.path, this.deps.sites, job, site.name)));
        return c;
      } catch (err) {
        markCheckpointCorrupt(this.deps.db, c.id, (err as Error).message);
        this.logger.warn('checkpoint failed verification before resume: falling back to the previous one', { jobId: job.id, path: c.path, err });
      }
    }
  }

  /** GPU ids free on `site` for `count` GPUs, e.g. '1,2'; undefined when too few are free. */
  private allocateGpus(site: SiteModel, count: number): string | undefined {
    if (count === 0) return '';
    const used = new Set(openRuns(this.deps.db).filter((r) => r.site === site.name && r.gpuIds !== '').flatMap((r) => r.gpuIds.split(',')));
    const free = Array.from({ length: site.gpus }, (_, i) => String(i)).filter((id) => !used.has(id));
    return free.length >= count ? free.slice(0, count).join(',') : undefined;
  }

  private async startRun(job: JobRecord, siteName: string, nowMs: number, reason: string): Promise<void> {
    const site = this.site(siteName);
    if (!site) throw new ExecutorError(`job ${job.id}: site ${siteName} is not configured`, job.id);
    if (openRunOf(this.deps.db, job.id)) return; // never two runs of one job
    if (this.waitingToRetry(job, nowMs)) return;
    const disk = this.diskProblem();
    if (disk) {
      this.logger.warn('not starting: no room to work', { jobId: job.id, problem: disk });
      return;
    }
    const gpuIds = this.allocateGpus(site, job.gpus);
    if (gpuIds === undefined) {
      this.logger.info('waiting for GPUs', { jobId: job.id, site: site.name, gpus: job.gpus });
      return;
    }
    const ckpt = await this.resumePoint(job, site);
    if (ckpt && !isAvailableAt(ckpt.path, site, job)) {
      // Its checkpoint is in another site's storage: copy it here first; the job stays paused
      // and starts here on the tick after the copy is verified (the plan may have changed by then).
      this.beginMove(job, ckpt, site, reason);
      return;
    }
    const here = jobAt(job, site);
    if (site.checkpointRoot) {
      ensureCheckpointRoot(site.name, site.checkpointRoot, job.id);
      if (here.uid !== null && (isRoot() || here.uid === ownUid())) ensureUserArea(site.checkpointRoot, here.uid, here.gid ?? here.uid);
    }
    settleLostSteps(this.deps.db, job.id, ckpt?.step ?? 0);
    const run = insertRun(this.deps.db, { jobId: job.id, site: site.name, startedAtMs: nowMs, gpuIds, resumedFrom: ckpt?.id ?? null, startStep: ckpt?.step ?? 0 });
    let handle: RunHandle;
    try {
      await holdForTest(this.deps.testDelays?.afterRunInsertMs);
      handle = await site.executor.start(here, { runId: run.id, gpuIds }, ckpt ? { path: ckpt.path, step: ckpt.step } : undefined);
      await holdForTest(this.deps.testDelays?.beforePidRecordMs);
    } catch (err) {
      this.deps.db.transaction(() => {
        endRun(this.deps.db, run.id, { endedAtMs: nowMs, exitKind: 'failed', exitCode: null, exitSignal: null, lostSteps: 0 });
        appendTransition(this.deps.db, job.id, 'failed', nowMs, `could not start: ${(err as Error).message}`);
      })();
      throw err;
    }
    setRunProcess(this.deps.db, run.id, { pid: handle.pid, pidStartTicks: handle.pidStartTicks, executorRef: handle.executorRef, logPath: handle.logPath });
    this.track(run.id, handle, site);
    appendTransition(this.deps.db, job.id, 'running', nowMs, ckpt ? `${reason} (resumed from step ${ckpt.step} on ${site.name})` : `${reason} (started on ${site.name})`);
  }

  /**
   * Whether the job's last run failed less than its retry backoff ago (./retry). If so, a tick
   * is asked for when the wait is over (the planner may not wake before).
   */
  private waitingToRetry(job: JobRecord, nowMs: number): boolean {
    const dueAtMs = retryDueAtMs(this.deps.db, job.id, this.deps.retryBackoff);
    if (dueAtMs === undefined || dueAtMs <= nowMs) return false;
    if (!this.retryTimers.has(job.id)) {
      this.logger.info('waiting to retry', { jobId: job.id, retryAt: new Date(dueAtMs).toISOString() });
      const timer = setTimeout(() => { this.retryTimers.delete(job.id); this.deps.requestTick?.(`job ${job.id}: retry due`); }, dueAtMs - nowMs);
      timer.unref(); // must not keep a stopping daemon alive
      this.retryTimers.set(job.id, timer);
    }
    return true;
  }

  /** Keeps the handle and asks for a tick as soon as the run exits (so exits are recorded promptly). */
  private track(runId: number, handle: RunHandle, site: SiteModel): void {
    this.handles.set(runId, handle);
    this.offsets.set(runId, 0);
    site.executor.wait(handle).then(
      () => { if (this.handles.has(runId)) this.deps.requestTick?.(`run ${runId} exited`); },
      (err: unknown) => this.logger.warn('waiting for a run failed', { runId, err }),
    );
  }

  private async continueRun(job: JobRecord, nowMs: number, reason: string): Promise<void> {
    const { run, handle, site } = this.live(job);
    await site.executor.continue(handle);
    appendTransition(this.deps.db, job.id, 'running', nowMs, `${reason} (SIGCONT, run ${run.id})`);
  }

  private live(job: JobRecord): { run: RunRecord; handle: RunHandle; site: SiteModel } {
    const run = openRunOf(this.deps.db, job.id);
    const handle = run && this.handles.get(run.id);
    const site = run && this.site(run.site);
    if (!run || !handle || !site) throw new ExecutorError(`job ${job.id} has no live run`, job.id);
    return { run, handle, site };
  }

  /** checkpoint mode: pause signal → ack + exit (background, bounded by the timeout); suspend mode: SIGSTOP. */
  private async pauseRun(job: JobRecord, nowMs: number, reason: string): Promise<void> {
    const { run, handle, site } = this.live(job);
    if (job.mode === 'suspend') {
      await site.executor.suspend(handle);
      appendTransition(this.deps.db, job.id, 'suspended', nowMs, `${reason} (SIGSTOP, run ${run.id})`);
      return;
    }
    appendTransition(this.deps.db, job.id, 'pausing', nowMs, `${reason} (${job.pauseSignal} to run ${run.id})`);
    this.awaitPause(job, run, handle, site);
  }

  /** Waits for a pause in the background and records its outcome. */
  private awaitPause(job: JobRecord, run: RunRecord, handle: RunHandle, site: SiteModel): void {
    const done = (async (): Promise<void> => {
      const offset = this.offsets.get(run.id) ?? 0;
      const result = await site.executor.requestPause(handle, { signal: job.pauseSignal as NodeJS.Signals, checkpointTimeoutMs: job.checkpointTimeoutMs });
      const nowMs = this.deps.clock.now();
      for (const ack of result.checkpoints) recordAck(this.deps.db, job.id, run.id, ack, nowMs);
      const fresh = getJob(this.deps.db, job.id)!;
      this.offsets.set(run.id, await drainEvents(this.deps.db, fresh, handle, site.executor, offset, this.deps.verifyCheckpoint, nowMs));
      await this.finish(fresh, run.id, result.exit, { pauseRequested: true, killedByCarbond: result.outcome === 'killed',
        newVerifiedCheckpoint: result.checkpoints.some((c) => c.verified), reason: `pause ${result.outcome} after ${result.latencyMs} ms` }, nowMs);
      if (this.deps.pruneCheckpoints !== false && currentState(this.deps.db, job.id) === 'paused') await retainCheckpoints(this.deps.db, jobAt(fresh, site), this.deps.keepCheckpoints ?? 3, this.deps.clock, this.logger, this.deps.areaRoots ?? this.deps.stateDir);
    })().catch((err: unknown) => this.logger.error('pause failed', { jobId: job.id, runId: run.id, err }))
      .finally(() => {
        this.pausing.delete(job.id);
        this.deps.requestTick?.(`job ${job.id} paused`);
      });
    this.pausing.set(job.id, done);
  }

  /**
   * Copies the job's checkpoint `ckpt` into `to`'s storage in the background (as the owner,
   * verified on arrival: ../../executors/transfer) and records the copy: a `checkpoint_transfers`
   * row with its measured time (the planner's move cost) and, when it verified, a `checkpoints`
   * row at the destination that a start there resumes from. The source is never touched. A
   * failed copy is recorded too, and the planner keeps the job off that site for a while
   * (./move-cost). A tick is asked for when it ends.
   */
  private beginMove(job: JobRecord, ckpt: CheckpointRecord, to: SiteModel, reason: string): void {
    const from = siteHolding(ckpt.path, this.deps.sites, job);
    const destination = checkpointDirAt(to, job);
    const owner = { uid: job.uid ?? ownUid(), gid: job.gid ?? process.getgid?.() ?? 0 };
    const startedAtMs = this.deps.clock.now();
    this.logger.info('moving checkpoint', { jobId: job.id, from: from?.name ?? null, to: to.name, step: ckpt.step, source: ckpt.path, destination, reason });
    const row = { jobId: job.id, fromSite: from?.name ?? '(unknown)', toSite: to.name, source: ckpt.path, step: ckpt.step };
    const done = (async (): Promise<void> => {
      try {
        if (to.checkpointRoot) {
          ensureCheckpointRoot(to.name, to.checkpointRoot, job.id);
          if (isRoot() || owner.uid === ownUid()) ensureUserArea(to.checkpointRoot, owner.uid, owner.gid);
        }
        const copied = await (this.deps.copyCheckpoint ?? copyCheckpoint)({ jobId: job.id, from: { path: ckpt.path }, to: { root: destination }, owner, clock: this.deps.clock });
        const endedAtMs = this.deps.clock.now();
        this.deps.db.transaction(() => {
          recordTransfer(this.deps.db, { ...row, destination: copied.path, bytes: copied.bytes, startedAtMs, endedAtMs, seconds: copied.seconds, outcome: 'ok', error: null });
          recordCheckpoint(this.deps.db, { jobId: job.id, runId: null, path: copied.path, step: copied.step, createdAtMs: endedAtMs, bytes: copied.bytes, status: 'verified', error: null });
          this.chargeTransfer(job, to, startedAtMs, endedAtMs);
        })();
        this.logger.info('checkpoint moved and verified', { jobId: job.id, to: to.name, step: copied.step, bytes: copied.bytes, seconds: copied.seconds });
      } catch (err) {
        const endedAtMs = this.deps.clock.now();
        const corrupt = err instanceof TransferError && err.corrupt;
        this.deps.db.transaction(() => {
          recordTransfer(this.deps.db, { ...row, destination, bytes: 0, startedAtMs, endedAtMs, seconds: (endedAtMs - startedAtMs) / 1000,
            outcome: corrupt ? 'corrupt' : 'failed', error: (err as Error).message });
          this.chargeTransfer(job, to, startedAtMs, endedAtMs);
        })();
        this.logger.warn(corrupt ? 'checkpoint copy arrived corrupt: removed, not resumed from' : 'checkpoint copy failed', { jobId: job.id, to: to.name, err });
      }
    })().catch((err: unknown) => this.logger.error('checkpoint move failed', { jobId: job.id, err }))
      .finally(() => {
        this.moving.delete(job.id);
        this.deps.requestTick?.(`job ${job.id}: checkpoint copy to ${to.name} ended`);
      });
    this.moving.set(job.id, done);
  }

  /**
   * Books a copy's energy to the job: its time at the destination's CPU power (`jobPowerW(0)`,
   * the site's `cpuPowerW`: a process moving data, no GPU held), in the destination's zone, as
   * an overhead sample without a run — reports count it in the job's actual emissions and
   * where it was spent; the baseline never moves, so it has none.
   */
  private chargeTransfer(job: JobRecord, to: SiteModel, startedAtMs: number, endedAtMs: number): void {
    const durationMs = Math.max(0, endedAtMs - startedAtMs);
    const powerW = to.jobPowerW(0);
    if (durationMs === 0 || !(powerW > 0)) return;
    insertEnergySamples(this.deps.db, [{ jobId: job.id, runId: null, site: to.name, zone: to.zone, startMs: startedAtMs, durationMs,
      energyKWh: (powerW * durationMs) / 3_600_000_000, powerW, meter: 'transfer', overhead: true }]);
  }

  /**
   * Why the state dir's disk cannot take work now (full or read-only; ../disk/health), or
   * undefined. Probed when it matters: before a start and when a run ends.
   */
  private diskProblem(): string | undefined {
    return this.deps.stateDir === undefined ? undefined : probeDisk(this.deps.stateDir).problem ?? undefined;
  }

  private async finish(job: JobRecord, runId: number, exit: RunExit, ctx: RunEndContext, nowMs: number): Promise<void> {
    const disk = exit.code === 0 ? undefined : this.diskProblem();
    const withDisk = disk ? { ...ctx, diskProblem: disk } : ctx;
    finishRun(this.deps.db, this.logger, job, runId, exit, this.deps.retryBackoff ? { ...withDisk, retryBackoff: this.deps.retryBackoff } : withDisk, nowMs);
    this.handles.delete(runId);
    this.offsets.delete(runId);
  }

  /** Kills a live run (if any) and moves the job to `cancelled`. */
  async cancel(jobId: string, nowMs: number, reason: string): Promise<void> {
    const job = getJob(this.deps.db, jobId)!;
    const run = openRunOf(this.deps.db, jobId);
    const handle = run && this.handles.get(run.id);
    const site = run && this.site(run.site);
    if (run && handle && site) {
      const exit = await site.executor.kill(handle);
      await this.finish(job, run.id, exit, { pauseRequested: false, killedByCarbond: true, nextState: 'cancelled', reason }, nowMs);
    } else if (run) {
      endRun(this.deps.db, run.id, { endedAtMs: nowMs, exitKind: 'killed', exitCode: null, exitSignal: null, lostSteps: 0 });
    }
    if (currentState(this.deps.db, jobId) !== 'cancelled') appendTransition(this.deps.db, jobId, 'cancelled', nowMs, reason);
  }

  /** Resolves when every pause and checkpoint copy in flight has been recorded. */
  async idle(): Promise<void> {
    while (this.pausing.size > 0 || this.moving.size > 0) await Promise.all([...this.pausing.values(), ...this.moving.values()]);
  }

  /** Whether a checkpoint copy to another site is in flight for the job. */
  isMoving(jobId: string): boolean {
    return this.moving.has(jobId);
  }

  /** Graceful stop (DESIGN §7): checkpoint-and-pause every running checkpoint-mode job and wait. suspend-mode jobs are left as they are and re-adopted. */
  async pauseAll(nowMs: number, reason: string): Promise<void> {
    for (const { job } of listJobsInStates(this.deps.db, ['running'])) {
      if (job.mode === 'checkpoint' && !this.pausing.has(job.id)) {
        try { await this.pauseRun(job, nowMs, reason); } catch (err) { this.logger.error('could not pause on stop', { jobId: job.id, err }); }
      }
    }
    // Pauses only: a checkpoint copy in flight may take hours; left unfinished, its temporary
    // copy is never taken for a checkpoint and the store's cleanup removes it.
    while (this.pausing.size > 0) await Promise.all([...this.pausing.values()]);
  }

  /** Startup reconciliation; see ./reconcile. */
  async reconcile(nowMs: number): Promise<ReconcileReport> {
    return reconcile(this.deps, nowMs, {
      adopted: (run, handle) => this.track(run.id, handle, this.site(run.site)!),
      finish: (job, runId, exit, ctx) => this.finish(job, runId, exit, ctx, nowMs),
      repause: (job, run, handle, site) => this.awaitPause(job, run, handle, site),
      drain: async (job, handle, site) => { this.offsets.set(handle.runId, await drainEvents(this.deps.db, job, handle, site.executor, 0, this.deps.verifyCheckpoint, nowMs)); },
    });
  }

  /** The runs with a live process right now (for meters: energy goes to the job holding those GPUs). */
  liveRuns(): Array<{ runId: number; jobId: string; site: string; gpuIds: string; pid: number | null }> {
    return openRuns(this.deps.db).filter((r) => this.handles.has(r.id)).map((r) => ({ runId: r.id, jobId: r.jobId, site: r.site, gpuIds: r.gpuIds, pid: r.pid }));
  }

  /** Whether a pause is in flight for the job. */
  isPausing(jobId: string): boolean {
    return this.pausing.has(jobId);
  }
}

/** A test hook's hold (`JobLifecycleDeps.testDelays`); nothing when unset. */
async function holdForTest(ms: number | undefined): Promise<void> {
  if (ms !== undefined && ms > 0) await new Promise((r) => setTimeout(r, ms));
}
