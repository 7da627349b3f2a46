/**
 * The local-process executor (DESIGN §4): runs a job's argv (no shell unless `useShell`)
 * as the submitting user with that user's groups (ADR 0012), in its own process group, in
 * its cwd, with the protocol environment and `CUDA_VISIBLE_DEVICES`; stdout+stderr go to
 * `<stateDir>/users/<uid>/runs/<runId>/output.log`. The run's files are the user's own,
 * created by the wrapper as that user; the daemon reads them only through `openBeneath`
 * (no symbolic link followed, never a FIFO or device, bounded). Processes are identified by
 * PID + start time; exits survive a daemon restart through the wrapper's exit file
 * (`local-wrapper.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Clock } from '../core/clock';
import { ExecutorError } from '../core/errors';
import type { Logger } from '../core/logger';
import { nullLogger } from '../core/logger';
import type { JobRecord } from '../ledger/jobs';
import { readBeneath } from '../os/beneath';
import { ownUid } from '../os/users';
import { ensureUserArea, userAreaOf } from '../daemon/state-files';
import { readEventsBeneath, type JobEvent } from './events';
import { findRunWrapper, killRunLeftovers, parseExitFile, parsePidFile, runWrapperIdentity, wrapperArgv } from './local-wrapper';
import { childrenOf, livenessOf, readCmdline, readStartTicks, signalGroup } from './proc';
import { verifyAcks } from './pause';
import { eventsUpTo, runAsUser, runFileSize, trustedRunFile } from './run-files';
import type { AdoptableRun, PauseOptions, PauseResult, ResumePoint, RunExecutor, RunExit, RunHandle, RunPoll, RunStartSpec, VerifyCheckpoint } from './types';

export interface LocalProcessExecutorOptions {
  /** Runs live under `<stateDir>/users/<uid>/runs/<runId>/`. */
  stateDir: string;
  clock: Clock;
  verifyCheckpoint: VerifyCheckpoint;
  logger?: Logger;
  /** How often an adopted (not our child) run is polled for its exit, ms. Default 100. */
  adoptedPollMs?: number;
}

interface Tracked {
  child?: ChildProcess;
  /** Set once the wrapper has been seen running the command (a pause signal then reaches it). */
  commandSeen?: boolean;
  /** The events file was refused (not a regular file, a link) and that was logged. */
  refusedLogged?: boolean;
  exited?: Promise<RunExit>;
  exit?: RunExit;
}

/** Longest wait for a just-started wrapper to run its command before a pause signal is sent anyway, ms. */
const COMMAND_START_WAIT_MS = 2_000;
const COMMAND_POLL_MS = 5;
/** Read windows (1 MiB each) scanned for the checkpoint acknowledgement after a pause. */
const PAUSE_READ_WINDOWS = 16;

export class LocalProcessExecutor implements RunExecutor {
  readonly kind = 'local';
  private readonly tracked = new Map<number, Tracked>();
  private readonly logger: Logger;

  constructor(private readonly options: LocalProcessExecutorOptions) {
    this.logger = (options.logger ?? nullLogger).child({ component: 'executor.local' });
  }

  /** `<stateDir>/users/<uid>/runs/<runId>`: log, events file, pid and exit files, all the job user's. */
  runDir(job: JobRecord, runId: number): string {
    return path.join(userAreaOf(this.options.stateDir, job.uid ?? ownUid()), 'runs', String(runId));
  }

