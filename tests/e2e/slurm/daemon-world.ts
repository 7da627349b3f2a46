/**
 * The world of the Slurm end-to-end test (./slurm-daemon.test.ts): the BUILT daemon run as
 * root with Slurm sites on the real single-node Slurm (tests/setup/slurm-local.sh), a replayed
 * carbon signal (tests/fixtures/slurm-e2e, shifted onto the test's clock), real Linux users
 * who submit with the CLI, and the Slurm queries the test asserts on. Everything it starts it
 * stops: the daemon, the users' Slurm jobs (scancel by user), its directories.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestUsers, makeRepoReachable, runAs, type TestUser } from '../../helpers/linux-users';
import { CARBOND_BIN, exitWithin, REPO_ROOT, runCli, spawnCarbond, type CliResult, type SpawnedCarbond } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { waitFor, waitForSocket } from '../../helpers/wait';

/** The Python protocol example (docs/protocol.md): counts steps, checkpoints on SIGTERM, resumes. */
export const PY_JOB = path.join(REPO_ROOT, 'examples', 'python', 'protocol_job.py');
const FIXTURES = path.join(REPO_ROOT, 'tests', 'fixtures', 'slurm-e2e');
/** The fixtures' origin (their README); shifted onto each world's own origin. */
const FIXTURE_ORIGIN_MS = Date.parse('2030-01-07T06:00:00Z');
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

export type TraceName = 'hold-release' | 'move' | 'steady' | 'outage';

export interface SiteOptions {
  partition: 'zone-a' | 'zone-b';
  zone: 'Z1' | 'Z2';
  /** The site's checkpoint storage (docs/sites.md): this directory inside the world's dir, made root's 0711 as a shared file system's root would be. */
  checkpointRootIn?: string;
}

export interface WorldOptions {
  /** Scenario label: directory prefix and evidence folder. */
  label: string;
  trace: TraceName;
  sites: Record<string, SiteOptions>;
  /** Sample ms per wall ms (`carbond daemon --time-scale`); absent: the system clock. */
  timeScale?: number;
}

export interface ShowRun {
  id: number; site: string; startedAtMs: number; endedAtMs: number | null; executorRef: string | null;
  exitKind: string | null; exitCode: number | null; exitSignal: string | null;
  startStep: number; lastStep: number | null; resumedFrom: number | null; lostSteps: number;
}
export interface ShowCheckpoint { id: number; runId: number | null; path: string; step: number; status: string; createdAtMs: number }
export interface ShowTransition { at: string; from: string | null; to: string; reason: string }
export interface Detail {
  id: string; owner: string; state: string; step: number; totalSteps: number | null; site: string | null;
  job: { uid: number; gid: number; checkpointDir: string; sites: string[]; homeSite: string };
  runs: ShowRun[]; transitions: ShowTransition[]; checkpoints: ShowCheckpoint[];
  decisions: Array<{ at: string; action: string; site: string | null; reason: string }>;
}
export interface SiteStatus { site: string; zone: string; executor: string; available: boolean | null; reason: string | null }

/** One Slurm job as `squeue` or `sacct` lists it. */
export interface SlurmRow { id: string; name: string; user: string; state: string; partition: string }

/** The test users: `alice` submits, in the socket's group `sock`; the repository readable by them. */
export class Team {
  private readonly made = createTestUsers({ groups: ['sock'], users: [{ key: 'alice', groups: ['sock'] }] });
  private readonly reach = makeRepoReachable(REPO_ROOT);
  readonly alice: TestUser = this.made.users.alice;
  readonly socketGroup = this.made.groups.sock.name;

  cleanup(): void {
    cancelSlurmJobsOf(this.alice.name);
    this.made.cleanup();
    this.reach.restore();
  }
}

/** `scancel -u USER`, then waits (≤ 30 s) until none of their jobs is pending, running or completing. */
export function cancelSlurmJobsOf(user: string): void {
  spawnSync('scancel', ['-u', user], { timeout: 30_000 });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const r = spawnSync('squeue', ['-h', '-u', user, '-o', '%i'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0 && r.stdout.trim() === '') return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

/** The fixture `name` with every timestamp moved by `shiftMs` (whole hours: the 30-min grid stays). */
function shiftedTrace(name: string, shiftMs: number): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, (t) => iso(Date.parse(t) + shiftMs));
}

