/**
 * A shared GPU box, attacked for real (ADR 0012): a root daemon (the built binary), two
 * users in the socket's group (alice, also in a `gpu` group; bob) and one outside it (eve),
 * all real Linux users made by the test setup and removed after. Every attack that the
 * review found working against the header-trusting daemon (ADR 0006) must fail here, and
 * the honest path must work: alice's protocol job runs as alice with her groups, is paused
 * by her, checkpoints, resumes and finishes. Needs root; skipped elsewhere, never under CI.
 */
import { Groups } from '../../helpers/groups';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canManageUsers, createTestUsers, makeRepoReachable, runAs, type TestUser } from '../../helpers/linux-users';
import { CARBOND_BIN, exitWithin, killAll, REPO_ROOT, runCli, spawnCarbond, type SpawnedCarbond } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { waitFor, waitForSocket } from '../../helpers/wait';

const describeAsRoot = canManageUsers() || process.env['CI'] ? describe : describe.skip;
const PY_JOB = path.join(REPO_ROOT, 'examples', 'python', 'protocol_job.py');
const RAW = path.join(REPO_ROOT, 'tests', 'fixtures', 'security', 'raw-request.js');
jest.setTimeout(120_000);

interface Detail {
  id: string;
  owner: string;
  state: string;
  step: number;
  job: { uid: number; gid: number; checkpointDir: string; envNames: string[]; env?: unknown };
  runs: Array<{ id: number; pid: number; exitKind: string | null; startStep: number }>;
  checkpoints: Array<{ path: string; step: number; status: string }>;
}

type Raw = { status?: number; body?: string; error?: string };

function makeUsers() {
  return createTestUsers({ groups: ['sock', 'gpu'], users: [{ key: 'alice', groups: ['sock', 'gpu'] }, { key: 'bob', groups: ['sock'] }, { key: 'eve' }] });
}

