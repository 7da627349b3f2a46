/**
 * Real second Linux users for security tests that attack the root daemon from outside:
 * users and groups made with useradd/groupadd (unique `cbtXXXX-` names per call), commands
 * run as them through `setpriv` with their real supplementary groups, and everything removed
 * again, even when the test process dies. Needs root on Linux (CI runs the suite as root).
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The PATH for the user-management commands and the users' children (root's own PATH may differ). */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const REQUIRED_COMMANDS = ['useradd', 'groupadd', 'userdel', 'groupdel', 'setpriv', 'pkill', 'ps', 'getent'];
/** useradd's limit on Debian (utmp); the `cbtXXXX-` prefix leaves 24 characters for a key. */
const MAX_NAME_LENGTH = 32;
const KEY_PATTERN = /^[a-z][a-z0-9_-]*$/;
const DEFAULT_RUN_TIMEOUT_MS = 20_000;

export interface TestUser { name: string; uid: number; gid: number; home: string; groups: number[] }
export interface TestGroup { name: string; gid: number }
export interface TestUsersSpec<U extends string, G extends string> {
  /** Keys of groups to create (named `cbtXXXX-KEY`). */
  groups?: readonly G[];
  /** Each user also gets a private group of its own name (`useradd -U`). */
  users: ReadonlyArray<{ key: U; groups?: readonly G[] }>;
}
export interface TestUsers<U extends string, G extends string> {
  users: Record<U, TestUser>;
  groups: Record<G, TestGroup>;
  /** Kills the users' processes, deletes users, groups and homes. Idempotent; throws if something survives. */
  cleanup(): void;
}

/** True when this process can make real users: root, on Linux, with the shadow tools, setpriv and procps. */
export function canManageUsers(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && REQUIRED_COMMANDS.every((c) => systemCommand(c) !== undefined);
}

/**
 * Creates the users and groups of `spec` with fresh `cbtXXXX-` names, homes (mode 0700, like
 * a real login) under a new temp dir. Undoes whatever it made before throwing. Call
 * `cleanup()` in afterAll; if the process dies first, a detached watchdog does it.
 */