export class DaemonWorld {
  readonly dir: string;
  readonly state: string;
  readonly configPath: string;
  /** Sample time at the daemon's start: the fixtures' origin lands here. */
  readonly originMs: number;
  readonly timeScale: number | undefined;
  private daemon: SpawnedCarbond | undefined;
  private wallStartMs = 0;
  /** stderr (JSON log lines) of every daemon this world ran, in order. */
  private readonly logs: string[] = [];
  private lastShown = '';

  constructor(private readonly team: Team, private readonly options: WorldOptions) {
    this.dir = makeTempDir(`cd-slurm-${options.label}-`);
    fs.chmodSync(this.dir, 0o711); // users pass through to their area in the state dir
    this.state = path.join(this.dir, 'state');
    this.configPath = path.join(this.dir, 'config.toml');
    this.timeScale = options.timeScale;
    // A scaled clock starts at the next whole hour (deadlines after it are in the real future,
    // as `submit` checks); the system clock replays the current hour.
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    this.originMs = options.timeScale === undefined ? hour : hour + HOUR_MS;
    const shift = this.originMs - FIXTURE_ORIGIN_MS;
    fs.writeFileSync(path.join(this.dir, 'trace.csv'), shiftedTrace(`${options.trace}.csv`, shift));
    fs.writeFileSync(path.join(this.dir, 'forecast.csv'), shiftedTrace(`${options.trace}-forecast.csv`, shift));
    for (const name of Object.keys(options.sites)) {
      const root = this.checkpointRoot(name);
      if (root) fs.mkdirSync(root, { recursive: true, mode: 0o711 });
    }
    fs.writeFileSync(this.configPath, this.configText());
  }

  private configText(): string {
    const q = (s: string): string => JSON.stringify(s);
    const lines = [
      `socketGroup = ${q(this.team.socketGroup)}`, 'tickInterval = "* * * * * *"',
      '[providers.trace]', 'type = "file"', `path = ${q(path.join(this.dir, 'trace.csv'))}`, `forecastPath = ${q(path.join(this.dir, 'forecast.csv'))}`,
      '[zones.Z1]', 'providers = ["trace"]', 'staleAfter = "2h"',
      '[zones.Z2]', 'providers = ["trace"]', 'staleAfter = "2h"',
    ];
    for (const [name, s] of Object.entries(this.options.sites)) {
      lines.push(`[sites.${name}]`, 'executor = "slurm"', `partition = ${q(s.partition)}`, `zone = ${q(s.zone)}`, 'gpus = 1');
      const root = this.checkpointRoot(name);
      if (root) lines.push(`checkpointRoot = ${q(root)}`);
    }
    // The checkpoint timeout is measured on the daemon's clock: 2 sample hours are 30 s of wall
    // time at 240×. pauseOverhead is the planner's price of a pause (and of a move).
    lines.push('[scheduler]', 'policy = "carbond"', 'slotMinutes = 10', 'safetyMargin = "30m"', 'pauseOverhead = "10m"',
      `checkpointTimeout = ${q(this.timeScale === undefined ? '60s' : '2h')}`, 'keepCheckpoints = 5', '');
    return lines.join('\n');
  }

  /** The absolute `checkpointRoot` of `site`, or undefined when it has none (the state dir). */
  checkpointRoot(site: string): string | undefined {
    const dir = this.options.sites[site]?.checkpointRootIn;
    return dir === undefined ? undefined : path.join(this.dir, dir);
  }

  /** A job's checkpoint directory at `site` (docs/sites.md): `<checkpointRoot>/users/<uid>/checkpoints/<jobId>`. */
  checkpointDirAt(site: string, uid: number, jobId: string): string {
    return path.join(this.checkpointRoot(site) ?? this.state, 'users', String(uid), 'checkpoints', jobId);
  }

