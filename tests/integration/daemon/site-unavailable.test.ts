/**
 * A site whose controller is away (issue 15: "slurmctld stopped"): no new work is placed or
 * started there, no decision acts on its runs, nothing is recorded lost, `status` says so;
 * when it is back, the deferred work goes on. The outage is the simulated executor's
 * (`SimulatedWorld.outage`, what `health()` reports); the Slurm executor's own health check
 * against a stopped slurmctld is tested in tests/integration/slurm.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config/load';
import { JobLifecycle } from '../../../src/daemon/jobs/lifecycle';
import { sitesStatus, type SiteStatus } from '../../../src/daemon/jobs/sites-status';
import type { StatusReport } from '../../../src/daemon/status/types';
import { SimulatedExecutor, SimulatedWorld } from '../../../src/executors/simulated';
import { closeLedger, openLedger, type Db } from '../../../src/ledger/db';
import { currentState, insertJob } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { acceptSimulatedCheckpoint } from '../../../src/simulate/engine';
import type { ActionKind, Plan, PlanInput } from '../../../scheduler/types';
import { jobRecord } from '../../contract/executors/job-record';

const T0 = Date.parse('2026-12-01T00:00:00Z');

describe('a site that cannot take orders', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-site-down-'));
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: T0 });
  });
  afterEach(() => {
    closeLedger(db);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gets no new work and no decision on its runs while away, shows in status, and catches up when back', async () => {
    const clock = new ManualClock(T0);
    const worldA = new SimulatedWorld();
    const a = new SimulatedExecutor({ clock, world: worldA });
    const b = new SimulatedExecutor({ clock });
    const actions = new Map<string, ActionKind>();
    const seen: PlanInput[] = [];
    const planSource = (input: PlanInput): Plan => {
      seen.push(input);
      return {
        createdAtMs: input.nowMs, policy: input.policy, jobs: [], nextWakeMs: input.nowMs + 60_000,
        decisions: input.jobs.map((j) => ({ jobId: j.id, action: actions.get(j.id) ?? 'start', site: j.homeSite, reason: 'test plan' })),
      };
    };
    const lifecycle = new JobLifecycle({
      db, clock, logger: nullLogger, verifyCheckpoint: acceptSimulatedCheckpoint, planSource, pruneCheckpoints: false,
      sites: [
        { name: 'a', zone: 'ZA', gpus: 2, executor: a, jobPowerW: () => 100, suspendedPowerW: () => 0 },
        { name: 'b', zone: 'ZB', gpus: 2, executor: b, jobPowerW: () => 100, suspendedPowerW: () => 0 },
      ],
    });
    const job = (id: string, site: string) => jobRecord({ id, cwd: dir, checkpointDir: `/simulated/${id}`, gpus: 1, sites: [site], homeSite: site, submittedAtMs: clock.now(), estimateMs: 3_600_000, deadlineMs: T0 + 86_400_000 });
    insertJob(db, job('running-on-a', 'a'));
    await lifecycle.tick(clock.now());
    expect(currentState(db, 'running-on-a')).toBe('running');

    worldA.outage = 'slurmctld: Unable to contact slurm controller';
    clock.advance(60_000);
    insertJob(db, job('new-on-a', 'a'));
    insertJob(db, job('new-on-b', 'b'));
    actions.set('running-on-a', 'pause');
    await lifecycle.tick(clock.now());
    await lifecycle.idle();
    // No free GPU on a for the planner; nothing started there; the running run left alone, not lost.
    expect(seen.at(-1)!.sites.find((s) => s.name === 'a')).toMatchObject({ gpus: 1, maxJobs: 1 }); // no place for a job without GPUs either
    expect(currentState(db, 'new-on-a')).toBe('queued');
    expect(currentState(db, 'new-on-b')).toBe('running');
    expect(currentState(db, 'running-on-a')).toBe('running');
    expect(runsOf(db, 'running-on-a')).toMatchObject([{ endedAtMs: null }]);

    const file = path.join(dir, 'config.toml');
    const trace = JSON.stringify(path.join(__dirname, '../../fixtures/jobs/simulate/A_trace.csv'));
    fs.writeFileSync(file, `[providers.f]\ntype = "file"\npath = ${trace}\n[zones.ZA]\nproviders = ["f"]\n[zones.ZB]\nproviders = ["f"]\n`
      + '[sites.a]\nzone = "ZA"\ngpus = 2\n[sites.b]\nzone = "ZB"\ngpus = 2\n');
    const config = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: dir });
    const report = { notes: [], jobs: [], zones: [] } as unknown as StatusReport;
    await sitesStatus.contribute({ db, config: () => config, nowMs: clock.now(), live: true, logger: nullLogger }, report);
    const sites = (report as unknown as { sites: SiteStatus[] }).sites;
    expect(sites.find((s) => s.site === 'a')).toMatchObject({ available: false, reason: expect.stringMatching(/slurm controller/), unavailableSinceMs: T0 + 60_000 });
    expect(sites.find((s) => s.site === 'b')).toMatchObject({ available: true });
    expect(report.notes.join('\n')).toMatch(/site a is unavailable/);
    expect(sitesStatus.render!(report).join('\n')).toMatch(/site a .*UNAVAILABLE/);

    worldA.outage = undefined;
    clock.advance(60_000);
    await lifecycle.tick(clock.now());
    await lifecycle.idle();
    expect(currentState(db, 'running-on-a')).toBe('paused');
    expect(runsOf(db, 'running-on-a')[0]).toMatchObject({ exitKind: 'paused' });
    expect(currentState(db, 'new-on-a')).toBe('running');
  });
});