export function createTestUsers<U extends string, G extends string = never>(spec: TestUsersSpec<U, G>): TestUsers<U, G> {
  if (!canManageUsers()) throw new Error(`createTestUsers needs root on Linux with ${REQUIRED_COMMANDS.join(', ')} (CI runs the security tests as root)`);
  const prefix = freshPrefix();
  const nameOf = (key: string): string => `${prefix}-${key}`;
  validateSpec(spec, nameOf);
  const watchdog = startWatchdog();
  const made = { users: [] as string[], groups: [] as string[], dir: '' };
  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    removeEverything(made);
    watchdog.disarm();
    cleaned = true;
  };
  try {
    made.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-users-'));
    watchdog.track('dir', made.dir);
    fs.chmodSync(made.dir, 0o755); // mkdtemp makes it 0700: the users could not reach their homes
    fs.mkdirSync(path.join(made.dir, 'home'), { mode: 0o755 });
    const groups = {} as Record<G, TestGroup>;
    for (const key of spec.groups ?? []) {
      const name = nameOf(key);
      mustRun('groupadd', [name]);
      made.groups.push(name);
      watchdog.track('group', name);
      groups[key] = { name, gid: Number(mustRun('getent', ['group', name]).split(':')[2]) };
    }
    const users = {} as Record<U, TestUser>;
    for (const { key, groups: memberOf = [] } of spec.users) {
      const name = nameOf(key);
      const home = path.join(made.dir, 'home', name);
      const supplementary = memberOf.length > 0 ? ['-G', memberOf.map(nameOf).join(',')] : [];
      mustRun('useradd', ['-m', '-d', home, '-s', '/bin/sh', '-U', '-c', 'carbond test user', ...supplementary, name]);
      made.users.push(name);
      made.groups.push(name);
      watchdog.track('user', name);
      watchdog.track('group', name);
      fs.chmodSync(home, 0o700);
      users[key] = { name, home, uid: idOf('-u', name), gid: idOf('-g', name), groups: mustRun('id', ['-G', name]).split(/\s+/).filter(Boolean).map(Number) };
    }
    return { users, groups, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

function validateSpec<G extends string>(spec: TestUsersSpec<string, G>, nameOf: (key: string) => string): void {
  const groupKeys = new Set<string>(spec.groups ?? []);
  const userKeys = spec.users.map((u) => u.key);
  const problems: string[] = [];
  for (const key of [...groupKeys, ...userKeys]) {
    if (!KEY_PATTERN.test(key)) problems.push(`key ${JSON.stringify(key)} must match ${KEY_PATTERN}`);
    if (nameOf(key).length > MAX_NAME_LENGTH) problems.push(`name ${nameOf(key)} is longer than ${MAX_NAME_LENGTH} characters`);
  }
  for (const key of userKeys) if (groupKeys.has(key)) problems.push(`${key} is both a group and a user (whose private group has the same name)`);
  if (new Set(userKeys).size !== userKeys.length) problems.push('user keys repeat');
  for (const u of spec.users) for (const g of u.groups ?? []) if (!groupKeys.has(g)) problems.push(`user ${u.key} is in group ${g}, which is not in groups`);
  if (problems.length > 0) throw new Error(`createTestUsers: ${problems.join('; ')}`);
}

/** `cbt` + 4 hex digits that no existing user or group name starts with. */
function freshPrefix(): string {
  const taken = `${mustRun('getent', ['passwd'])}\n${mustRun('getent', ['group'])}`;
  for (;;) {
    const prefix = `cbt${crypto.randomBytes(2).toString('hex')}`;
    if (!taken.includes(`\n${prefix}-`) && !taken.startsWith(`${prefix}-`)) return prefix;
  }
}

function idOf(flag: '-u' | '-g', name: string): number {
  return Number(mustRun('id', [flag, name]).trim());
}

/**
 * Removal, as one shell script so the in-process cleanup and the watchdog share it. Users:
 * SIGKILL by real and effective uid until only zombies are left (their parent, often this
 * very process, cannot reap them while it blocks here), then `userdel -f`, so that no
 * shadow version that counts those zombies as "in use" can refuse (Debian 12's does not).
 * Names that no longer exist are skipped, so it is idempotent.
 */
const REMOVE_SH = `
failed=0
for u in $CBT_USERS; do
  id -u "$u" >/dev/null 2>&1 || continue
  tries=0
  while ps -o stat= -u "$u" -U "$u" | grep -qv '^Z'; do
    pkill -KILL -u "$u"; pkill -KILL -U "$u"
    tries=$((tries + 1))
    if [ "$tries" -gt 50 ]; then echo "processes of $u survived SIGKILL for 5 s" >&2; failed=1; break; fi
    sleep 0.1
  done
  out=$(userdel -r -f "$u" 2>&1) || { echo "userdel $u: $out" >&2; failed=1; }
done
for g in $CBT_GROUPS; do
  getent group "$g" >/dev/null || continue
  out=$(groupdel "$g" 2>&1) || { echo "groupdel $g: $out" >&2; failed=1; }
done
if [ -n "$CBT_DIR" ]; then rm -rf -- "$CBT_DIR" || failed=1; fi
exit $failed
`;

/** Reads "user|group|dir NAME" lines until "disarm" (then exits) or EOF (then removes them all). */
const WATCHDOG_SH = `
CBT_USERS= CBT_GROUPS= CBT_DIR=
while read -r kind name; do
  case $kind in
    user) CBT_USERS="$CBT_USERS $name" ;;
    group) CBT_GROUPS="$CBT_GROUPS $name" ;;
    dir) CBT_DIR=$name ;;
    disarm) exit 0 ;;
  esac
done
${REMOVE_SH}`;

function removeEverything(made: { users: string[]; groups: string[]; dir: string }): void {
  const env = { PATH: SYSTEM_PATH, CBT_USERS: made.users.join(' '), CBT_GROUPS: made.groups.join(' '), CBT_DIR: made.dir };
  const r = spawnSync('sh', ['-c', REMOVE_SH], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`removing test users failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
}

/**
 * The last resort against leaked users. A `process.on('exit')` hook cannot be it: jest gives
 * each test file a copy of `process` whose events never fire. Instead a detached root shell
 * holds a pipe from this process; on EOF (this process ended, however) without "disarm", it
 * runs the removal. Detached, so Ctrl-C of the test run does not kill it; unref'd, so it
 * never keeps jest alive.
 */
function startWatchdog(): { track(kind: 'user' | 'group' | 'dir', name: string): void; disarm(): void } {
  const child = spawn('sh', ['-c', WATCHDOG_SH], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: { PATH: SYSTEM_PATH } });
  const pipe = child.stdin as Socket;
  pipe.on('error', () => undefined); // the watchdog died: nothing left to tell
  pipe.unref();
  child.unref();
  return {
    track: (kind, name) => { pipe.write(`${kind} ${name}\n`); },
    disarm: () => { pipe.end('disarm\n'); },
  };
}

/** Ancestors of a repository (and their modes before we touched them), shared by concurrent test files. */
interface ReachableState { holders: number[]; originalModes: Record<string, number> }

/** Trees that a user running the built CLI reads; made world-readable, not restored. */
const READABLE_TREES = ['dist', 'node_modules', path.join('native', 'build'), 'bin', 'examples'];

/**
 * Lets other users run the repository's built CLI: a test user runs `node bin/carbond`,
 * which needs every directory from `/` down to the repository traversable (o+x) and the
 * trees the CLI loads (dist, node_modules, native/build, bin, examples) readable (o+rX). A
 * checkout under a 0700 temp dir or a root home has neither, and the tests would then prove
 * only that the user cannot read the repo. Returns `restore()`, which puts back the
 * directory modes it changed (the trees' file modes stay: recording every file would cost
 * more than it protects). Concurrent test files share one record of the original modes,
 * under a lock, and the last to restore puts them back, so one file cannot cut off another.
 */
export function makeRepoReachable(repoRoot: string): { restore(): void } {
  const root = fs.realpathSync(repoRoot);
  withReachableState(root, (state) => {
    for (const dir of dirsToTraverse(root)) {
      const mode = fs.statSync(dir).mode & 0o7777;
      if ((mode & 0o001) !== 0) continue;
      state.originalModes[dir] ??= mode;
      fs.chmodSync(dir, mode | 0o001);
    }
    for (const tree of READABLE_TREES.map((t) => path.join(root, t))) {
      if (fs.existsSync(tree) && (fs.statSync(tree).mode & 0o005) !== 0o005) mustRun('chmod', ['-R', 'o+rX', tree]);
    }
    state.holders.push(process.pid);
  });
  let restored = false;
  return {
    restore: () => {
      if (restored) return;
      restored = true;
      withReachableState(root, (state) => {
        const mine = state.holders.indexOf(process.pid);
        if (mine >= 0) state.holders.splice(mine, 1);
        if (state.holders.length > 0) return;
        const deepestFirst = Object.entries(state.originalModes).sort(([a], [b]) => b.length - a.length);
        for (const [dir, mode] of deepestFirst) if (fs.existsSync(dir)) fs.chmodSync(dir, mode);
        state.originalModes = {};
      });
    },
  };
}

/** `/` … `root`, then the directories between `root` and each readable tree (e.g. `native`). */
function dirsToTraverse(root: string): string[] {
  const dirs: string[] = [];
  for (let dir = root; ; dir = path.dirname(dir)) {
    dirs.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const tree of READABLE_TREES) {
    for (let dir = path.dirname(path.join(root, tree)); dir !== root; dir = path.dirname(dir)) if (fs.existsSync(dir)) dirs.push(dir);
  }
  return dirs;
}

/** Runs `change` on the shared state of `root` under a mkdir lock; holders that died are dropped first. */
function withReachableState(root: string, change: (state: ReachableState) => void): void {
  const file = path.join(os.tmpdir(), `carbond-reachable-${crypto.createHash('sha256').update(root).digest('hex').slice(0, 12)}.json`);
  const lock = `${file}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try { fs.mkdirSync(lock); break; } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`${lock} has been held for 10 s; remove it if no test run is alive`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    const state: ReachableState = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as ReachableState : { holders: [], originalModes: {} };
    state.holders = state.holders.filter(isAlive);
    change(state);
    if (state.holders.length > 0) fs.writeFileSync(file, JSON.stringify(state));
    else fs.rmSync(file, { force: true });
  } finally {
    fs.rmdirSync(lock);
  }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export interface SpawnAsOptions {
  /** Default: the user's home. */
  cwd?: string;
  /** Added to (and overriding) HOME, USER, LOGNAME, SHELL and PATH; nothing else of ours is passed on. */
  env?: NodeJS.ProcessEnv;
  /** Default: stdin ignored, stdout and stderr piped. */
  stdio?: StdioOptions;
}

/**
 * Starts `argv` as `user`, with the user's uid, primary gid and supplementary groups from
 * /etc/group (`setpriv --init-groups`; node's own `uid`/`gid` options would drop the
 * supplementary groups), in a new session and process group (`detached`): no access to
 * our terminal, and `killProcessGroup` stops it with its children. PATH puts the test's
 * node first; that node must be reachable by the user.
 */
export function spawnAs(user: TestUser, argv: readonly string[], options: SpawnAsOptions = {}): ChildProcess {
  if (argv.length === 0) throw new Error('spawnAs: argv is empty');
  const child = spawn(requiredCommand('setpriv'), setprivArgs(user, argv), {
    cwd: options.cwd ?? user.home,
    env: userEnv(user, options.env),
    detached: true,
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) spawnedGroups.set(child, startTicksOf(child.pid));
  return child;
}

/**
 * Each `spawnAs` child's leader start time (/proc/PID/stat field 22; null: already gone), as
 * ./groups keeps it: a later kill never hits a reused PID. This file stays free of imports
 * from the project (a test runs it transpiled on its own).
 */
const spawnedGroups = new WeakMap<ChildProcess, string | null>();

function startTicksOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * SIGKILLs (or `signal`s) the process group of a child from `spawnAs`; no-op once it is gone,
 * and never once its PID belongs to another process: a cleanup that killed `-PID` of a child
 * long dead could hit a parallel test's new group with that number (seen: a run's command
 * vanished in tests/integration/executors/reconcile.test.ts).
 */
export function killProcessGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  const then = spawnedGroups.has(child) ? spawnedGroups.get(child)! : null;
  const now = startTicksOf(child.pid);
  if (now !== null && now !== then) return; // the PID is another process's now
  try { process.kill(-child.pid, signal); } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export interface RunAsOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Default: stdin is /dev/null. */
  input?: string;
  /** Default 20 000 ms; then the process group is killed and the promise rejects. */
  timeoutMs?: number;
}

export interface RunAsResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `argv` as `user` to completion (see `spawnAs`); rejects if it is still running after `timeoutMs`. */
export function runAs(user: TestUser, argv: readonly string[], options: RunAsOptions = {}): Promise<RunAsResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const child = spawnAs(user, argv, { cwd: options.cwd, env: options.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  if (options.input !== undefined) {
    child.stdin?.on('error', () => undefined); // EPIPE when the command does not read its input
    child.stdin?.end(options.input);
  }
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killProcessGroup(child);
      // A grandchild that left the group may hold the pipes open: stop waiting for them.
      const stopReading = (): void => { child.stdout?.destroy(); child.stderr?.destroy(); };
      if (child.exitCode !== null || child.signalCode !== null) stopReading();
      else child.once('exit', stopReading);
    }, timeoutMs);
    child.once('error', (error) => { clearTimeout(timer); reject(error); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (!timedOut) resolve({ code, signal, stdout, stderr });
      else reject(new Error(`${describeRun(user, argv)} did not finish within ${timeoutMs} ms; its process group was killed. stdout: ${JSON.stringify(stdout.slice(-500))} stderr: ${JSON.stringify(stderr.slice(-500))}`));
    });
  });
}

