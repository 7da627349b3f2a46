/**
 * One loop (issue 14, ADR 0013): the same workload through `simulate` and through a real
 * daemon — `startDaemon` with the jobs extension, its ticker and its wiring — on a manual
 * clock with the simulated executor and the replayed signal gives identical decisions,
 * transitions and runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { memoryLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config/load';
import { startDaemon, type DaemonHandle } from '../../../src/daemon/daemon';
import { coreExtension } from '../../../src/daemon/extensions';
import { createJobsExtension } from '../../../src/daemon/jobs/extension';
import { SimulatedExecutor } from '../../../src/executors/simulated';
import { closeLedger, openLedger, type Db } from '../../../src/ledger/db';
import { insertJob, listJobs, listOpenJobs, transitionsOf } from '../../../src/ledger/jobs';
import { runsOf } from '../../../src/ledger/runs';
import { acceptSimulatedCheckpoint, replayPlanSignal, simJobRecord, simulate, simulatedBehaviour } from '../../../src/simulate/engine';
import { loadForecasts, loadTraces, zoneSignals } from '../../../src/simulate/inputs';
import { SimSignal } from '../../../src/simulate/signal';
import type { SimJob } from '../../../src/simulate/jobs';
import { plan } from '../../../scheduler';

const FIX = path.join(__dirname, '../../fixtures/jobs/simulate');
const H = 3_600_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');
const SLOT_MS = 5 * 60_000;

function simJob(id: string, submitH: number, hours: number, slackH: number, sites: string[], gpus = 1): SimJob {
  return {
    id, submitAtMs: T0 + submitH * H, deadlineMs: T0 + (submitH + hours + slackH) * H, durationMs: hours * H,
    powerW: 300, sites, homeSite: sites[0]!, pauseOverheadMs: 10 * 60_000, gpus,
  };
}

/** Two zones with their measured traces; A also has a day-ahead forecast file. */
function zones(): ReturnType<typeof zoneSignals> {
  const traces = loadTraces([`A=${path.join(FIX, 'A_trace.csv')}`, `B=${path.join(FIX, 'B_trace.csv')}`]);
  return zoneSignals(traces, loadForecasts([`A=${path.join(FIX, 'A_forecast.csv')}`], new Set(traces.keys())));
}

interface History {
  transitions: Array<[string, number, string, string]>;
  runs: Array<[string, string, number, number | null, string | null]>;
}

function historyOf(db: Db): History {
  const transitions: History['transitions'] = [];
  const runs: History['runs'] = [];
  for (const job of listJobs(db).sort((a, b) => a.id.localeCompare(b.id))) {
    for (const t of transitionsOf(db, job.id)) transitions.push([job.id, t.atMs, t.to, t.reason]);
    for (const r of runsOf(db, job.id)) runs.push([job.id, r.site, r.startedAtMs, r.endedAtMs, r.exitKind]);
  }
  return { transitions, runs };
}

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-one-loop-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

/** The workload through a real daemon: jobs submitted at their times, the clock moved to each next tick. */
async function throughDaemon(jobs: readonly SimJob[], gpus: number): Promise<History> {
  const z = zones();
  const signal = new SimSignal(z, 'file');
  const clock = new ManualClock(jobs[0]!.submitAtMs);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const executor = new SimulatedExecutor({ clock, behaviourOf: (job) => simulatedBehaviour(byId.get(job.id)!) });
  const file = path.join(dir, 'config.toml');
  // Zones need a provider in the config; the signal extension is not registered: the plan's
  // signal is the replay's, as in simulate.
  const provider = (zone: string): string[] => [`[providers.${zone.toLowerCase()}]`, 'type = "file"', `path = ${JSON.stringify(path.join(FIX, `${zone}_trace.csv`))}`, `[zones.${zone}]`, `providers = ["${zone.toLowerCase()}"]`];
  fs.writeFileSync(file, [...provider('A'), ...provider('B'), '[scheduler]', 'policy = "carbond"', 'slotMinutes = 5', 'safetyMargin = "0s"', '[sites.A]', 'zone = "A"', `gpus = ${gpus}`, '[sites.B]', 'zone = "B"', `gpus = ${gpus}`, ''].join('\n'));
  const config = loadConfig({ env: {}, uid: process.getuid?.() ?? 1000, cwd: dir, homeDir: dir, configFlag: file, stateDirFlag: path.join(dir, 'state') });
  const jobsExt = createJobsExtension({
    planSource: plan, executorFor: () => executor, verifyCheckpoint: acceptSimulatedCheckpoint, pruneCheckpoints: false,
    planSignal: (ctx, nowMs) => replayPlanSignal(signal, SLOT_MS, () => listOpenJobs(ctx.db).map((o) => o.job))(nowMs),
  });
  const handle: DaemonHandle = await startDaemon(config, { clock, logger: memoryLogger(), extensions: [coreExtension, jobsExt], schedule: false, env: {} });
  try {
    await handle.ticker.idle();
    const lifecycle = jobsExt.lifecycleOf(handle.ctx);
    const pending = [...jobs].sort((a, b) => a.submitAtMs - b.submitAtMs);
    while (pending.length > 0 || listOpenJobs(handle.ctx.db).length > 0) {
      const nowMs = clock.now();
      while (pending.length > 0 && pending[0]!.submitAtMs <= nowMs) insertJob(handle.ctx.db, simJobRecord(pending.shift()!));
      executor.tick();
      await handle.ticker.request('cron');
      await lifecycle.idle();
      await handle.ticker.idle();
      const next = Math.min(lifecycle.nextWakeMs, signal.nextArrivalMs(nowMs), pending[0]?.submitAtMs ?? Infinity, executor.nextExitMs());
      clock.set(next > nowMs ? next : nowMs + SLOT_MS);
      if (clock.now() > T0 + 30 * 24 * H) throw new Error('the daemon never finished the workload');
    }
    return historyOf(handle.ctx.db);
  } finally {
    await handle.stop('test end');
  }
}