  /** The environment of root's CLI and daemon: only this world's config. */
  private rootEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env['PATH'], HOME: this.dir, CARBOND_CONFIG: this.configPath, LANG: 'C.UTF-8' };
  }

  /** Starts the daemon (as root) and waits for its socket. */
  async start(extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
    if (this.daemon) throw new Error('the daemon is already running');
    const clock = this.timeScale === undefined ? [] : ['--time-scale', String(this.timeScale), '--time-origin', iso(this.originMs)];
    if (this.logs.length === 0) this.wallStartMs = Date.now();
    else if (clock.length > 0) throw new Error('a scaled clock cannot be restarted at its origin (the ledger\'s time would go back)');
    this.daemon = spawnCarbond(['daemon', '--state-dir', this.state, ...clock], { ...this.rootEnv(), ...extraEnv });
    this.logs.push('');
    const daemon = this.daemon;
    const index = this.logs.length - 1;
    daemon.process.stderr?.on('data', () => { this.logs[index] = daemon.stderr(); });
    await waitForSocket(path.join(this.state, 'carbond.sock'), 30_000);
  }

  /** SIGKILL: no graceful pause, the runs are left as they are. */
  async kill(): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    this.daemon = undefined;
    d.process.kill('SIGKILL');
    await exitWithin(d, 10_000);
    this.logs[this.logs.length - 1] = d.stderr();
  }

  /** SIGTERM (running jobs checkpoint and pause); resolves with the exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const d = this.daemon;
    if (!d) return { code: null, signal: null };
    this.daemon = undefined;
    d.process.kill('SIGTERM');
    const exit = await exitWithin(d, 60_000);
    this.logs[this.logs.length - 1] = d.stderr();
    return exit;
  }

  get daemonPid(): number | undefined {
    return this.daemon?.pid;
  }

  /** The daemon's clock now (sample time): a little ahead of it, never behind (its clock starts after our note of the wall time). */
  simNow(): number {
    return this.timeScale === undefined ? Date.now() : this.originMs + (Date.now() - this.wallStartMs) * this.timeScale;
  }

  /** Wall ms for `sampleMs` of the daemon's clock. */
  wallMs(sampleMs: number): number {
    return this.timeScale === undefined ? sampleMs : sampleMs / this.timeScale;
  }

  /** `carbond ARGS` as root (this world's config and state dir). */
  rootCli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
    return runCli([args[0]!, '--state-dir', this.state, ...args.slice(1)], this.rootEnv(), timeoutMs);
  }

  /** `carbond ARGS` as `user`, in their home, as they would type it. */
  userCli(user: TestUser, args: string[], timeoutMs = 30_000): ReturnType<typeof runAs> {
    return runAs(user, [process.execPath, CARBOND_BIN, args[0]!, '--state-dir', this.state, ...args.slice(1)], { cwd: user.home, timeoutMs });
  }

  /** Submits the Python protocol example as `user`; returns its id. */
  async submitPython(user: TestUser, o: { name: string; sites: string[]; steps: number; stepSeconds: number; estimate: string; deadlineMs: number }): Promise<string> {
    const r = await this.userCli(user, ['submit', '--json', '--name', o.name, '--deadline', iso(o.deadlineMs), '--estimate', o.estimate, '--sites', o.sites.join(','),
      '--', '/usr/bin/python3', PY_JOB, '--steps', String(o.steps), '--step-seconds', String(o.stepSeconds)]);
    if (r.code !== 0) throw new Error(`submit as ${user.name} exited ${r.code}: ${r.stderr}`);
    return (JSON.parse(r.stdout) as Detail).id;
  }

  /** `carbond show ID --json` (root's view: everyone's jobs). */
  async show(id: string): Promise<Detail> {
    const r = await this.rootCli(['show', id, '--json']);
    if (r.code !== 0) throw new Error(`show ${id} exited ${r.code}: ${r.stderr}`);
    this.lastShown = r.stdout;
    return JSON.parse(r.stdout) as Detail;
  }

  /** Polls `show` until `check` holds (every ~1 s); returns the detail that satisfied it. */
  async waitForJob(id: string, what: string, check: (d: Detail) => boolean, timeoutMs: number): Promise<Detail> {
    return waitFor(`job ${id}: ${what}`, async () => { const d = await this.show(id); return check(d) ? d : undefined; }, timeoutMs, 1_000);
  }

  /** `carbond status --json`'s sites; `live`: the daemon answered (not the ledger read while it did not, within the CLI's 2 s). */
  async sites(): Promise<{ live: boolean; sites: SiteStatus[] }> {
    const r = await this.rootCli(['status', '--json']);
    if (r.code !== 0) throw new Error(`status exited ${r.code}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { source: string; sites?: SiteStatus[] };
    return { live: report.source === 'daemon', sites: report.sites ?? [] };
  }

  /** Path of the ledger (read-only checks after the daemon stopped). */
  get ledgerPath(): string {
    return path.join(this.state, 'ledger.sqlite');
  }

  /** Everything worth reading when a scenario fails: the daemon logs (tail) and the last `show`. */
  evidence(maxChars = 12_000): string {
    const log = this.logs.map((l, i) => `--- daemon #${i + 1} ---\n${l}`).join('\n');
    return `last show --json:\n${this.lastShown.slice(0, 6_000)}\ndaemon log (tail):\n${log.slice(-maxChars)}`;
  }

  /** Runs `body`; a failure is rethrown with the evidence, which is also kept under the OS temp dir. */
  async withEvidence<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      const keep = path.join(os.tmpdir(), 'carbond-slurm-e2e-evidence', this.options.label);
      fs.mkdirSync(keep, { recursive: true });
      fs.writeFileSync(path.join(keep, 'daemon.log'), this.logs.join('\n--- restart ---\n'));
      fs.writeFileSync(path.join(keep, 'last-show.json'), this.lastShown);
      fs.writeFileSync(path.join(keep, 'error.txt'), String((err as Error).stack ?? err));
      fs.writeFileSync(path.join(keep, 'slurm.txt'), JSON.stringify(slurmJobsOfUser(this.team.alice.name), null, 2));
      (err as Error).message += `\n(evidence kept in ${keep})\n${this.evidence()}`;
      throw err;
    }
  }

  async cleanup(): Promise<void> {
    await this.kill().catch(() => undefined);
    cancelSlurmJobsOf(this.team.alice.name);
    removeDir(this.dir);
  }
}

