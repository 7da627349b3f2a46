/**
 * The linux-users helper, for real: users made with useradd, commands run as them, and
 * nothing left behind. Needs root; skipped elsewhere, except under CI, where it must run.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { canManageUsers, createTestUsers, killProcessGroup, makeRepoReachable, runAs, runAsSync, spawnAs, type TestUser } from '../../helpers/linux-users';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { waitFor } from '../../helpers/wait';

const describeWithUsers = canManageUsers() || process.env.CI ? describe : describe.skip;

function makeAliceAndBob() {
  return createTestUsers({ groups: ['sock'], users: [{ key: 'alice', groups: ['sock'] }, { key: 'bob' }] });
}

/** The exit status of `getent DATABASE NAME`: 0 found, 2 no such entry. */
function getentStatus(database: 'passwd' | 'group', name: string): number | null {
  return spawnSync('getent', [database, name]).status;
}

describeWithUsers('commands run as test users', () => {
  let made: ReturnType<typeof makeAliceAndBob> | undefined;
  let dir = '';
  const alice = (): TestUser => made!.users.alice;
  const bob = (): TestUser => made!.users.bob;
  beforeAll(() => { made = makeAliceAndBob(); });
  afterAll(() => made?.cleanup());
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  test('runs as alice with her uid and primary gid, which are neither root nor bob', async () => {
    const uid = await runAs(alice(), ['id', '-u']);
    const gid = await runAs(alice(), ['id', '-g']);
    expect(uid).toEqual({ code: 0, signal: null, stdout: `${alice().uid}\n`, stderr: '' });
    expect(gid.stdout).toBe(`${alice().gid}\n`);
    expect(alice().uid).not.toBe(0);
    expect(alice().uid).not.toBe(bob().uid);
    expect(alice().name).toMatch(/^cbt[0-9a-f]{4}-alice$/);
  });

  test('gives alice the groups she was made with, and bob only his own', async () => {
    const sock = made!.groups.sock.gid;
    const aliceGroups = (await runAs(alice(), ['id', '-G'])).stdout.trim().split(' ').map(Number);
    const bobGroups = (await runAs(bob(), ['id', '-G'])).stdout.trim().split(' ').map(Number);
    expect(aliceGroups.sort()).toEqual([alice().gid, sock].sort());
    expect(alice().groups.sort()).toEqual([alice().gid, sock].sort());
    expect(bobGroups).toEqual([bob().gid]);
  });

  test('denies alice a root file of mode 0600 that she may read at 0644', async () => {
    fs.chmodSync(dir, 0o755); // so that only the file's own mode decides
    const secret = path.join(dir, 'secret');
    fs.writeFileSync(secret, 'root only\n', { mode: 0o600 });
    const denied = await runAs(alice(), ['cat', secret]);
    fs.chmodSync(secret, 0o644);
    const allowed = await runAs(alice(), ['cat', secret]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toContain('Permission denied');
    expect(allowed).toMatchObject({ code: 0, stdout: 'root only\n' });
  });

  test('creates the files alice writes in her private home with her uid and gid', async () => {
    const result = await runAs(alice(), ['sh', '-c', 'echo mine > "$HOME/note"']);
    const note = fs.statSync(path.join(alice().home, 'note'));
    expect(result.code).toBe(0);
    expect({ uid: note.uid, gid: note.gid }).toEqual({ uid: alice().uid, gid: alice().gid });
    expect(fs.statSync(alice().home).mode & 0o777).toBe(0o700);
    expect((await runAs(bob(), ['ls', alice().home])).stderr).toContain('Permission denied');
  });

  test("passes only the user's environment plus the extra variables, stdin and cwd", async () => {
    const env = await runAs(alice(), ['env'], { env: { CARBOND_PROBE: 'yes' } });
    const vars = Object.fromEntries(env.stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(Object.keys(vars).sort()).toEqual(['CARBOND_PROBE', 'HOME', 'LOGNAME', 'PATH', 'SHELL', 'USER']);
    expect(vars).toMatchObject({ CARBOND_PROBE: 'yes', HOME: alice().home, USER: alice().name, LOGNAME: alice().name });
    expect((await runAs(alice(), ['cat'], { input: 'from stdin' })).stdout).toBe('from stdin');
    expect((await runAs(alice(), ['pwd'], { cwd: '/' })).stdout).toBe('/\n');
    expect(runAsSync(alice(), ['sh', '-c', 'cat; id -u'], { input: 'sync ' })).toEqual({ code: 0, signal: null, stdout: `sync ${alice().uid}\n`, stderr: '' });
  });

  test('kills the whole process group and rejects when a command outlives its timeout', async () => {
    await expect(runAs(alice(), ['sh', '-c', 'sleep 30 & sleep 30'], { timeoutMs: 300 })).rejects.toThrow(/"sh -c sleep 30 & sleep 30" as cbt[0-9a-f]{4}-alice did not finish within 300 ms/);
    await waitFor('no live process of alice', () => spawnSync('pgrep', ['-u', alice().name, '-r', 'R,S,D,T']).status === 1, 5_000);
  });
});

describeWithUsers('removing test users', () => {
  test('cleanup kills leftover processes and removes users, groups and homes; a second call does nothing', async () => {
    const made = createTestUsers({ groups: ['gpu'], users: [{ key: 'carol', groups: ['gpu'] }] });
    const carol = made.users.carol;
    const sleeper = spawnAs(carol, ['sleep', '60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => sleeper.once('exit', (_code, signal) => resolve(signal)));
    try {
      expect(getentStatus('passwd', carol.name)).toBe(0);
      made.cleanup();
      expect(await exited).toBe('SIGKILL');
      expect(getentStatus('passwd', carol.name)).toBe(2);
      expect(getentStatus('group', carol.name)).toBe(2);
      expect(getentStatus('group', made.groups.gpu.name)).toBe(2);
      expect(fs.existsSync(carol.home)).toBe(false);
      expect(() => made.cleanup()).not.toThrow();
    } finally {
      killProcessGroup(sleeper);
      made.cleanup();
    }
  });

  test('removes the users of a test process that was SIGKILLed before its cleanup', async () => {
    const dir = makeTempDir();
    try {
      const source = fs.readFileSync(path.join(__dirname, '..', '..', 'helpers', 'linux-users.ts'), 'utf8');
      const helper = path.join(dir, 'linux-users.js');
      fs.writeFileSync(helper, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
      const script = `const made = require(${JSON.stringify(helper)}).createTestUsers({ users: [{ key: 'dan' }] });
        console.log(JSON.stringify(made.users.dan)); setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      const dan = JSON.parse(await waitFor('the child to make dan', () => out.includes('\n') && out, 15_000)) as TestUser;
      expect(getentStatus('passwd', dan.name)).toBe(0);
      child.kill('SIGKILL');
      await waitFor(`${dan.name} to be removed by the watchdog`, () => getentStatus('passwd', dan.name) === 2 && getentStatus('group', dan.name) === 2, 10_000);
      expect(fs.existsSync(dan.home)).toBe(false);
    } finally {
      removeDir(dir);
    }
  });

  test('rejects a bad spec with every problem named, before creating anything', () => {
    const bad = { groups: ['ok'], users: [{ key: 'Alice' }, { key: 'ok' }, { key: 'x'.repeat(30) }, { key: 'fred', groups: ['nope'] }] };
    expect(() => createTestUsers(bad)).toThrow(/key "Alice" must match.*longer than 32 characters.*ok is both a group and a user.*user fred is in group nope/);
  });
});

describeWithUsers('makeRepoReachable', () => {
  let made: ReturnType<typeof makeAliceAndBob> | undefined;
  let dir = '';
  beforeAll(() => { made = makeAliceAndBob(); });
  afterAll(() => made?.cleanup());
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  /** A checkout at DIR/outer/repo: DIR 0700 (mkdtemp), outer 0750, repo 0700, native 0700, files 0600. */
  function makePrivateRepo(): string {
    const repo = path.join(dir, 'outer', 'repo');
    for (const sub of ['bin', 'node_modules/pkg', 'native/build', 'src']) fs.mkdirSync(path.join(repo, sub), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(repo, 'bin', 'tool'), '#!/bin/sh\necho tool ran\n', { mode: 0o700 });
    fs.writeFileSync(path.join(repo, 'node_modules', 'pkg', 'index.js'), 'module.exports = 1;\n', { mode: 0o600 });
    fs.writeFileSync(path.join(repo, 'native', 'build', 'addon.node'), 'binary', { mode: 0o600 });
    fs.writeFileSync(path.join(repo, 'src', 'private.ts'), 'secret', { mode: 0o600 });
    fs.chmodSync(path.join(dir, 'outer'), 0o750);
    fs.chmodSync(repo, 0o700);
    fs.chmodSync(path.join(repo, 'native'), 0o700);
    return repo;
  }

  const modes = (repo: string): number[] => [dir, path.dirname(repo), repo, path.join(repo, 'native')].map((d) => fs.statSync(d).mode & 0o7777);

  test('lets other users run bin/ and read node_modules and native/build until the last holder restores', async () => {
    const repo = makePrivateRepo();
    const alice = made!.users.alice;
    const reads = async (): Promise<Array<number | null>> => Promise.all([
      runAs(alice, [path.join(repo, 'bin', 'tool')]),
      runAs(alice, ['cat', path.join(repo, 'node_modules', 'pkg', 'index.js')]),
      runAs(alice, ['cat', path.join(repo, 'native', 'build', 'addon.node')]),
    ]).then((results) => results.map((r) => r.code));

    expect(await reads()).not.toContain(0);
    const first = makeRepoReachable(repo);
    const second = makeRepoReachable(repo);
    expect(modes(repo)).toEqual([0o701, 0o751, 0o701, 0o701]);
    expect(await reads()).toEqual([0, 0, 0]);
    expect((await runAs(alice, [path.join(repo, 'bin', 'tool')])).stdout).toBe('tool ran\n');
    expect((await runAs(alice, ['cat', path.join(repo, 'src', 'private.ts')])).code).not.toBe(0);
    first.restore();
    expect(await reads()).toEqual([0, 0, 0]);
    second.restore();
    second.restore();
    expect(modes(repo)).toEqual([0o700, 0o750, 0o700, 0o700]);
    expect(await reads()).not.toContain(0);
  });
});
