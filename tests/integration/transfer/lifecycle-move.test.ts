/**
 * The daemon's move path (issue 15) with real processes, real rsync and a real Linux user:
 * two sites with their own checkpoint storage (`checkpointRoot`); a job runs on site a, is
 * paused with a verified checkpoint there, and the plan moves it to site b. The lifecycle
 * copies the checkpoint into b's storage as the owner, verifies it on arrival, records the
 * copy, and only then starts the job on b from the copy, with b's checkpoint dir; it finishes
 * at its final step. A copy corrupted in transit is caught, recorded, never resumed from, and
 * the planner keeps the job off that site for a while; the source stays and the job goes on
 * from it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { closeLedger, openLedger, type Db } from '../../../src/ledger/db';
import { checkpointsOf } from '../../../src/ledger/checkpoints';
import { energySamplesOfJobs } from '../../../src/ledger/energy';
import { currentState, insertJob, type JobRecord } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { transfersOf } from '../../../src/ledger/transfers';
import { LocalProcessExecutor } from '../../../src/executors/local-process';
import { copyCheckpoint, type CopyCheckpointOptions } from '../../../src/executors/transfer';
import { storeVerifier } from '../../../src/executors/verify';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { jobDetail } from '../../../src/daemon/jobs/views';
import { renderDetail } from '../../../src/cli/commands/show';
import { buildPlanInput } from '../../../src/daemon/jobs/plan-input';
import type { SiteModel } from '../../../src/daemon/jobs/types';
import type { ActionKind, Plan, PlanInput } from '../../../scheduler/types';
import { groupOf, killGroup } from '../../helpers/groups';
import { createTestUsers, makeRepoReachable, type TestUser } from '../../helpers/linux-users';
import { jobRecord } from '../../contract/executors/job-record';
import { describeTransfer } from './transfer-env';

jest.setTimeout(90_000);

const REPO = path.resolve(__dirname, '../../..');
const PROTOCOL_JOB = path.join(REPO, 'tests/fixtures/jobs/protocol-job.js');
const STEPS = 300;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describeTransfer('the daemon moves a paused job to a site with its own checkpoint storage', () => {
  let users: ReturnType<typeof createTestUsers<'owner'>>;
  let owner: TestUser;
  let reach: { restore(): void };
  let dir: string;
  let db: Db;
  let lifecycle: JobLifecycle;
  let sites: SiteModel[];
  /** The test's plan per job: an action and a site. */
  const plan = new Map<string, { action: ActionKind; site: string }>();
  /** Set to corrupt the next copy in transit (a byte of its state file flipped before verification). */
  let corruptNext = false;

  beforeAll(() => {
    reach = makeRepoReachable(REPO);
    users = createTestUsers({ users: [{ key: 'owner' }] });
    owner = users.users.owner;
  });
  afterAll(() => {
    users?.cleanup();
    reach?.restore();
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-move-'));
    fs.chmodSync(dir, 0o755); // the owner passes through to its areas, as under /var/lib
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: systemClock.now() });
    const roots = { a: path.join(dir, 'site-a'), b: path.join(dir, 'site-b') };
    const verify = storeVerifier(systemClock, [dir, roots.a, roots.b]);
    const executor = new LocalProcessExecutor({ stateDir: dir, clock: systemClock, verifyCheckpoint: verify });
    const site = (name: 'a' | 'b', zone: string): SiteModel => ({ name, zone, gpus: 1, executor, jobPowerW: () => 300, suspendedPowerW: () => 20, checkpointRoot: roots[name] });
    sites = [site('a', 'GB'), site('b', 'FR')];
    const planSource = (input: PlanInput): Plan => ({
      createdAtMs: input.nowMs, policy: input.policy, jobs: [], nextWakeMs: input.nowMs + 1000,
      decisions: input.jobs.map((j) => {
        const p = plan.get(j.id) ?? { action: 'start' as const, site: 'a' };
        return { jobId: j.id, action: p.action, site: p.site, reason: `test plan: ${p.action} on ${p.site}` };
      }),
    });
    const copy = (o: CopyCheckpointOptions): ReturnType<typeof copyCheckpoint> => {
      if (!corruptNext) return copyCheckpoint(o);
      corruptNext = false;
      return copyCheckpoint({ ...o, onArrived: ({ tmpPath }) => flipByte(path.join(tmpPath, 'state.json')) });
    };
    lifecycle = new JobLifecycle({ db, clock: systemClock, logger: nullLogger, verifyCheckpoint: verify, planSource, sites, stateDir: dir,
      areaRoots: [dir, roots.a, roots.b], copyCheckpoint: copy });
  });

  afterEach(async () => {
    for (const run of db.prepare('SELECT pid, pid_start_ticks AS startTicks FROM runs WHERE pid IS NOT NULL').all() as Array<{ pid: number; startTicks: string | null }>) {
      killGroup(groupOf(run.pid, run.startTicks));
    }
    await lifecycle.idle();
    closeLedger(db);
    fs.rmSync(dir, { recursive: true, force: true });
    plan.clear();
  });

  function submit(): JobRecord {
    const cwd = fs.mkdtempSync(path.join(owner.home, 'job-'));
    fs.chownSync(cwd, owner.uid, owner.gid);
    const job = jobRecord({ cwd, checkpointDir: '', uid: owner.uid, gid: owner.gid, owner: owner.name, sites: ['a', 'b'], homeSite: 'a',
      command: [process.execPath, PROTOCOL_JOB, '--steps', String(STEPS), '--step-ms', '15'], submittedAtMs: systemClock.now(), deadlineMs: systemClock.now() + 86_400_000 });
    const withDir = { ...job, checkpointDir: path.join(dir, 'users', String(owner.uid), 'checkpoints', job.id) };
    insertJob(db, withDir);
    return withDir;
  }

  async function tickUntil(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > until) throw new Error(`not reached in time: ${what}`);
      await lifecycle.tick(systemClock.now());
      await lifecycle.idle();
      await sleep(50);
    }
  }

  const state = (job: JobRecord): string | null => currentState(db, job.id);
  const stepOf = (job: JobRecord): number => Math.max(0, ...runsOf(db, job.id).map((r) => r.lastStep ?? 0));
  const siteDir = (site: 'a' | 'b', job: JobRecord): string => path.join(dir, `site-${site}`, 'users', String(owner.uid), 'checkpoints', job.id);

  /** Runs the job on a until it has made progress, then pauses it there with a verified checkpoint. */
  async function runThenPauseOnA(job: JobRecord): Promise<{ step: number; path: string }> {
    plan.set(job.id, { action: 'start', site: 'a' });
    await tickUntil(() => state(job) === 'running' && stepOf(job) >= 20, 'running on a with progress');
    plan.set(job.id, { action: 'pause', site: 'a' });
    await tickUntil(() => state(job) === 'paused', 'paused on a');
    const ckpt = checkpointsOf(db, job.id).filter((c) => c.status === 'verified').pop()!;
    expect(ckpt.path.startsWith(siteDir('a', job) + path.sep)).toBe(true); // written in a's storage: its run was given a's dir
    return ckpt;
  }

  it('copies the checkpoint to b as the owner, verifies it, records the copy, then resumes there and finishes', async () => {
    const job = submit();
    const source = await runThenPauseOnA(job);

    plan.set(job.id, { action: 'migrate', site: 'b' });
    await lifecycle.tick(systemClock.now()); // starts the copy; nothing runs yet
    expect(lifecycle.isMoving(job.id)).toBe(true);
    expect(state(job)).toBe('paused');
    await lifecycle.idle();

    const [transfer] = transfersOf(db, job.id);
    expect(transfer).toMatchObject({ fromSite: 'a', toSite: 'b', source: source.path, step: source.step, outcome: 'ok' });
    expect(transfer!.destination).toBe(path.join(siteDir('b', job), path.basename(source.path)));
    expect(transfer!.bytes).toBeGreaterThan(0);
    const copy = checkpointsOf(db, job.id).find((c) => c.path === transfer!.destination)!;
    expect(copy).toMatchObject({ status: 'verified', step: source.step, runId: null });
    expect(fs.readFileSync(path.join(copy.path, 'state.json'))).toEqual(fs.readFileSync(path.join(source.path, 'state.json')));
    expect(fs.statSync(copy.path).uid).toBe(owner.uid); // copied with the owner's rights
    expect(fs.existsSync(source.path)).toBe(true); // the source is kept
    // The copy's energy: its time at b's CPU power (jobPowerW(0) = 300 W here), in b's zone, as an overhead without a run.
    const charged = energySamplesOfJobs(db, [job.id]).filter((e) => e.meter === 'transfer');
    expect(charged).toEqual([expect.objectContaining({ runId: null, site: 'b', zone: 'FR', overhead: true, startMs: transfer!.startedAtMs, durationMs: transfer!.endedAtMs - transfer!.startedAtMs })]);
    expect(charged[0]!.energyKWh).toBeCloseTo((300 * charged[0]!.durationMs) / 3.6e9, 12);

    // `carbond show` lists the copy.
    const detail = jobDetail(db, job.id)!;
    expect(detail.transfers).toEqual([expect.objectContaining({ fromSite: 'a', toSite: 'b', step: source.step, outcome: 'ok' })]);
    expect(renderDetail(detail)).toMatch(new RegExp(`checkpoint copies:\\n  \\S+  a → b  step ${source.step}  \\d+ B in \\d+\\.\\d s  ok`));

    await tickUntil(() => state(job) === 'running', 'running on b');
    const runs = runsOf(db, job.id);
    expect(runs.map((r) => r.site)).toEqual(['a', 'b']);
    expect(runs[1]).toMatchObject({ startStep: source.step, resumedFrom: copy.id }); // from the copy at b

    plan.set(job.id, { action: 'start', site: 'b' });
    await tickUntil(() => state(job) === 'finished', 'finished on b', 60_000);
    const starts = fs.readFileSync(path.join(job.cwd, 'starts.log'), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[2]));
    expect(starts).toEqual([0, source.step]);
    expect(stepOf(job)).toBe(STEPS);
  });

  it('catches a copy corrupted in transit: recorded, never resumed from, b left out of the plan for a while; the job goes on from a', async () => {
    const job = submit();
    const source = await runThenPauseOnA(job);

    corruptNext = true;
    plan.set(job.id, { action: 'migrate', site: 'b' });
    await lifecycle.tick(systemClock.now());
    await lifecycle.idle();

    const [transfer] = transfersOf(db, job.id);
    expect(transfer).toMatchObject({ fromSite: 'a', toSite: 'b', outcome: 'corrupt' });
    expect(transfer!.error).toMatch(/verif|sha256|match/i);
    expect(checkpointsOf(db, job.id).filter((c) => c.path.startsWith(siteDir('b', job)))).toEqual([]);
    expect(fs.existsSync(siteDir('b', job)) ? fs.readdirSync(siteDir('b', job)) : []).toEqual([]); // the corrupt copy was removed
    expect(state(job)).toBe('paused');
    expect(runsOf(db, job.id)).toHaveLength(1); // nothing started from it

    const input = buildPlanInput(db, { nowMs: systemClock.now(), slotMs: 300_000, safetyMarginMs: 0, policy: 'carbond', sites, signal: { series: {} } });
    expect(input.jobs.find((j) => j.id === job.id)!.sites).toEqual(['a']);

    plan.set(job.id, { action: 'resume', site: 'a' });
    await tickUntil(() => state(job) === 'finished', 'finished on a', 60_000);
    expect(runsOf(db, job.id)[1]).toMatchObject({ site: 'a', startStep: source.step });
  });

  it('creates a missing checkpoint root that users can pass through under the daemon\'s umask, and refuses a root others can write', async () => {
    const old = process.umask(0o077); // the daemon's
    try {
      const job = submit();
      const source = await runThenPauseOnA(job); // a's root did not exist: made 0711, and the job could write there
      expect(fs.statSync(path.join(dir, 'site-a')).mode & 0o777).toBe(0o711);
      expect(source.path.startsWith(siteDir('a', job))).toBe(true);

      fs.mkdirSync(path.join(dir, 'site-b'), { mode: 0o777 });
      fs.chmodSync(path.join(dir, 'site-b'), 0o777); // anyone could swap its users/ for a link
      plan.set(job.id, { action: 'migrate', site: 'b' });
      await lifecycle.tick(systemClock.now());
      await lifecycle.idle();
      expect(transfersOf(db, job.id)).toMatchObject([{ toSite: 'b', outcome: 'failed', error: expect.stringMatching(/site b: checkpointRoot .* can be written by others \(mode 777\)/) }]);
      expect(fs.readdirSync(path.join(dir, 'site-b'))).toEqual([]); // nothing made in it
      expect(state(job)).toBe('paused');
    } finally {
      process.umask(old);
    }
  });

  it('plans a move to b with an estimated time before any copy, and none once the checkpoint is at both sites', async () => {
    const job = submit();
    await runThenPauseOnA(job);
    const input = (): PlanInput => buildPlanInput(db, { nowMs: systemClock.now(), slotMs: 300_000, safetyMarginMs: 0, policy: 'carbond', sites, signal: { series: {} } });
    const before = input().jobs[0]!.moveMs!;
    expect(Object.keys(before)).toEqual(['b']); // a holds the checkpoint
    expect(before['b']).toBeGreaterThanOrEqual(10_000); // the estimate before any copy was measured

    plan.set(job.id, { action: 'migrate', site: 'b' });
    await lifecycle.tick(systemClock.now());
    await lifecycle.idle();
    const measured = transfersOf(db, job.id)[0]!;
    expect(measured.seconds).toBeGreaterThan(0);
    expect(input().jobs[0]!.moveMs).toBeUndefined(); // the newest checkpoint is now at both sites
  });
});

/** Flips one byte of `file` (as root: the test stands for a fault in transit). */
function flipByte(file: string): void {
  const data = fs.readFileSync(file);
  data[0] = data[0]! ^ 0xff;
  fs.writeFileSync(file, data);
}
