/**
 * The crash suite's harness: a real built daemon in a temp state dir, started and SIGKILLed
 * over and over, real protocol jobs submitted through its socket, and the windows the suite
 * aims its kills at (a run inserted but not started, started but its PID not recorded, a
 * pause, the recording of a run's end, a checkpoint being written, a tick).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { callDaemon } from '../../src/cli/daemon-client';
import { findByArgvPair } from '../../src/executors/proc';
import { WRAPPER_MARKER } from '../../src/executors/local-wrapper';
import { openLedger } from '../../src/ledger/db';
import { exitWithin, isolatedEnv, spawnCarbond, type SpawnedCarbond } from '../helpers/processes';
import { sleep, waitForSocket } from '../helpers/wait';

export const PROTOCOL_JOB = path.resolve(__dirname, '../fixtures/jobs/protocol-job.js');

/** A small seeded PRNG (mulberry32), so that a failing sequence can be replayed with its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface CrashJob {
  id: string;
  name: string;
  cwd: string;
  totalSteps: number;
}

export class CrashBox {
  readonly state: string;
  readonly ledger: string;
  readonly socket: string;
  readonly uid = process.getuid!();
  private readonly env: NodeJS.ProcessEnv;
  daemon: SpawnedCarbond | undefined;
  readonly jobs: CrashJob[] = [];

  constructor(readonly dir: string) {
    this.state = path.join(dir, 'state');
    this.ledger = path.join(this.state, 'ledger.sqlite');
    this.socket = path.join(this.state, 'carbond.sock');
    // A tick a second; a pause has 5 s to checkpoint; two checkpoints kept per job.
    this.env = isolatedEnv(dir, {}, 'tickInterval = "* * * * * *"\n[scheduler]\ncheckpointTimeout = "5s"\nkeepCheckpoints = 2\n');
  }

  /** Starts the daemon (with test-hook variables when given) and waits until it serves: reconciliation is done by then. */
  async start(hooks: Record<string, string> = {}): Promise<void> {
    this.daemon = spawnCarbond(['daemon', '--state-dir', this.state], { ...this.env, ...hooks });
    try {
      await waitForSocket(this.socket, 20_000);
    } catch (err) {
      throw new Error(`daemon did not start: ${(err as Error).message}\n${this.daemon.stderr().slice(-2000)}${this.daemon.stdout().slice(-2000)}`);
    }
  }

  async sigkill(): Promise<void> {
    const d = this.daemon!;
    d.process.kill('SIGKILL');
    await exitWithin(d, 5_000);
    this.daemon = undefined;
  }

  /** SIGTERM: every running job checkpoints and pauses, then the daemon exits 0. */
  async stopGracefully(): Promise<void> {
    const d = this.daemon!;
    d.process.kill('SIGTERM');
    const exit = await exitWithin(d, 30_000);
    if (exit.code !== 0) throw new Error(`graceful stop exited ${JSON.stringify(exit)}: ${d.stderr().slice(-2000)}`);
    this.daemon = undefined;
  }

  async api<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    return callDaemon<T>(this.socket, { method, path: route, ...(body === undefined ? {} : { body }), timeoutMs: 10_000 });
  }

  /** Asks for a manual pause (true) — false when the job is no longer running (it finished meanwhile: 409). */
  async pause(jobId: string): Promise<boolean> {
    return this.api('POST', `/v1/jobs/${jobId}/pause`).then(() => true, (err: { status?: number }) => { if (err.status === 409) return false; throw err; });
  }

  /** Releases a manual override back to the plan (a job that has finished meanwhile has none to release). */
  async release(jobId: string): Promise<void> {
    await this.api('POST', `/v1/jobs/${jobId}/resume`, { auto: true }).catch((err: { status?: number }) => { if (err.status !== 409) throw err; });
  }

  /** Submits a protocol job of `totalSteps` (5 ms a step, a checkpoint every 20), optionally through a shell line. */
  async submit(name: string, totalSteps: number, options: { failOnceAt?: number; retries?: number } = {}): Promise<CrashJob> {
    const cwd = fs.mkdtempSync(path.join(this.dir, `${name}-`));
    const argv = [process.execPath, PROTOCOL_JOB, '--steps', String(totalSteps), '--step-ms', '5', '--checkpoint-every', '20'];
    // Fails once (exit 3 at that step), the first time a run gets there (a marker in its cwd
    // remembers). Marking at the first start instead left the failure out when that run was
    // paused or killed before the step (seen in CI: the job then never failed).
    const command = options.failOnceAt === undefined ? argv : [...argv, '--fail-once-at', String(options.failOnceAt)];
    const detail = await this.api<{ id: string }>('POST', '/v1/jobs', {
      name, command, cwd, deadlineMs: Date.now() + 24 * 3_600_000, estimateMs: 3_600_000, ...(options.retries === undefined ? {} : { retries: options.retries }),
    });
    const job = { id: detail.id, name, cwd, totalSteps };
    this.jobs.push(job);
    return job;
  }

  /** The steps each job says it resumed from (its starts.log: "jobId pid step" per start). */
  resumeSteps(): Map<string, number[]> {
    return new Map(this.jobs.map((j) => {
      const file = path.join(j.cwd, 'starts.log');
      const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
      return [j.id, lines.map((l) => Number(l.split(' ')[2]))];
    }));
  }

  /** A query on the ledger, read-only (while the daemon runs or after it died). */
  query<T>(sql: string, ...params: unknown[]): T[] {
    const db = openLedger(this.ledger, { readonly: true, nowMs: 0 });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  runDir(runId: number): string {
    return path.join(this.state, 'users', String(this.uid), 'runs', String(runId));
  }

  /** Open runs whose PID is not recorded yet: the window between inserting a run and recording its process. */
  unrecordedRuns(): number[] {
    return this.query<{ id: number }>('SELECT id FROM runs WHERE ended_at IS NULL AND pid IS NULL').map((r) => r.id);
  }

  /** Whether the wrapper of `runId` is alive (found in /proc by its run dir). */
  wrapperAlive(runId: number): boolean {
    return findByArgvPair(WRAPPER_MARKER, this.runDir(runId)).length > 0;
  }

  /** Makes the wrappers of the next `count` runs unable to write their pid file (a directory stands at pid.tmp): only /proc finds them. */
  blockPidFiles(count: number): void {
    const next = (this.query<{ n: number | null }>('SELECT MAX(id) AS n FROM runs')[0]?.n ?? 0) + 1;
    for (let id = next; id < next + count; id += 1) fs.mkdirSync(path.join(this.runDir(id), 'pid.tmp'), { recursive: true });
  }

  /** Current state of every job. */
  states(): Map<string, string> {
    return new Map(this.query<{ job_id: string; to_state: string }>(`SELECT t.job_id, t.to_state FROM transitions t
      JOIN (SELECT job_id, MAX(id) AS id FROM transitions GROUP BY job_id) n ON n.id = t.id`).map((r) => [r.job_id, r.to_state]));
  }

  /** Jobs in a state, by id. */
  jobsIn(state: string): string[] {
    const states = this.states();
    return this.jobs.filter((j) => states.get(j.id) === state).map((j) => j.id);
  }

  /** The open run of a job, if any. */
  openRun(jobId: string): { id: number; pid: number | null } | undefined {
    return this.query<{ id: number; pid: number | null }>('SELECT id, pid FROM runs WHERE job_id = ? AND ended_at IS NULL', jobId)[0];
  }

  /** Whether some job is writing a checkpoint now (its temporary checkpoint directory exists). */
  checkpointBeingWritten(): boolean {
    return this.jobs.some((j) => {
      const dir = path.join(this.state, 'users', String(this.uid), 'checkpoints', j.id);
      try {
        return fs.readdirSync(dir).some((e) => e.startsWith('.tmp-'));
      } catch {
        return false;
      }
    });
  }
}

/** Polls `check` every `everyMs` until true (returns true) or `timeoutMs` passed (returns false). */
export async function within(timeoutMs: number, check: () => boolean, everyMs = 5): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > until) return false;
    await sleep(everyMs);
  }
}