/** `runAs`, blocking. On timeout only the command itself is killed (spawnSync has no process groups), then this throws. */
export function runAsSync(user: TestUser, argv: readonly string[], options: RunAsOptions = {}): RunAsResult {
  if (argv.length === 0) throw new Error('runAsSync: argv is empty');
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const r = spawnSync(requiredCommand('setpriv'), setprivArgs(user, argv), {
    cwd: options.cwd ?? user.home, env: userEnv(user, options.env), input: options.input, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL',
  });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') throw new Error(`${describeRun(user, argv)} did not finish within ${timeoutMs} ms and was killed`);
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function setprivArgs(user: TestUser, argv: readonly string[]): string[] {
  return ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--', ...argv];
}

function userEnv(user: TestUser, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: user.home, USER: user.name, LOGNAME: user.name, SHELL: '/bin/sh', PATH: `${path.dirname(process.execPath)}:${SYSTEM_PATH}`, ...extra };
}

function describeRun(user: TestUser, argv: readonly string[]): string {
  return `${JSON.stringify(argv.join(' '))} as ${user.name}`;
}

/** The absolute path of `command` on SYSTEM_PATH, or undefined. */
function systemCommand(command: string): string | undefined {
  for (const dir of SYSTEM_PATH.split(':')) {
    const file = path.join(dir, command);
    try { fs.accessSync(file, fs.constants.X_OK); return file; } catch { /* next */ }
  }
  return undefined;
}

function requiredCommand(command: string): string {
  const file = systemCommand(command);
  if (!file) throw new Error(`${command} is not installed (looked in ${SYSTEM_PATH})`);
  return file;
}

/** Runs a system command as root; returns stdout, or throws with its stderr. */
function mustRun(command: string, args: readonly string[]): string {
  const r = spawnSync(requiredCommand(command), args, { env: { PATH: SYSTEM_PATH }, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr.trim()}`);
  return r.stdout;
}