describeAsRoot('a root daemon on a shared box, attacked by real users', () => {
  let made: ReturnType<typeof makeUsers>;
  let reach: { restore(): void };
  let dir: string;
  let state: string;
  let socket: string;
  let daemon: SpawnedCarbond;
  const pids = new Groups();
  const alice = (): TestUser => made.users.alice;
  const bob = (): TestUser => made.users.bob;
  const eve = (): TestUser => made.users.eve;

  beforeAll(async () => {
    made = makeUsers();
    reach = makeRepoReachable(REPO_ROOT);
    dir = makeTempDir('cd-sec-');
    fs.chmodSync(dir, 0o711);
    state = path.join(dir, 'state');
    socket = path.join(state, 'carbond.sock');
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, [
      `socketGroup = "${made.groups.sock.name}"`, 'tickInterval = "* * * * * *"',
      '[scheduler]', 'checkpointTimeout = "15s"', 'keepCheckpoints = 2', '',
    ].join('\n'));
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: dir, CARBOND_CONFIG: config };
    daemon = spawnCarbond(['daemon', '--state-dir', state], env);
    await waitForSocket(socket, 20_000);
  });
  afterAll(async () => {
    daemon.process.kill('SIGTERM');
    await exitWithin(daemon, 30_000).catch(() => undefined);
    await killAll();
    pids.killAll();
    made?.cleanup();
    reach?.restore();
    removeDir(dir);
  });

  /** `carbond ARGS` as `user`, in their home, with `env` added to a login-like environment. */
  const cli = (user: TestUser, args: string[], env: NodeJS.ProcessEnv = {}) =>
    runAs(user, [process.execPath, CARBOND_BIN, args[0]!, '--state-dir', state, ...args.slice(1)], { cwd: user.home, env, timeoutMs: 30_000 });
  /** One raw HTTP request over the socket as `user` (see tests/fixtures/security/raw-request.js). */
  async function raw(user: TestUser, method: string, target: string, headers: Record<string, string> = {}, body = '', hold = 0): Promise<Raw> {
    const r = await runAs(user, [process.execPath, RAW, socket, method, target, JSON.stringify(headers), body, ...(hold ? ['--hold', String(hold)] : [])], { timeoutMs: 30_000 });
    return JSON.parse(r.stdout) as Raw;
  }
  async function show(user: TestUser, id: string): Promise<Detail> {
    const r = await cli(user, ['show', id, '--json']);
    expect(r).toMatchObject({ code: 0 });
    const d = JSON.parse(r.stdout) as Detail;
    for (const run of d.runs) if (run.pid && run.exitKind === null) pids.add(run.pid);
    return d;
  }
  const deadline = (): string => new Date(Date.now() + 24 * 3_600_000).toISOString();
  async function submitCounter(user: TestUser, steps: number, extra: string[] = [], env: NodeJS.ProcessEnv = {}, jobArgs: string[] = []): Promise<Detail> {
    const r = await cli(user, ['submit', '--name', 'counter', '--estimate', '1h', '--deadline', deadline(), '--json', ...extra, '--',
      '/usr/bin/python3', PY_JOB, '--steps', String(steps), '--step-seconds', '0.05', '--checkpoint-every', '20', ...jobArgs], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(r.stdout) as Detail;
  }
  /** Uid, gid and supplementary groups of a live process, from /proc. */
  function credsOf(pid: number): { uid: number; gid: number; groups: number[] } {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number[] => (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    return { uid: field('Uid')[0]!, gid: field('Gid')[0]!, groups: field('Groups') };
  }
  const area = (user: TestUser): string => path.join(state, 'users', String(user.uid));

  test('the socket is root:socketGroup 0660 and the state dir, ledger and users dir are root\'s', () => {
    const st = fs.statSync(socket);
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({ uid: 0, gid: made.groups.sock.gid, mode: 0o660 });
    expect(fs.statSync(state).mode & 0o777).toBe(0o711);
    for (const f of fs.readdirSync(state).filter((n) => n.startsWith('ledger.sqlite') || n === 'daemon.lock')) {
      expect({ f, mode: fs.statSync(path.join(state, f)).mode & 0o777 }).toEqual({ f, mode: 0o600 });
    }
  });

  test('eve, outside the socket\'s group, cannot connect at all', async () => {
    expect(await raw(eve(), 'GET', '/v1/jobs')).toEqual({ error: 'EACCES' });
  });

  test('honest path: alice\'s job runs as alice with her groups, she pauses it, it checkpoints, resumes and finishes', async () => {
    // --no-manifest: carbond writes each manifest, as alice (the checkpoint worker under setpriv).
    const sub = await submitCounter(alice(), 200, [], {}, ['--no-manifest']);
    expect(sub).toMatchObject({ owner: alice().name, job: { uid: alice().uid, gid: alice().gid } });
    await waitFor('alice\'s job running', async () => (await show(alice(), sub.id)).step >= 10, 30_000, 200);
    const running = await show(alice(), sub.id);
    const creds = credsOf(running.runs[0]!.pid);
    expect(creds.uid).toBe(alice().uid);
    expect(creds.gid).toBe(alice().gid);
    expect(creds.groups.sort()).toEqual([alice().gid, made.groups.sock.gid, made.groups.gpu.gid].sort());
    // Everything of hers in the state dir is hers alone.
    const runDir = path.join(area(alice()), 'runs', String(running.runs[0]!.id));
    for (const p of [area(alice()), runDir, path.join(runDir, 'output.log'), path.join(runDir, 'events.jsonl'), sub.job.checkpointDir]) {
      expect({ p, uid: fs.statSync(p).uid }).toEqual({ p, uid: alice().uid });
    }
    expect(fs.statSync(area(alice())).mode & 0o777).toBe(0o700);

    expect((await cli(alice(), ['pause', sub.id])).code).toBe(0);
    await waitFor('paused with a verified checkpoint', async () => {
      const d = await show(alice(), sub.id);
      return d.state === 'paused' && d.checkpoints.some((c) => c.status === 'verified');
    }, 40_000, 200);
    const paused = await show(alice(), sub.id);
    const verified = paused.checkpoints.filter((c) => c.status === 'verified');
    // The manifest carbond wrote for her is in her checkpoint dir, owned by her, not by root.
    expect(fs.statSync(path.join(verified.at(-1)!.path, 'manifest.json')).uid).toBe(alice().uid);

    expect((await cli(alice(), ['resume', sub.id])).code).toBe(0);
    await waitFor('finished', async () => (await show(alice(), sub.id)).state === 'finished', 60_000, 300);
    const done = await show(alice(), sub.id);
    expect(done.step).toBe(200);
    expect(done.runs).toHaveLength(2);
    expect(done.runs[1]!.startStep).toBe(verified.at(-1)!.step);
    expect(done.runs.map((r) => r.exitKind)).toEqual(['paused', 'finished']);
  });

  test('bob cannot run anything as root, as alice or with gid 0: a forged header is ignored, identity fields are refused', async () => {
    const body = (over: Record<string, unknown>): string => JSON.stringify({ command: ['/usr/bin/id'], cwd: bob().home, deadlineMs: Date.now() + 86_400_000, estimateMs: 600_000, ...over });
    const forged = await raw(bob(), 'POST', '/v1/jobs', { 'x-carbond-uid': '0' }, body({ gid: 0, owner: 'root' }));
    expect(forged.status).toBe(400);
    expect(forged.body).toMatch(/owner: is set by carbond.*gid: is set by carbond|gid: is set by carbond.*owner: is set by carbond/s);
    const asAlice = await raw(bob(), 'POST', '/v1/jobs', { 'x-carbond-uid': String(alice().uid) }, body({}));
    expect(asAlice.status).toBe(200);
    const job = JSON.parse(asAlice.body!) as Detail;
    expect(job).toMatchObject({ owner: bob().name, job: { uid: bob().uid, gid: bob().gid } });
    await waitFor('bob\'s id job done', async () => (await show(bob(), job.id)).state === 'finished', 30_000, 200);
    const log = await cli(bob(), ['logs', job.id]);
    expect(log.stdout).toMatch(new RegExp(`uid=${bob().uid}\\(${bob().name}\\) gid=${bob().gid}`));
  });

  test('bob cannot pause, resume, cancel, show or read the logs of alice\'s job, even naming her uid; he sees only its summary line', async () => {
    const sub = await submitCounter(alice(), 100_000);
    const as = { 'x-carbond-uid': String(alice().uid) };
    for (const [method, target] of [['POST', 'pause'], ['POST', 'resume'], ['POST', 'cancel'], ['GET', 'logs'], ['GET', '']] as const) {
      const r = await raw(bob(), method, `/v1/jobs/${sub.id}${target ? `/${target}` : ''}`, as);
      expect({ target, status: r.status }).toEqual({ target, status: 403 });
      expect(r.body).toMatch(/permission denied/);
    }
    const list = JSON.parse((await raw(bob(), 'GET', '/v1/jobs', as)).body!) as { jobs: Array<Record<string, unknown>> };
    const line = list.jobs.find((j) => j['id'] === sub.id)!;
    expect(line).toMatchObject({ owner: alice().name, name: 'counter' });
    expect(line).not.toHaveProperty('job');
    // Waiting asks the same owner-only route: bob learns nothing about the job but the refusal.
    for (const args of [['wait', sub.id], ['pause', sub.id, '--wait'], ['cancel', sub.id, '--wait']]) {
      const r = await cli(bob(), args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/permission denied/);
    }
    expect((await show(alice(), sub.id)).state).not.toBe('cancelled');
    expect((await cli(alice(), ['cancel', sub.id])).code).toBe(0);
    // Root may act on anyone's job.
    const other = await submitCounter(alice(), 100_000);
    expect((await raw(bob(), 'POST', `/v1/jobs/${other.id}/cancel`)).status).toBe(403);
    const byRoot = await runCli(['cancel', other.id, '--state-dir', state], { PATH: process.env['PATH'], HOME: dir, CARBOND_CONFIG: path.join(dir, 'config.toml') });
    expect(byRoot.code).toBe(0);
    expect((await show(alice(), other.id)).state).toBe('cancelled');
  });

  test('a job keeps only the environment the rule exports; its values are never shown; the ledger is unreadable to users', async () => {
    const env = { HF_TOKEN: 'hf_secret_token_123', AWS_SECRET_ACCESS_KEY: 'aws_secret_456', OMP_NUM_THREADS: '3' };
    const sub = await submitCounter(alice(), 5, ['--env', 'HF_TOKEN'], env);
    expect(sub.job.envNames).toEqual(expect.arrayContaining(['HF_TOKEN', 'OMP_NUM_THREADS', 'PATH']));
    expect(sub.job.envNames).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(sub.job).not.toHaveProperty('env');
    for (const user of [alice(), bob()]) {
      const r = await raw(user, 'GET', `/v1/jobs/${sub.id}`);
      expect(r.body).not.toMatch(/hf_secret|aws_secret/);
      expect((await raw(user, 'GET', '/v1/jobs')).body).not.toMatch(/hf_secret|aws_secret/);
    }
    const cat = await runAs(bob(), ['cat', path.join(state, 'ledger.sqlite')]);
    expect(cat.code).not.toBe(0);
    expect(cat.stderr).toMatch(/Permission denied/);
    expect((await runAs(bob(), ['ls', state])).stderr).toMatch(/Permission denied/);
  });

  test('root does not serve a log that alice replaced by a link to /etc/shadow, nor follow a link in its path', async () => {
    const sub = await submitCounter(alice(), 100_000);
    await waitFor('running', async () => (await show(alice(), sub.id)).step > 0, 30_000, 200);
    const d = await show(alice(), sub.id);
    const runDir = path.join(area(alice()), 'runs', String(d.runs[0]!.id));
    expect((await runAs(alice(), ['sh', '-c', `rm -f "${runDir}/output.log" && ln -s /etc/shadow "${runDir}/output.log"`])).code).toBe(0);
    const logs = await cli(alice(), ['logs', sub.id]);
    expect(logs.stdout + logs.stderr).not.toMatch(/root:/);
    expect(logs.code).toBe(2);
    expect(logs.stderr).toMatch(/not readable: .*symbolic link/);
    expect((await cli(alice(), ['cancel', sub.id])).code).toBe(0);
  });

  test('a checkpoint acknowledged as a link to a root-only directory is not verified, and root writes and hashes nothing there', async () => {
    const secretDir = path.join(dir, 'root-only');
    fs.mkdirSync(secretDir, { mode: 0o700 });
    fs.writeFileSync(path.join(secretDir, 'weights.bin'), 'root data');
    const sub = await submitCounter(alice(), 100_000);
    await waitFor('running', async () => (await show(alice(), sub.id)).step > 0, 30_000, 200);
    const d = await show(alice(), sub.id);
    const events = path.join(area(alice()), 'runs', String(d.runs[0]!.id), 'events.jsonl');
    const evil = path.join(sub.job.checkpointDir, 'evil');
    expect((await runAs(alice(), ['sh', '-c', `ln -s "${secretDir}" "${evil}" && printf '%s\\n' '{"event":"checkpoint","path":"${evil}","step":7}' >> "${events}"`])).code).toBe(0);
    await waitFor('the forged checkpoint recorded', async () => (await show(alice(), sub.id)).checkpoints.some((c) => c.path === evil), 20_000, 200);
    const ck = (await show(alice(), sub.id)).checkpoints.find((c) => c.path === evil)!;
    expect(ck.status).not.toBe('verified');
    expect(fs.readdirSync(secretDir)).toEqual(['weights.bin']);
    expect((await cli(alice(), ['cancel', sub.id])).code).toBe(0);
  });

  test('a run dir path that alice links to /etc makes her run fail, and nothing is created in /etc', async () => {
    const runs = path.join(area(alice()), 'runs');
    expect((await runAs(alice(), ['sh', '-c', `rm -rf "${runs}" && ln -s /etc "${runs}"`])).code).toBe(0);
    const before = new Set(fs.readdirSync('/etc'));
    const sub = await submitCounter(alice(), 10);
    await waitFor('the run ended', async () => (await show(alice(), sub.id)).runs.some((r) => r.exitKind !== null), 30_000, 200);
    expect(fs.readdirSync('/etc').filter((n) => !before.has(n))).toEqual([]);
    expect(fs.existsSync(path.join('/etc', String((await show(alice(), sub.id)).runs[0]!.id)))).toBe(false);
    await runAs(alice(), ['sh', '-c', `rm -f "${runs}"`]);
    await cli(alice(), ['cancel', sub.id]);
  });

  test('an events file replaced by a FIFO or a 2 GiB sparse file stalls no tick: bob\'s job goes on and status answers', async () => {
    const hers = await submitCounter(alice(), 100_000);
    const his = await submitCounter(bob(), 100_000);
    await waitFor('both running', async () => (await show(alice(), hers.id)).step > 0 && (await show(bob(), his.id)).step > 0, 30_000, 200);
    const runDir = path.join(area(alice()), 'runs', String((await show(alice(), hers.id)).runs[0]!.id));
    // Made aside and renamed over the file: her running job appends events, and would recreate
    // a removed file between an `rm` and a `mkfifo` (seen in CI: mkfifo: File exists).
    expect(await runAs(alice(), ['sh', '-c', `mkfifo "${runDir}/ev.fifo" && mv -f "${runDir}/ev.fifo" "${runDir}/events.jsonl"`])).toMatchObject({ code: 0, stderr: '' });
    const step0 = (await show(bob(), his.id)).step;
    await waitFor('bob\'s job progressing past the FIFO', async () => (await show(bob(), his.id)).step > step0 + 20, 20_000, 200);
    expect((await cli(bob(), ['status', '--json'])).code).toBe(0);
    expect((await runAs(alice(), ['sh', '-c', `truncate -s 2G "${runDir}/ev.sparse" && mv -f "${runDir}/ev.sparse" "${runDir}/events.jsonl"`])).code).toBe(0);
    const step1 = (await show(bob(), his.id)).step;
    await waitFor('bob\'s job progressing past the sparse file', async () => (await show(bob(), his.id)).step > step1 + 20, 20_000, 200);
    const status = await cli(bob(), ['status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ daemon: { running: true } });
    await cli(alice(), ['cancel', hers.id]);
    await cli(bob(), ['cancel', his.id]);
  });

  test('malformed requests get a 4xx naming what was wrong, and one user cannot hold every connection', async () => {
    const bad = await raw(bob(), 'GET', '/v1/jobs/%zz');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/not a valid URL-encoded path segment/);
    const sub = await submitCounter(bob(), 10);
    const off = await raw(bob(), 'GET', `/v1/jobs/${sub.id}/logs?offset=abc`);
    expect(off.status).toBe(400);
    expect(off.body).toMatch(/offset: must be a whole number/);
    const hoarded = await raw(bob(), 'GET', '/v1/jobs', {}, '', 16);
    expect(hoarded.status).toBe(429);
    expect(hoarded.body).toMatch(/too many open connections from uid/);
    expect((await raw(alice(), 'GET', '/v1/jobs')).status).toBe(200);
  });
});
