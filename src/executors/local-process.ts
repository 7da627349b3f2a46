/**
 * The local-process executor (DESIGN §4): runs a job's argv (no shell unless `useShell`)
 * as the submitting user, in its own process group, in its cwd, with the protocol
 * environment and `CUDA_VISIBLE_DEVICES`; stdout+stderr go to `<stateDir>/runs/<runId>/output.log`.
 * Processes are identified by PID + start time; exits survive a daemon restart through
 * the wrapper's exit file (`local-wrapper.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Clock } from '../core/clock';
import { ExecutorError } from '../core/errors';
import type { Logger } from '../core/logger';
import { nullLogger } from '../core/logger';
import type { JobRecord } from '../ledger/jobs';
import { eventsSize, readEvents, type JobEvent } from './events';
import { parseExitFile, parsePidFile, wrapperArgv } from './local-wrapper';
import { childrenOf, livenessOf, readCmdline, readStartTicks, signalGroup } from './proc';
import { verifyAcks } from './pause';
import type { AdoptableRun, PauseOptions, PauseResult, ResumePoint, RunExecutor, RunExit, RunHandle, RunPoll, RunStartSpec, VerifyCheckpoint } from './types';

export interface LocalProcessExecutorOptions {
  /** Runs live under `<stateDir>/runs/<runId>/`. */
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
  exited?: Promise<RunExit>;
  exit?: RunExit;
}

/** Longest wait for a just-started wrapper to run its command before a pause signal is sent anyway, ms. */
const COMMAND_START_WAIT_MS = 2_000;
const COMMAND_POLL_MS = 5;

export class LocalProcessExecutor implements RunExecutor {
  readonly kind = 'local';
  private readonly tracked = new Map<number, Tracked>();
  private readonly logger: Logger;

  constructor(private readonly options: LocalProcessExecutorOptions) {
    this.logger = (options.logger ?? nullLogger).child({ component: 'executor.local' });
  }

  /** `<stateDir>/runs/<runId>`: log, events file, exit file. */
  runDir(runId: number): string {
    return path.join(this.options.stateDir, 'runs', String(runId));
  }

  async start(job: JobRecord, run: RunStartSpec, resumeFrom?: ResumePoint): Promise<RunHandle> {
    const dir = this.runDir(run.runId);
    const logPath = path.join(dir, 'output.log');
    const eventsPath = path.join(dir, 'events.jsonl');
    const exitPath = path.join(dir, 'exit');
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(job.checkpointDir, { recursive: true });
    fs.writeFileSync(eventsPath, '', { flag: 'a' });
    const asUser = runAsUser(job);
    if (asUser) for (const p of [dir, eventsPath, job.checkpointDir]) fs.chownSync(p, asUser.uid, asUser.gid);
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...job.env,
      CARBOND_JOB_ID: job.id, CARBOND_CHECKPOINT_DIR: job.checkpointDir, CARBOND_EVENTS: eventsPath,
      CUDA_VISIBLE_DEVICES: run.gpuIds };
    if (resumeFrom) env['CARBOND_RESUME_FROM'] = resumeFrom.path;
    else delete env['CARBOND_RESUME_FROM'];
    const command = job.useShell ? ['/bin/sh', '-c', job.command.join(' ')] : [...job.command];
    const { file, args } = wrapperArgv(exitPath, command);
    const out = fs.openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: job.cwd, env, detached: true, stdio: ['ignore', out, out], ...(asUser ?? {}) });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      throw new ExecutorError(`cannot start job ${job.id}: ${(err as Error).message}`, job.id, { cause: err });
    } finally {
      fs.closeSync(out);
    }
    const pid = child.pid!;
    const exited = new Promise<RunExit>((resolve) => {
      child.once('exit', (code, signal) => {
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
    if (handle.pid === null) return { state: 'exited', exit: this.exitFromFile(handle.runId) };
    const live = livenessOf(handle.pid, handle.pidStartTicks);
    if (live !== 'gone') return { state: live };
    // Our own child: the 'exit' event is on its way; until then it is still ours and running.
    if (t?.child) return { state: 'running' };
    const exit = this.exitFromFile(handle.runId);
    this.trackedOf(handle.runId).exit = exit;
    return { state: 'exited', exit };
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
    const offset = eventsSize(handle.eventsPath);
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
    const acks = readEvents(handle.eventsPath, offset).events.flatMap((e) => (e.event === 'checkpoint' ? [e] : []));
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
    const r = readEvents(handle.eventsPath, offset);
    return { events: r.events, nextOffset: r.nextOffset };
  }

  /** Re-attaches by the ledger's PID + start time, or — when the daemon died before recording them — by the wrapper's pid file. */
  adopt(run: AdoptableRun, job: JobRecord): RunHandle {
    const dir = this.runDir(run.id);
    let { pid, pidStartTicks } = run;
    if (pid === null) {
      try {
        const own = parsePidFile(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
        if (own) ({ pid, startTicks: pidStartTicks } = own);
      } catch {
        // never started: no pid file
      }
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
    const own = readCmdline(pid);
    for (let waited = 0; own !== undefined && this.poll(handle).state !== 'exited'; waited += COMMAND_POLL_MS) {
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

  private exitFromFile(runId: number): RunExit {
    try {
      const rc = parseExitFile(fs.readFileSync(path.join(this.runDir(runId), 'exit'), 'utf8'));
      if (rc !== undefined) return { code: rc, signal: null, known: true };
    } catch {
      // no exit file: the wrapper itself was killed (SIGKILL, reboot) — status unknown
    }
    return { code: null, signal: null, known: false };
  }
}

/** uid/gid to run as: the submitting user's when carbond runs as root, else none (runs as carbond's user). */
function runAsUser(job: JobRecord): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0 || job.uid === null) return undefined;
  return { uid: job.uid, gid: job.gid ?? job.uid };
}
