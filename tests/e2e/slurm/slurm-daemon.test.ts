/**
 * Issue 15's acceptance, end to end: the BUILT daemon, run as root, with Slurm sites on the real
 * single-node Slurm (partitions `zone-a` and `zone-b`, tests/setup/slurm-local.sh), planning on a
 * replayed carbon signal (tests/fixtures/slurm-e2e) with a scaled clock where the signal matters,
 * and the Python protocol example submitted with the CLI by a real non-root user.
 *
 * Jobs ask for no GPU: the executor adds `--gres=gpu:N` only for a job with `gpus > 0`, and the
 * test Slurm has no GPUs (its node would never fit such a job). The sites still declare one GPU
 * each, as the issue's configuration does.
 *
 * At 240× one wall second is four sample minutes: a two-hour window of the trace passes in 30 s.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryLogger } from '../../../src/core/logger';
import { killAll } from '../../helpers/processes';
import { sleep, waitFor } from '../../helpers/wait';
import { describeSlurm, runSetup, SlurmWorld } from '../../integration/slurm/slurm-env';
import {
  DaemonWorld, filesOf, HOUR_MS, MINUTE_MS, pythonState, slurmJobsOf, Team, waitForAccounting,
  type Detail, type ShowCheckpoint, type ShowRun, type SlurmRow,
} from './daemon-world';

jest.setTimeout(300_000);

const SCALE = 240;
const SLURM_TERMINAL = /^(COMPLETED|CANCELLED|FAILED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED)$/;
const TWO_SITES = { a: { partition: 'zone-a', zone: 'Z1' }, b: { partition: 'zone-b', zone: 'Z2' } } as const;

const toStates = (d: Detail): string[] => d.transitions.map((t) => t.to);
const atMs = (d: Detail, to: string, nth = 0): number => Date.parse(d.transitions.filter((t) => t.to === to)[nth]!.at);
const verifiedOf = (d: Detail, runId: number | null): ShowCheckpoint[] => d.checkpoints.filter((c) => c.runId === runId && c.status === 'verified');
const idsOf = (rows: readonly SlurmRow[]): string[] => [...new Set(rows.map((r) => r.id))].sort();
/** 1 + 2 + … + n: the example's running sum after n steps. */
const sumTo = (n: number): number => (n * (n + 1)) / 2;

