/**
 * The real parts for the checkpoint transfer's tests: rsync, sshd on 127.0.0.1
 * (tests/setup/sshd-local.sh, started when this module loads unless it already runs; then
 * stopped again by `TransferWorld.cleanup`) and real Linux users, each with an ssh key the
 * local sshd accepts. Locally the tests are skipped when these cannot be set up (not root,
 * no packages); under CI (`process.env.CI`) they fail instead.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import { canManageUsers, createTestUsers, makeRepoReachable, runAsSync, type TestUser } from '../../helpers/linux-users';

const REPO = path.resolve(__dirname, '../../..');
const SETUP_SCRIPT = path.join(REPO, 'tests/setup/sshd-local.sh');
export const SSHD_DIR = process.env['CARBOND_SSHD_DIR'] ?? '/tmp/carbond-sshd';

function setUp(): { reason?: string; port?: number; startedHere: boolean } {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return { reason: 'not root on Linux', startedHere: false };
  if (!canManageUsers()) return { reason: 'cannot create test users', startedHere: false };
  if (!fs.existsSync(path.join(REPO, 'dist/src/executors/checkpoint-worker.js'))) return { reason: 'dist/ is not built (npm run build)', startedHere: false };
  const running = spawnSync(SETUP_SCRIPT, ['status'], { encoding: 'utf8', timeout: 30_000 }).status === 0;
  const start = spawnSync(SETUP_SCRIPT, ['start'], { encoding: 'utf8', timeout: 300_000 });
  if (start.status !== 0) return { reason: `tests/setup/sshd-local.sh start failed: ${(start.stderr ?? '').slice(-800)}`, startedHere: false };
  if (spawnSync('rsync', ['--version'], { timeout: 10_000 }).status !== 0) return { reason: 'rsync is not installed', startedHere: !running };
  return { port: Number(start.stdout.trim().split('\n').pop()), startedHere: !running };
}

const setup = setUp();

/** `describe` when sshd, rsync and test users are available; else skipped locally, and a failing test under CI. */
export function describeTransfer(name: string, body: () => void): void {
  if (setup.reason === undefined) describe(name, body);
  else if (process.env['CI']) describe(name, () => { it('needs sshd, rsync and test users', () => { throw new Error(`required under CI: ${setup.reason}`); }); });
  else describe.skip(`${name} (skipped: ${setup.reason})`, body);
}

/** Two Linux users, `owner` and `other`, each with an ssh key the local sshd accepts, and a scratch dir. */
export class TransferWorld {
  readonly owner: TestUser;
  readonly other: TestUser;
  readonly sshPort: number;
  private readonly users: ReturnType<typeof createTestUsers<'owner' | 'other'>>;
  private readonly reach: { restore(): void };

  constructor() {
    this.reach = makeRepoReachable(REPO);
    this.users = createTestUsers({ users: [{ key: 'owner' }, { key: 'other' }] });
    this.owner = this.users.users.owner;
    this.other = this.users.users.other;
    this.sshPort = setup.port!;
    for (const u of [this.owner, this.other]) authorize(u);
  }

  /** ssh options that pin the local sshd's host key. */
  sshOptions(): string[] {
    return ['-o', `UserKnownHostsFile=${SSHD_DIR}/known_hosts`, '-o', 'StrictHostKeyChecking=yes'];
  }

  /** A checkpoint of `user` under their home: `<home>/<site>/<jobId>/ckpt-…`, written by the store, owned by the user. */
  async checkpoint(user: TestUser, site: string, jobId: string, files: Record<string, Buffer>, step = 1200): Promise<string> {
    const root = path.join(user.home, site, jobId);
    const store = createFsCheckpointStore({ root, jobId });
    const result = await store.write({ step, files: Object.entries(files).map(([p, data]) => ({ path: p, data })) });
    if (!result.ok) throw result.failure.error;
    chownTree(path.join(user.home, site), user);
    return result.checkpoint.path;
  }

  cleanup(): void {
    this.users.cleanup();
    this.reach.restore();
    if (setup.startedHere) spawnSync(SETUP_SCRIPT, ['stop'], { timeout: 30_000 });
  }
}

function authorize(user: TestUser): void {
  const key = path.join(user.home, '.ssh', 'id_ed25519');
  for (const argv of [['mkdir', '-p', '-m', '700', path.dirname(key)], ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key]]) {
    const r = runAsSync(user, argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} as ${user.name}: ${r.stderr}`);
  }
  const r = spawnSync(SETUP_SCRIPT, ['authorize', user.name, `${key}.pub`], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`sshd-local.sh authorize ${user.name}: ${r.stderr}`);
}

/** chown -R (the test's own files, made as root). */
export function chownTree(dir: string, user: TestUser): void {
  fs.chownSync(dir, user.uid, user.gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, user);
    else fs.chownSync(p, user.uid, user.gid);
  }
}

/** Every file under `dir` with its bytes, relative paths sorted: a snapshot to compare before and after. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = fs.lstatSync(path.join(dir, r));
      if (e.isDirectory()) { out[`${r}/`] = `dir ${st.uid} ${(st.mode & 0o7777).toString(8)}`; walk(r); }
      else out[r] = `${st.uid} ${fs.readFileSync(path.join(dir, r)).toString('base64')}`;
    }
  };
  walk('');
  return out;
}