  async start(job: JobRecord, run: RunStartSpec, resumeFrom?: ResumePoint): Promise<RunHandle> {
    const dir = this.runDir(job, run.runId);
    const logPath = path.join(dir, 'output.log');
    const eventsPath = path.join(dir, 'events.jsonl');
    const asUser = runAsUser(job);
    if (asUser || job.uid === null || job.uid === ownUid()) ensureUserArea(this.options.stateDir, asUser?.uid ?? ownUid(), asUser?.gid ?? (process.getgid?.() ?? 0));
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...job.env, ...(asUser?.env ?? {}),
      CARBOND_JOB_ID: job.id, CARBOND_CHECKPOINT_DIR: job.checkpointDir, CARBOND_EVENTS: eventsPath,
      CUDA_VISIBLE_DEVICES: run.gpuIds };
    if (resumeFrom) env['CARBOND_RESUME_FROM'] = resumeFrom.path;
    else delete env['CARBOND_RESUME_FROM'];
    const command = job.useShell ? ['/bin/sh', '-c', job.command.join(' ')] : [...job.command];
    const { file, args } = wrapperArgv(dir, job.cwd, command, asUser);
    let child: ChildProcess;
    try {
      // cwd '/': the wrapper enters the job's directory itself, as the user (a root chdir would
      // let a user start in a directory they cannot enter). Its stderr is read until it moves
      // its output to the log (setpriv's or the setup's complaints).
      child = spawn(file, args, { cwd: '/', env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      throw new ExecutorError(`cannot start job ${job.id}: ${(err as Error).message}`, job.id, { cause: err });
    }
    const setupErr = collectSetupErrors(child);
    const pid = child.pid!;
    const exited = new Promise<RunExit>((resolve) => {
      child.once('exit', (code, signal) => {
        if (code !== 0 && setupErr.text) this.logger.warn('run setup failed', { jobId: job.id, runId: run.runId, code, stderr: setupErr.text });
        const exit: RunExit = { code, signal, known: true };
        tracked.exit = exit;
        resolve(exit);
      });
    });
    const tracked: Tracked = { child, exited };
    this.tracked.set(run.runId, tracked);
    this.logger.info('run started', { jobId: job.id, runId: run.runId, pid, resumeFrom: resumeFrom?.path ?? null, gpus: run.gpuIds });
    return { runId: run.runId, jobId: job.id, pid, pidStartTicks: readStartTicks(pid), executorRef: null, logPath, eventsPath, checkpointDir: job.checkpointDir };
  }

  poll(handle: RunHandle): RunPoll {
    const t = this.tracked.get(handle.runId);
    if (t?.exit) return { state: 'exited', exit: t.exit };
    if (handle.pid !== null) {
      const live = livenessOf(handle.pid, handle.pidStartTicks);
      if (live !== 'gone') return { state: live };
      // Our own child: the 'exit' event is on its way; until then it is still ours and running.
      if (t?.child) return { state: 'running' };
    }
    return { state: 'exited', exit: this.endedOnItsOwn(handle) };
  }

  /**
   * The exit of a run whose wrapper is gone, from its exit file. Without one the wrapper itself
   * was killed (or the box rebooted): the status is unknown, and whatever the run left alive is
   * killed, so that the job, which will be started again, never has two process trees.
   */
  private endedOnItsOwn(handle: RunHandle): RunExit {
    const exit = this.exitFromFile(handle);
    if (!exit.known) {
      const killed = killRunLeftovers(handle.eventsPath, this.ownerOfRun(handle));
      if (killed.length > 0) this.logger.warn('killed what was left of a run whose wrapper vanished', { jobId: handle.jobId, runId: handle.runId, pids: killed });
    }
    this.trackedOf(handle.runId).exit = exit;
    return exit;
  }

  /** The uid whose processes a run's are: the owner's area it lies in, else carbond's own user. */
  private ownerOfRun(handle: RunHandle): number {
    return trustedRunFile(this.options.stateDir, handle.eventsPath).ownerUid ?? ownUid();
  }

  wait(handle: RunHandle): Promise<RunExit> {
    const t = this.tracked.get(handle.runId);
    if (t?.exit) return Promise.resolve(t.exit);
    if (t?.exited) return t.exited;
    const every = this.options.adoptedPollMs ?? 100;
    return new Promise((resolve) => {
      const check = (): void => {
        const p = this.poll(handle);
        if (p.state === 'exited') resolve(p.exit!);
        else setTimeout(check, every).unref(); // must not keep a stopping daemon alive
      };
      check();
    });
  }

  async requestPause(handle: RunHandle, options: PauseOptions): Promise<PauseResult> {
    const offset = runFileSize(this.options.stateDir, handle.eventsPath);
    const t0 = this.options.clock.now();
    await this.commandStarted(handle);
    this.signal(handle, options.signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), options.checkpointTimeoutMs); });
    let exit = await Promise.race([this.wait(handle), timedOut]);
    clearTimeout(timer);
    let outcome: PauseResult['outcome'] | undefined;
    if (!exit) {
      this.logger.warn('run did not checkpoint and exit in time: killing it', { jobId: handle.jobId, runId: handle.runId, timeoutMs: options.checkpointTimeoutMs });
      exit = await this.kill(handle);
      outcome = 'killed';
    }
    const latencyMs = this.options.clock.now() - t0;
    const acks = eventsUpTo((at) => this.events(handle, at), offset, PAUSE_READ_WINDOWS).flatMap((e) => (e.event === 'checkpoint' ? [e] : []));
    const checkpoints = await verifyAcks(acks, { id: handle.jobId, checkpointDir: handle.checkpointDir }, this.options.verifyCheckpoint);
    outcome ??= checkpoints.some((c) => c.verified) ? 'checkpointed' : 'exited';
    return { outcome, exit, checkpoints, latencyMs };
  }

  async suspend(handle: RunHandle): Promise<void> {
    this.signal(handle, 'SIGSTOP');
  }

  async continue(handle: RunHandle): Promise<void> {
    this.signal(handle, 'SIGCONT');
  }

  async kill(handle: RunHandle): Promise<RunExit> {
    if (this.poll(handle).state !== 'exited') signalGroup(handle.pid!, 'SIGKILL');
    return this.wait(handle);
  }

  events(handle: RunHandle, offset: number): { events: JobEvent[]; nextOffset: number } {
    const { base, rel, ownerUid } = trustedRunFile(this.options.stateDir, handle.eventsPath);
    const r = readEventsBeneath(base, rel, offset, ownerUid);
    if (r.refused && !this.trackedOf(handle.runId).refusedLogged) {
      this.trackedOf(handle.runId).refusedLogged = true;
      this.logger.warn('events file not read', { jobId: handle.jobId, runId: handle.runId, reason: r.refused });
    }
    return { events: r.events, nextOffset: r.nextOffset };
  }




  /**
   * Re-attaches by the ledger's PID + start time, or — when the daemon died before recording
   * them — by the wrapper's pid file, or, when the wrapper has not written that yet either, by
   * a scan of /proc for the wrapper of this run dir (its argv holds `carbond-run RUNDIR`).
   */
  adopt(run: AdoptableRun, job: JobRecord): RunHandle {
    const dir = this.runDir(job, run.id);
    let { pid, pidStartTicks } = run;
    if (pid === null) {
      const uid = job.uid ?? ownUid();
      const { base, rel, ownerUid } = trustedRunFile(this.options.stateDir, path.join(dir, 'pid'));
      const read = readBeneath(base, rel, 0, 64, ownerUid);
      const own = read.kind === 'data' ? parsePidFile(read.data.toString('utf8')) : undefined;
      // The pid file is the user's: trust it only for the wrapper of this very run, run as the
      // job's own user, never to signal someone else's process.
      const found = own && runWrapperIdentity(own.pid, dir, uid)?.startTicks === own.startTicks ? own : findRunWrapper(dir, uid);
      if (found) ({ pid, startTicks: pidStartTicks } = found);
    }
    return { runId: run.id, jobId: run.jobId, pid, pidStartTicks, executorRef: run.executorRef,
      logPath: run.logPath ?? path.join(dir, 'output.log'), eventsPath: path.join(dir, 'events.jsonl'), checkpointDir: job.checkpointDir };
  }

  /** The run's tracking entry, created empty for a run this executor did not start (adopted). */
  private trackedOf(runId: number): Tracked {
    let t = this.tracked.get(runId);
    if (!t) this.tracked.set(runId, (t = {}));
    return t;
  }

  /**
   * Resolves once the wrapper runs the command (or has exited, or after `COMMAND_START_WAIT_MS`).
   * A pause signal sent after the wrapper set its no-op traps but before it forked the command
   * would reach only the wrapper, and the command would run on until the checkpoint timeout
   * killed it. The command counts as started when the wrapper has a child whose argv is no
   * longer the wrapper's own (it has exec'd).
   */
  private async commandStarted(handle: RunHandle): Promise<void> {
    const t = this.trackedOf(handle.runId);
    if (t.commandSeen || handle.pid === null) return;
    const pid = handle.pid;
    // Re-read each time: the first look may still see setpriv, which then execs the wrapper.
    for (let waited = 0, own = readCmdline(pid); own !== undefined && this.poll(handle).state !== 'exited'; waited += COMMAND_POLL_MS, own = readCmdline(pid)) {
      if (childrenOf(pid).some((c) => { const argv = readCmdline(c); return argv !== undefined && argv !== own; })) break;
      if (waited >= COMMAND_START_WAIT_MS) return;
      await new Promise((r) => setTimeout(r, COMMAND_POLL_MS));
    }
    t.commandSeen = true;
  }

  /** Signals the run's group, only while it is still the very process we started (never a reused PID). */
  private signal(handle: RunHandle, signal: NodeJS.Signals): void {
    if (handle.pid === null || this.poll(handle).state === 'exited') {
      throw new ExecutorError(`run ${handle.runId} of job ${handle.jobId} is not running (cannot send ${signal})`, handle.jobId);
    }
    signalGroup(handle.pid, signal);
  }

  private exitFromFile(handle: RunHandle): RunExit {
    const { base, rel, ownerUid } = trustedRunFile(this.options.stateDir, path.join(path.dirname(handle.eventsPath), 'exit'));
    const read = readBeneath(base, rel, 0, 64, ownerUid);
    const rc = read.kind === 'data' ? parseExitFile(read.data.toString('utf8')) : undefined;
    if (rc !== undefined) return { code: rc, signal: null, known: true };
    // no exit file: the wrapper itself was killed (SIGKILL, reboot) — status unknown
    return { code: null, signal: null, known: false };
  }
}


/** The first 4 KiB the wrapper writes to stderr before it sends its output to the log. */
function collectSetupErrors(child: ChildProcess): { text: string } {
  const out = { text: '' };
  child.stderr?.on('data', (c: Buffer) => { if (out.text.length < 4096) out.text += c.toString('utf8').slice(0, 4096 - out.text.length); });
  child.stderr?.on('error', () => undefined);
  return out;
}