describeSlurm('carbond on a real Slurm: held, released, paused, moved, re-adopted and through a controller outage (issue 15)', () => {
  let team: Team;
  let world: DaemonWorld | undefined;
  const alice = (): Team['alice'] => team.alice;

  beforeAll(() => { team = new Team(); });
  afterEach(async () => {
    try { runSetup('start-ctld'); } catch { /* reported by the test that stopped it */ }
    await world?.cleanup();
    world = undefined;
    await killAll();
  });
  afterAll(() => { team?.cleanup(); });

  /** The run's Slurm job as `squeue` (or, once forgotten, `sacct`) lists it. */
  function slurmJobOf(jobId: string, run: ShowRun): SlurmRow | undefined {
    const rows = slurmJobsOf(alice().name, jobId);
    return [...rows.squeue, ...rows.sacct].find((r) => r.id === run.executorRef);
  }

  it('holds the job while its zone is dirty, releases it when clean, pauses it with a verified checkpoint when dirty, resumes from that checkpoint and finishes, all as the user', async () => {
    const w = (world = new DaemonWorld(team, { label: 'held', trace: 'hold-release', sites: TWO_SITES, timeScale: SCALE }));
    await w.withEvidence(async () => {
      await w.start();
      const t0 = w.originMs;
      const steps = 90; // 0.5 s each: 45 s of wall time, 3 sample hours
      const id = await w.submitPython(alice(), { name: 'held', sites: ['a'], steps, stepSeconds: 0.5, estimate: '3h', deadlineMs: t0 + 12 * HOUR_MS });

      // Held: queued, no run and no Slurm job while Z1 is dirty (its first clean slot is at 1 h).
      const checkedAt = w.simNow();
      const held = await w.show(id);
      expect(checkedAt).toBeLessThan(t0 + 50 * MINUTE_MS);
      expect({ state: held.state, runs: held.runs.length }).toEqual({ state: 'queued', runs: 0 });
      expect(held.owner).toBe(alice().name);
      expect(slurmJobsOf(alice().name, id)).toEqual({ squeue: [], sacct: [] });
      await waitFor('the plan to hold it', async () => (await w.show(id)).decisions.some((d) => /^waiting /.test(d.reason)), 20_000, 1_000);

      // Released when clean: one Slurm job, on zone-a, of the user.
      const running = await w.waitForJob(id, 'released', (d) => d.state === 'running' && d.runs.length === 1 && d.step >= 1, w.wallMs(2 * HOUR_MS) + 60_000);
      const first = running.runs[0]!;
      expect(first.site).toBe('a');
      expect(atMs(running, 'running')).toBeGreaterThanOrEqual(t0 + HOUR_MS);
      expect(atMs(running, 'running')).toBeLessThan(t0 + HOUR_MS + 45 * MINUTE_MS);
      expect(slurmJobOf(id, first)).toMatchObject({ user: alice().name, partition: 'zone-a', state: 'RUNNING' });
      const runDir = path.join(w.state, 'users', String(alice().uid), 'runs', String(first.id));
      expect(fs.statSync(path.join(runDir, 'events.jsonl')).uid).toBe(alice().uid);

      // Paused when dirty again (from 3 h), with a verified checkpoint; its Slurm job is gone.
      const paused = await w.waitForJob(id, 'paused', (d) => d.state === 'paused' && d.runs[0]!.exitKind !== null,
        w.wallMs(Math.max(0, t0 + 4 * HOUR_MS - w.simNow())) + 60_000);
      const stopped = paused.runs[0]!;
      expect(stopped.exitKind).toBe('paused');
      expect(atMs(paused, 'pausing')).toBeGreaterThanOrEqual(t0 + 3 * HOUR_MS);
      expect(atMs(paused, 'pausing')).toBeLessThan(t0 + 3 * HOUR_MS + 45 * MINUTE_MS);
      expect(stopped.lastStep).toBeGreaterThan(0);
      expect(stopped.lastStep).toBeLessThan(steps);
      const ckpt = verifiedOf(paused, stopped.id).at(-1)!;
      expect(ckpt).toMatchObject({ step: stopped.lastStep, status: 'verified' });
      expect(path.dirname(ckpt.path)).toBe(paused.job.checkpointDir);
      expect(fs.statSync(path.join(ckpt.path, 'manifest.json')).uid).toBe(alice().uid);
      expect(pythonState(ckpt.path)).toEqual({ step: ckpt.step, sum: sumTo(ckpt.step) });
      expect(slurmJobOf(id, stopped)?.state).toMatch(SLURM_TERMINAL);

      // Resumed from that checkpoint when clean again (from 5 h), as a new Slurm job of the user.
      const resumed = await w.waitForJob(id, 'resumed', (d) => d.state === 'running' && d.runs.length === 2 && d.runs[1]!.executorRef !== null, w.wallMs(Math.max(0, t0 + 6 * HOUR_MS - w.simNow())) + 60_000);
      const second = resumed.runs[1]!;
      expect(second).toMatchObject({ site: 'a', resumedFrom: ckpt.id, startStep: ckpt.step });
      expect(atMs(resumed, 'running', 1)).toBeGreaterThanOrEqual(t0 + 5 * HOUR_MS);
      expect(resumed.transitions.filter((t) => t.to === 'running')[1]!.reason).toMatch(new RegExp(`resumed from step ${ckpt.step} on a`));
      expect(second.executorRef).not.toBe(first.executorRef);
      expect(slurmJobOf(id, second)).toMatchObject({ user: alice().name, partition: 'zone-a' });

      // Finished with the example's total steps, its running sum intact across the resume.
      const done = await w.waitForJob(id, 'finished', (d) => d.state === 'finished', w.wallMs(3 * HOUR_MS) + 90_000);
      expect(done.step).toBe(steps);
      expect(done.runs.map((r) => [r.site, r.exitKind])).toEqual([['a', 'paused'], ['a', 'finished']]);
      expect(done.runs[1]!.lastStep).toBe(steps);
      const last = verifiedOf(done, second.id).find((c) => c.step === steps)!;
      expect(pythonState(last.path)).toEqual({ step: steps, sum: sumTo(steps) });
      expect(toStates(done)).toEqual(['queued', 'running', 'pausing', 'paused', 'running', 'finished']);
      // Exactly the two runs' Slurm jobs, both the user's, both on zone-a.
      const acct = await waitForAccounting(alice().name, id, [first.executorRef!, second.executorRef!]);
      expect(idsOf(acct)).toEqual([first.executorRef, second.executorRef].sort());
      expect(new Set(acct.map((r) => `${r.user} ${r.partition}`))).toEqual(new Set([`${alice().name} zone-a`]));
      expect(await w.stop()).toEqual({ code: 0, signal: null });
    });
  });

  it('moves the job to the other zone when its own gets much dirtier: the checkpoint is copied to the other site\'s storage, verified, recorded, and the job resumes there from the copy', async () => {
    const sites = { a: { ...TWO_SITES.a, checkpointRootIn: 'storage-a' }, b: { ...TWO_SITES.b, checkpointRootIn: 'storage-b' } };
    const w = (world = new DaemonWorld(team, { label: 'move', trace: 'move', sites, timeScale: SCALE }));
    await w.withEvidence(async () => {
      await w.start();
      const t0 = w.originMs;
      const steps = 90;
      const id = await w.submitPython(alice(), { name: 'move', sites: ['a', 'b'], steps, stepSeconds: 0.5, estimate: '3h', deadlineMs: t0 + 12 * HOUR_MS });
      const dirA = w.checkpointDirAt('a', alice().uid, id);
      const dirB = w.checkpointDirAt('b', alice().uid, id);

      // Z1 is clean first: the job starts on a, its checkpoints in a's storage.
      const onA = await w.waitForJob(id, 'running on a', (d) => d.state === 'running' && d.step >= 1, w.wallMs(30 * MINUTE_MS) + 60_000);
      expect(onA.runs.map((r) => r.site)).toEqual(['a']);
      expect(slurmJobOf(id, onA.runs[0]!)).toMatchObject({ user: alice().name, partition: 'zone-a' });

      // From 1.5 h Z1 is 900 g against Z2's 300: paused on a, copied to b, resumed on b.
      const onB = await w.waitForJob(id, 'running on b', (d) => d.state === 'running' && d.runs.length >= 2 && d.runs.at(-1)!.site === 'b' && d.runs.at(-1)!.executorRef !== null,
        w.wallMs(Math.max(0, t0 + 3 * HOUR_MS - w.simNow())) + 90_000);
      const [runA, runB] = [onB.runs[0]!, onB.runs.at(-1)!];
      expect(onB.runs).toHaveLength(2);
      expect(runA).toMatchObject({ site: 'a', exitKind: 'paused' });
      const source = verifiedOf(onB, runA.id).at(-1)!;
      expect(path.dirname(source.path)).toBe(dirA);
      const copy = onB.checkpoints.find((c) => c.runId === null && c.step === source.step)!;
      expect(copy).toMatchObject({ status: 'verified', path: path.join(dirB, path.basename(source.path)) });
      expect(runB).toMatchObject({ resumedFrom: copy.id, startStep: source.step });
      expect(filesOf(copy.path)).toEqual(filesOf(source.path));
      expect(fs.statSync(copy.path).uid).toBe(alice().uid);
      expect(slurmJobOf(id, runB)).toMatchObject({ user: alice().name, partition: 'zone-b' });

      const done = await w.waitForJob(id, 'finished', (d) => d.state === 'finished', w.wallMs(3 * HOUR_MS) + 90_000);
      expect(done.step).toBe(steps);
      expect(done.runs.map((r) => [r.site, r.exitKind])).toEqual([['a', 'paused'], ['b', 'finished']]);
      expect(toStates(done)).toEqual(['queued', 'running', 'pausing', 'paused', 'running', 'finished']);
      // The run on b checkpointed into b's storage (its CARBOND_CHECKPOINT_DIR), resumed state intact.
      const last = verifiedOf(done, runB.id).find((c) => c.step === steps)!;
      expect(path.dirname(last.path)).toBe(dirB);
      expect(pythonState(last.path)).toEqual({ step: steps, sum: sumTo(steps) });
      expect(filesOf(source.path)).toEqual(filesOf(copy.path)); // the source is kept as it was
      expect(await w.stop()).toEqual({ code: 0, signal: null });

      // The copy is recorded (the planner's move cost for a → b).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { openLedger, closeLedger } = require('../../../src/ledger/db') as typeof import('../../../src/ledger/db');
      const db = openLedger(w.ledgerPath, { readonly: true, nowMs: Date.now() });
      try {
        const rows = db.prepare('SELECT from_site, to_site, source, destination, step, outcome FROM checkpoint_transfers WHERE job_id = ?').all(id);
        expect(rows).toEqual([{ from_site: 'a', to_site: 'b', source: source.path, destination: copy.path, step: source.step, outcome: 'ok' }]);
      } finally {
        closeLedger(db);
      }

      // Energy by where it was used: both zones.
      const report = await w.rootCli(['report', '--group-by', 'zone', '--format', 'json']);
      expect({ code: report.code, stderr: report.stderr }).toEqual({ code: 0, stderr: '' });
      const groups = (JSON.parse(report.stdout) as { groups: Array<{ key: string; figures: { energyKWh: number } }> }).groups;
      const energy = Object.fromEntries(groups.map((g) => [g.key, g.figures.energyKWh]));
      expect(energy['Z1']).toBeGreaterThan(0);
      expect(energy['Z2']).toBeGreaterThan(0);
    });
  });

  it('re-adopts the Slurm job after the daemon is SIGKILLed mid-run: one Slurm job, one open run, and the job finishes', async () => {
    const w = (world = new DaemonWorld(team, { label: 'restart', trace: 'steady', sites: TWO_SITES }));
    await w.withEvidence(async () => {
      await w.start();
      const steps = 60;
      const id = await w.submitPython(alice(), { name: 'restart', sites: ['a'], steps, stepSeconds: 0.5, estimate: '5m', deadlineMs: Date.now() + 12 * HOUR_MS });
      const before = await w.waitForJob(id, 'running', (d) => d.state === 'running' && d.step >= 5, 60_000);
      const ref = before.runs[0]!.executorRef!;
      expect(ref).toMatch(/^\d+$/);

      await w.kill();
      expect(slurmJobOf(id, before.runs[0]!)?.state).toBe('RUNNING'); // it runs on under slurmd
      await w.start();
      const after = await w.waitForJob(id, 'progress recorded after the restart', (d) => d.step > before.step + 2, 60_000);
      expect(after.state).toBe('running');
      expect(after.runs).toHaveLength(1);
      expect(after.runs.filter((r) => r.endedAtMs === null)).toHaveLength(1);
      expect(after.runs[0]!.executorRef).toBe(ref);
      expect(idsOf(slurmJobsOf(alice().name, id).squeue)).toEqual([ref]);

      const done = await w.waitForJob(id, 'finished', (d) => d.state === 'finished', 90_000);
      expect(done.step).toBe(steps);
      expect(done.runs.map((r) => [r.executorRef, r.exitKind, r.lastStep])).toEqual([[ref, 'finished', steps]]);
      expect(toStates(done)).toEqual(['queued', 'running', 'finished']);
      const slurm = slurmJobsOf(alice().name, id);
      expect(idsOf(slurm.squeue)).toEqual([ref]);
      expect(idsOf(await waitForAccounting(alice().name, id, [ref]))).toEqual([ref]);
      expect(w.evidence()).toMatch(/re-adopted a live run/);
      expect(await w.stop()).toEqual({ code: 0, signal: null });
    });
  });

  it('re-adopts by job name a Slurm job whose id the SIGKILLed daemon never recorded, and records the id', async () => {
    const w = (world = new DaemonWorld(team, { label: 'by-name', trace: 'steady', sites: TWO_SITES }));
    await w.withEvidence(async () => {
      // Test hook (src/daemon/jobs/extension.ts): hold 20 s between the start and recording the run's executor id.
      await w.start({ CARBOND_TEST_DELAY_BEFORE_PID_RECORD_MS: '20000' });
      const steps = 60;
      const id = await w.submitPython(alice(), { name: 'by-name', sites: ['a'], steps, stepSeconds: 0.5, estimate: '5m', deadlineMs: Date.now() + 12 * HOUR_MS });
      const submitted = await waitFor('the Slurm job submitted', () => slurmJobsOf(alice().name, id).squeue[0], 30_000, 250);
      const inWindow = await w.show(id);
      expect(inWindow.runs).toHaveLength(1);
      expect(inWindow.runs[0]!.executorRef).toBeNull();
      await w.kill();

      await w.start();
      const adopted = await w.waitForJob(id, 'adopted with its id', (d) => d.runs[0]?.executorRef === submitted.id && d.state === 'running', 60_000);
      expect(adopted.runs).toHaveLength(1);
      expect(idsOf(slurmJobsOf(alice().name, id).squeue)).toEqual([submitted.id]);
      const done = await w.waitForJob(id, 'finished', (d) => d.state === 'finished', 90_000);
      expect(done.runs.map((r) => [r.executorRef, r.exitKind, r.lastStep])).toEqual([[submitted.id, 'finished', steps]]);
      expect(idsOf(slurmJobsOf(alice().name, id).squeue)).toEqual([submitted.id]);
      expect(await w.stop()).toEqual({ code: 0, signal: null });
    });
  });

  it('with slurmctld stopped: the sites are unavailable, the running job is neither lost nor failed, and a job the plan wants started there waits; once it is back both jobs finish', async () => {
    const w = (world = new DaemonWorld(team, { label: 'ctld', trace: 'outage', sites: TWO_SITES, timeScale: SCALE }));
    await w.withEvidence(async () => {
      await w.start();
      const t0 = w.originMs;
      const deadlineMs = t0 + 12 * HOUR_MS;
      // Z2 is clean: `running` starts on b at once (160 steps: 80 s, through the outage). Z1 is
      // dirty until 1.5 h: `waiting` (allowed on a only) is held until then.
      const id = await w.submitPython(alice(), { name: 'running', sites: ['b'], steps: 160, stepSeconds: 0.5, estimate: '6h', deadlineMs });
      const second = await w.submitPython(alice(), { name: 'waiting', sites: ['a'], steps: 10, stepSeconds: 0.5, estimate: '1h', deadlineMs });
      const before = await w.waitForJob(id, 'running on b', (d) => d.state === 'running' && d.step >= 3, 60_000);
      expect(before.runs.map((r) => r.site)).toEqual(['b']);
      expect((await w.show(second)).state).toBe('queued');
      expect(w.simNow()).toBeLessThan(t0 + HOUR_MS); // the outage begins while Z1 is still dirty
      expect((await w.sites()).sites.map((s) => [s.site, s.available])).toEqual([['a', true], ['b', true]]);

      let backAtSimMs = 0;
      // What `carbond status` answered while the controller was away (the daemon's own view is
      // required: the ledger read it falls back to after 2 s knows nothing of the sites' health).
      const answers: string[] = [];
      let down: Awaited<ReturnType<DaemonWorld['sites']>> | undefined;
      runSetup('stop-ctld');
      const stoppedAtMs = Date.now();
      try {
        while (!down && Date.now() < stoppedAtMs + 40_000) {
          const s = await w.sites();
          answers.push(`${s.live ? 'daemon' : 'ledger (no daemon answer within 2 s)'}: ${s.sites.map((x) => `${x.site}=${x.available}`).join(' ')}`);
          if (s.live && s.sites.every((x) => x.available === false)) down = s;
          else await sleep(1_000);
        }
        // Z1 has been clean for half an hour of the daemon's clock: the plan would start `waiting` on a.
        await sleep(Math.max(0, w.wallMs(t0 + 2 * HOUR_MS - w.simNow())));
        // Nothing else may have started the controller meanwhile (a test file loading slurm-env.ts used to).
        expect(spawnSync('scontrol', ['ping'], { encoding: 'utf8' }).stdout).toMatch(/is DOWN/);
        const during = await w.show(id);
        expect(during.state).toBe('running');
        expect(during.runs).toEqual([expect.objectContaining({ id: before.runs[0]!.id, endedAtMs: null, exitKind: null })]);
        const waiting = await w.show(second);
        expect({ state: waiting.state, runs: waiting.runs.length }).toEqual({ state: 'queued', runs: 0 });
      } finally {
        backAtSimMs = w.simNow();
        runSetup('start-ctld');
      }
      expect(slurmJobsOf(alice().name, second)).toEqual({ squeue: [], sacct: [] });
      await waitFor('status to show the sites available again', async () => {
        const s = await w.sites();
        return s.live && s.sites.every((x) => x.available === true);
      }, 60_000, 1_000);

      const later = await w.waitForJob(second, 'finished', (d) => d.state === 'finished', 90_000);
      expect(later.runs.map((r) => [r.site, r.exitKind, r.lastStep])).toEqual([['a', 'finished', 10]]);
      // Started only once the controller was being brought back (our note of the daemon's clock runs a little ahead of it).
      expect(later.runs[0]!.startedAtMs).toBeGreaterThanOrEqual(backAtSimMs - 10 * MINUTE_MS);
      expect(toStates(later)).toEqual(['queued', 'running', 'finished']);
      const done = await w.waitForJob(id, 'finished', (d) => d.state === 'finished', 120_000);
      expect(done.step).toBe(160);
      expect(done.runs.map((r) => [r.id, r.site, r.exitKind, r.lastStep])).toEqual([[before.runs[0]!.id, 'b', 'finished', 160]]);
      expect(toStates(done)).toEqual(['queued', 'running', 'finished']);
      for (const j of [id, second]) expect(idsOf(slurmJobsOf(alice().name, j).squeue)).toHaveLength(1);
      expect(await w.stop()).toEqual({ code: 0, signal: null });
      // Checked last so that a failure here does not hide the rest: status said the sites were unavailable.
      expect(down ? down.sites.map((x) => [x.site, x.available]) : answers).toEqual([['a', false], ['b', false]]);
      expect(down!.sites.find((x) => x.site === 'a')!.reason).toMatch(/slurmctld/i);
    });
  });

  // Slurm 22.05's `squeue --json` exits 0 while slurmctld is down, after ~4 s of retries, printing
  // `"errors": [... "source": "slurm_load_jobs"]` and `"jobs": []`. The executor took that for "no
  // jobs" and declared the site available again on every poll, and each poll blocked the daemon's
  // event loop for those seconds (so `carbond status` never got an answer during an outage).
  it('keeps answering while slurmctld is down: each poll returns at once, and the listing\'s errors never make the site available again', async () => {
    const sw = new SlurmWorld();
    const log = memoryLogger();
    try {
      const ex = sw.executor('zone-a', { logger: log });
      const h = await ex.start(sw.job('protocol'), { runId: 900_000 + Math.floor(Math.random() * 90_000), gpuIds: '' });
      await waitFor('progress', () => ex.events(h, 0).events.some((e) => e.event === 'progress'), 30_000, 100);
      runSetup('stop-ctld');
      try {
        expect((await ex.health()).ok).toBe(false);
        let slowestMs = 0;
        for (let i = 0; i < 20; i++) { // 10 s: several background queries of ~4 s each end meanwhile
          const t = Date.now();
          expect(ex.poll(h)).toEqual({ state: 'running' });
          slowestMs = Math.max(slowestMs, Date.now() - t);
          await new Promise((r) => setTimeout(r, 500));
        }
        expect(slowestMs).toBeLessThan(200);
        expect(log.records.filter((r) => r['msg'] === 'Slurm site available again')).toEqual([]);
        expect(log.records.some((r) => r['msg'] === 'Slurm site unavailable: runs keep their last known state')).toBe(true);
      } finally {
        runSetup('start-ctld');
      }
    } finally {
      sw.cleanup();
    }
  });
});
