/**
 * The real single-node Slurm for the Slurm executor's tests (tests/setup/slurm-local.sh):
 * started once (idempotent) when this module loads, a job owner made as a real Linux user,
 * and harness pieces shared by the contract and integration tests. Locally, tests that
 * need Slurm are skipped when it cannot start (not root, no packages); under CI
 * (`process.env.CI`) they fail instead.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/core/clock';
import type { JobRecord } from '../../../src/ledger/jobs';
import { SlurmExecutor } from '../../../src/executors/slurm';
import { storeVerifier } from '../../../src/executors/verify';
import { canManageUsers, createTestUsers, makeRepoReachable, type TestUser } from '../../helpers/linux-users';
import { jobRecord } from '../../contract/executors/job-record';

const REPO = path.resolve(__dirname, '../../..');
export const SETUP_SCRIPT = path.join(REPO, 'tests/setup/slurm-local.sh');
const FIXTURE = path.join(REPO, 'tests/fixtures/jobs/protocol-job.js');

/**
 * One test file at a time on the one Slurm: a lock directory held from the file's first test
 * to its last. Jest runs files in parallel workers, and a file that stops slurmctld on purpose
 * made another's jobs fail with "Unable to contact slurm controller" (seen in CI). A lock left
 * by a dead process is taken over.
 */
const LOCK_DIR = path.join(os.tmpdir(), 'carbond-slurm-tests.lock');

function startSlurm(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'not root on Linux';
  if (!canManageUsers()) return 'cannot create test users';
  if (!fs.existsSync(path.join(REPO, 'dist/src/executors/checkpoint-worker.js'))) return 'dist/ is not built (npm run build)';
  // Another test file holds the one Slurm and may have stopped slurmctld on purpose: a start now
  // would end its outage (seen: a file loading this module restarted the controller in the middle
  // of the daemon e2e test's outage). Checked again once this file holds the lock (`ensureSlurmUp`).
  if (lockHeldByOther()) return undefined;
  return ensureSlurmUp();
}

/** `slurm-local.sh status`, and `start` when the node is not up; why it is not usable, or undefined. */
function ensureSlurmUp(): string | undefined {
  const status = spawnSync(SETUP_SCRIPT, ['status'], { encoding: 'utf8', timeout: 30_000 });
  if (status.status === 0) return undefined;
  const start = spawnSync(SETUP_SCRIPT, ['start'], { encoding: 'utf8', timeout: 300_000 });
  return start.status === 0 ? undefined : `tests/setup/slurm-local.sh start failed: ${(start.stderr ?? '').slice(-800)}`;
}

/** Why Slurm is not usable here (undefined: it is up). */
export const slurmUnavailableReason = startSlurm();

async function acquireSlurmLock(): Promise<void> {
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), { encoding: 'utf8', flag: 'a+' }) || '0');
      if (holder > 0 && !isAlive(holder)) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Whether a live process other than this one holds the lock. */
function lockHeldByOther(): boolean {
  let holder = 0;
  try { holder = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8') || '0'); } catch { return false; }
  return holder > 0 && holder !== process.pid && isAlive(holder);
}

/** The lock, then Slurm up (started if this module's load found the lock taken and left it alone). */
async function acquireSlurm(): Promise<void> {
  await acquireSlurmLock();
  const why = ensureSlurmUp();
  if (why !== undefined) throw new Error(why);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseSlurmLock(): void {
  const holder = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), { encoding: 'utf8', flag: 'a+' }) || '0');
  if (holder === process.pid) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
}

/** `describe` when Slurm is up (one file at a time); else skipped locally, and under CI a failing test that says why. */
export function describeSlurm(name: string, body: () => void): void {
  if (slurmUnavailableReason === undefined) {
    describe(name, () => {
      beforeAll(acquireSlurm, 900_000);
      body();
      afterAll(releaseSlurmLock); // after the file's own clean-up (e.g. slurmctld started again)
    });
  }
  else if (process.env['CI']) describe(name, () => { it('needs a real Slurm', () => { throw new Error(`Slurm is required under CI: ${slurmUnavailableReason}`); }); });
  else describe.skip(`${name} (skipped: ${slurmUnavailableReason})`, body);
}

export function runSetup(action: 'start-ctld' | 'stop-ctld'): void {
  const r = spawnSync(SETUP_SCRIPT, [action], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`slurm-local.sh ${action} failed: ${r.stderr}`);
}

export type SlurmJobKind = 'protocol' | 'ignores-pause' | 'short';

/** A state dir, an owner, and jobs of that owner whose files the owner can read. */
export class SlurmWorld {
  readonly stateDir: string;
  readonly user: TestUser;
  private readonly users: ReturnType<typeof createTestUsers<'owner'>>;
  private readonly reach: { restore(): void };
  private readonly slurmIds = new Set<string>();

  constructor() {
    this.reach = makeRepoReachable(REPO);
    this.users = createTestUsers({ users: [{ key: 'owner' }] });
    this.user = this.users.users.owner;
    this.stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-slurm-state-'));
    fs.chmodSync(this.stateDir, 0o711); // as a root daemon's: users pass through to their area
  }

  executor(partition = 'zone-a', extra: Partial<ConstructorParameters<typeof SlurmExecutor>[0]> = {}): SlurmExecutor {
    const ex = new SlurmExecutor({ stateDir: this.stateDir, clock: systemClock, verifyCheckpoint: storeVerifier(systemClock, this.stateDir), partition, pollMs: 100, site: partition, ...extra });
    const start = ex.start.bind(ex);
    ex.start = async (...a) => { const h = await start(...a); if (h.executorRef) this.slurmIds.add(h.executorRef); return h; };
    return ex;
  }

  /** A job of the owner: the protocol fixture copied into a working dir of theirs. */
  job(kind: SlurmJobKind): JobRecord {
    const cwd = fs.mkdtempSync(path.join(this.user.home, 'cwd-'));
    fs.copyFileSync(FIXTURE, path.join(cwd, 'protocol-job.js'));
    fs.chownSync(path.join(cwd, 'protocol-job.js'), this.user.uid, this.user.gid);
    fs.chownSync(cwd, this.user.uid, this.user.gid);
    const args = { protocol: ['--steps', '100000'], 'ignores-pause': ['--steps', '100000', '--ignore-pause'], short: ['--steps', '10'] }[kind];
    const id = `slurmt-${crypto.randomBytes(3).toString('hex')}`;
    return jobRecord({ id, cwd, owner: this.user.name, uid: this.user.uid, gid: this.user.gid,
      checkpointDir: path.join(this.stateDir, 'users', String(this.user.uid), 'checkpoints', id),
      command: [process.execPath, 'protocol-job.js', '--step-ms', '20', ...args] });
  }

  /** Cancels every Slurm job this world started. */
  cancelAll(): void {
    if (this.slurmIds.size > 0) spawnSync('scancel', [...this.slurmIds], { timeout: 30_000 });
    this.slurmIds.clear();
  }

  cleanup(): void {
    this.cancelAll();
    fs.rmSync(this.stateDir, { recursive: true, force: true });
    this.users.cleanup();
    this.reach.restore();
  }
}