function rowsOf(text: string): SlurmRow[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const [id = '', name = '', user = '', state = '', partition = ''] = line.trim().split('|');
    return { id, name, user, state: state.split(/\s+/)[0]!, partition };
  }).filter((r) => /^\d+$/.test(r.id));
}

/** Every Slurm job of `user`: what the controller holds (`squeue`, any state) and what the accounting recorded (`sacct`). */
export function slurmJobsOfUser(user: string): { squeue: SlurmRow[]; sacct: SlurmRow[] } {
  const q = spawnSync('squeue', ['-h', '--states=all', '-u', user, '-o', '%i|%j|%u|%T|%P'], { encoding: 'utf8', timeout: 30_000 });
  const a = spawnSync('sacct', ['-X', '-n', '--parsable2', '-u', user, '-S', '2000-01-01', '-o', 'JobID,JobName,User,State,Partition'], { encoding: 'utf8', timeout: 30_000 });
  return { squeue: q.status === 0 ? rowsOf(q.stdout) : [], sacct: a.status === 0 ? rowsOf(a.stdout) : [] };
}

/** The Slurm jobs of one carbond job (named `carbond-<jobId>-r<runId>`). */
export function slurmJobsOf(user: string, jobId: string): { squeue: SlurmRow[]; sacct: SlurmRow[] } {
  const all = slurmJobsOfUser(user);
  const mine = (rows: SlurmRow[]): SlurmRow[] => rows.filter((r) => r.name.startsWith(`carbond-${jobId}-r`));
  return { squeue: mine(all.squeue), sacct: mine(all.sacct) };
}

/** Waits until the accounting has a row for every Slurm job id in `ids` (slurmdbd is told asynchronously). */
export async function waitForAccounting(user: string, jobId: string, ids: readonly string[], timeoutMs = 30_000): Promise<SlurmRow[]> {
  return waitFor(`sacct rows of ${ids.join(', ')}`, () => {
    const rows = slurmJobsOf(user, jobId).sacct;
    return ids.every((id) => rows.some((r) => r.id === id)) ? rows : undefined;
  }, timeoutMs, 500);
}

/** sha256 of every file under `dir`, by relative path. */
export function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else out[r] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, r))).digest('hex');
    }
  };
  walk('');
  return out;
}

/** The Python example's final state: its step and running sum 1 + 2 + … + step. */
export function pythonState(checkpointPath: string): { step: number; sum: number } {
  return JSON.parse(fs.readFileSync(path.join(checkpointPath, 'state.json'), 'utf8')) as { step: number; sum: number };
}