async function throughSimulate(jobs: readonly SimJob[], gpus: number): Promise<History> {
  const ledgerFile = path.join(dir, 'sim.sqlite');
  await simulate({ jobs, zones: zones(), mode: 'file', policy: 'carbond', slotMs: SLOT_MS, siteGpus: gpus, ledgerFile });
  const db = openLedger(ledgerFile, { nowMs: 0, readonly: true });
  try {
    return historyOf(db);
  } finally {
    closeLedger(db);
  }
}

describe('simulate is the daemon\'s loop', () => {
  it('gives the decisions a real daemon on the manual clock takes, with capacity, multi-GPU jobs and moves between sites', async () => {
    const jobs = [
      simJob('a', 0, 6, 30, ['A', 'B']),
      simJob('b', 1, 4, 20, ['A']),
      simJob('c', 2, 8, 40, ['B', 'A'], 2),
      simJob('d', 3, 3, 6, ['A', 'B']),
      simJob('e', 5, 2, 0.5, ['B']),
    ];
    const viaSimulate = await throughSimulate(jobs, 2);
    const viaDaemon = await throughDaemon(jobs, 2);
    expect(viaSimulate.runs.length).toBeGreaterThan(jobs.length); // some jobs paused or moved: the decisions matter
    expect(viaSimulate.transitions.filter((t) => t[2] === 'finished').map((t) => t[0]).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(viaDaemon).toEqual(viaSimulate);
  });
});

describe('simulate --sites: capacity as in the daemon\'s config', () => {
  const job = (id: string, submitH: number, gpus = 1): Record<string, unknown> => ({
    id, submitAt: new Date(T0 + submitH * H).toISOString(), deadline: new Date(T0 + (submitH + 30) * H).toISOString(),
    durationHours: 4, powerW: 300, sites: ['A'], homeSite: 'A', gpus,
  });
  async function carbond(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const { main } = await import('../../../src/cli/main');
    let out = '';
    let err = '';
    const code = await main(argv, { stdout: (t) => void (out += `${t}\n`), stderr: (t) => void (err += `${t}\n`) });
    process.exitCode = 0;
    return { code, out, err };
  }
  const traceArgs = (): string[] => ['--trace', `A=${path.join(FIX, 'A_trace.csv')}`, '--forecast', 'perfect'];

  it('never runs more jobs at once on a zone than its sites have GPUs, and says so of a job too big for any', async () => {
    const jobsFile = path.join(dir, 'jobs.json');
    fs.writeFileSync(jobsFile, JSON.stringify([job('a', 0), job('b', 0), job('c', 0, 2)]));
    const sites = path.join(dir, 'carbond.toml');
    fs.writeFileSync(sites, '[daemon]\n[sites.box1]\nzone = "A"\ngpus = 1\n[sites.box2]\nzone = "A"\ngpus = 1\n');
    const r = await carbond(['simulate', ...traceArgs(), '--jobs', jobsFile, '--sites', sites, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { jobs: Array<{ id: string; segments: Array<{ start: string; end: string }> }> };
    // At every instant the GPUs in use (a, b: 1 each; c: 2) stay within the zone's 2.
    const gpus: Record<string, number> = { a: 1, b: 1, c: 2 };
    const edges = result.jobs.flatMap((j) => j.segments.flatMap((s) => [{ t: Date.parse(s.start), d: gpus[j.id]! }, { t: Date.parse(s.end), d: -gpus[j.id]! }]));
    let inUse = 0;
    for (const e of edges.sort((x, y) => x.t - y.t || x.d - y.d)) {
      inUse += e.d;
      expect(inUse).toBeLessThanOrEqual(2);
    }
    fs.writeFileSync(jobsFile, JSON.stringify([job('a', 0), job('big', 0, 3)]));
    const bad = await carbond(['simulate', ...traceArgs(), '--jobs', jobsFile, '--sites', sites]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/job big\.gpus.*at most 2/);
    fs.writeFileSync(sites, '[sites.box1]\nzone = "Z"\ngpus = 0\n');
    const badSites = await carbond(['simulate', ...traceArgs(), '--jobs', jobsFile, '--sites', sites]);
    expect(badSites.code).toBe(2);
    expect(badSites.err).toMatch(/sites\.box1\.zone/);
    expect(badSites.err).toMatch(/sites\.box1\.gpus/);
  });
});
