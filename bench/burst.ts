/**
 * `npm run bench:burst [-- --jobs N --gpus N --minutes N --wall-seconds N --json]`: a burst of jobs into a real daemon
 * (`startDaemon`: ledger file, lock, control socket, tick steps, the WAL checkpoint) on a
 * few GPUs, in-process under a manual clock with the simulated executor and a carbon signal
 * that never changes, so that no pause is caused by the signal: every pause is one the
 * planner made for capacity. Prints pauses per job, runs paused before their first progress
 * event, tick time (p50/p95/max), the process's peak RSS and the ledger's size and growth,
 * each with its target (docs/reliability.md); run as a script, the process takes bin/carbond's
 * V8 tuning first, as the daemon does (`node bin/carbond daemon`). Time: a scheduled tick every simulated minute;
 * every tick takes 2 s of simulated time, so the ticks a completed pause or an exit asks
 * for come 2 s apart, as in a daemon (a thrashing planner ticks all the time).
 * `tests/reliability/burst.test.ts` runs the same burst (`--json`) and asserts the targets.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { plan, slotFloorMs, type SlotSeries } from '../scheduler';
import { ManualClock } from '../src/core/clock';
import { createLogger } from '../src/core/logger';
import { loadConfig } from '../src/config/load';
import { startDaemon, type DaemonHandle } from '../src/daemon/daemon';
import type { DaemonContext } from '../src/daemon/context';
import { coreExtension, type DaemonExtension } from '../src/daemon/extensions';
import { JobLifecycle } from '../src/daemon/jobs/lifecycle';
import { siteModelOf } from '../src/daemon/jobs/extension';
import type { TickStep } from '../src/daemon/tick';
import { SimulatedExecutor } from '../src/executors/simulated';
import { insertJob, type JobRecord } from '../src/ledger/jobs';
import { FixedWattsMeter } from '../src/meters/fixed';
import { meterTickStep } from '../src/meters/extension';
import { auditLedger, finishedJobCount } from '../src/ledger/audit';

const MIN = 60_000;
const T0 = Date.parse('2030-03-04T00:00:00Z');
const ZONE = 'BURST';
const SITE = 'box';

/** The targets the figures are printed beside (the reliability test asserts the first two, and RSS with room). */
export const BURST_TARGETS = { pausesPerJob: 2, pausedBeforeFirstProgress: 0, rssMB: 150 } as const;

export interface BurstOptions {
  /** Jobs submitted at once (default 1,000). */
  jobs?: number;
  /** GPUs of the one site (default 16); every job takes one. */
  gpus?: number;
  /** Running time of each job (default 15 min). */
  workMs?: number;
  /** Simulated time per step (default 15 s): the first progress event comes one step after a start. */
  stepMs?: number;
  /** Time between two scheduled ticks (default 1 min, the daemon's cron); ticks a pause or an exit asks for come in between, each taking 2 s of simulated time. */
  tickEveryMs?: number;
  /** The one deadline of every job, from the burst (default 24 h). */
  deadlineAfterMs?: number;
  /** Where the state dir is made (default the OS temp dir); it is removed afterwards. */
  tmpDir?: string;
  /** Stop after this much simulated time even if jobs are left (default 48 h: the deadline plus a day). */
  stopAfterMs?: number;
  /** Stop after this much wall time even if jobs are left (default 30 min); the figures cover what ran. */
  wallLimitMs?: number;
  /** Called every 30 simulated minutes with the figures so far (the bench prints them). */
  onProgress?: (line: string) => void;
}

export interface BurstFigures {
  jobs: number;
  gpus: number;
  finished: number;
  /** Planned pauses (`pausing` transitions), every one not caused by the signal (it never changes). */
  pauses: number;
  pausesPerJob: number;
  /** The most pauses of one job. */
  maxPausesOfAJob: number;
  /** Runs a pause ended before the run's first progress event was recorded. */
  pausedBeforeFirstProgress: number;
  deadlineMisses: number;
  ticks: number;
  tickMs: { p50: number; p95: number; max: number };
  /** Peak `process.memoryUsage().rss` sampled after every tick, MB (10^6 bytes). */
  rssMB: number;
  /** Ledger file + WAL at the end, bytes. */
  ledgerBytes: number;
  /** The largest ledger file + WAL seen (after every tick), bytes. */
  ledgerPeakBytes: number;
  /** Growth of ledger + WAL from just after the submissions to the end, per simulated minute. */
  ledgerGrowthBytesPerMinute: number;
  ledgerBytesPerJob: number;
  planRows: number;
  decisionRows: number;
  simulatedMinutes: number;
  wallS: number;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function fileBytes(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

function writeConfig(dir: string, gpus: number): string {
  const file = path.join(dir, 'config.toml');
  fs.writeFileSync(file, [
    '[providers.flat]', 'type = "static"', 'country = "GB"',
    `[zones.${ZONE}]`, 'providers = ["flat"]',
    `[sites.${SITE}]`, `zone = "${ZONE}"`, `gpus = ${gpus}`, '',
  ].join('\n'));
  return file;
}

/** The signal that never changes: 200 g/kWh in every slot from now to `untilMs`. */
function flatSeries(nowMs: number, untilMs: number, slotMs: number): SlotSeries {
  const startMs = slotFloorMs(nowMs, slotMs);
  const count = Math.max(1, Math.ceil((untilMs - startMs) / slotMs) + 1);
  return { zone: ZONE, startMs, slotMs, gPerKWh: new Array<number>(count).fill(200) };
}

/** Simulated time each tick takes (the jobs' pause latency): ticks a pause or an exit asks for come this far apart, as in a daemon. */
const TICK_TAKES_MS = 2_000;

interface BurstWorld {
  clock: ManualClock;
  executor: SimulatedExecutor;
  lifecycle?: JobLifecycle;
  tickStartedAt: number;
  tickMs: number[];
  rssPeak: number;
  /** Ledger + WAL bytes, sampled after every tick. */
  ledgerBytes(): number;
  ledgerPeak: number;
  /** Set once the simulated or wall time is up: the jobs step does nothing more, so a cascade of ticks ends. */
  halted: boolean;
  shouldHalt(): boolean;
}

/**
 * The job lifecycle as the daemon registers it (src/daemon/jobs/extension.ts), built on the
 * simulated executor with a verifier that accepts the simulated checkpoints, the real
 * planner, the flat signal; plus the fixed-watts meter step and a stopwatch around each tick.
 */
function burstExtensions(world: BurstWorld, untilMs: number): DaemonExtension[] {
  const lifecycleOf = (ctx: DaemonContext): JobLifecycle => {
    world.lifecycle ??= new JobLifecycle({
      db: ctx.db, clock: ctx.clock, logger: ctx.logger, verifyCheckpoint: async (a) => ({ ...a, bytes: 1 }),
      sites: Object.entries(ctx.config.sites).map(([name, site]) => siteModelOf(name, site, world.executor)),
      planSource: plan, planSignal: (nowMs) => ({ series: { [ZONE]: flatSeries(nowMs, untilMs, ctx.config.scheduler.slotMinutes * MIN) } }),
      slotMs: ctx.config.scheduler.slotMinutes * MIN, safetyMarginMs: ctx.config.scheduler.safetyMarginMs, policy: 'carbond',
      keepCheckpoints: ctx.config.scheduler.keepCheckpoints, stateDir: ctx.config.stateDir, requestTick: (reason) => ctx.requestTick(reason),
    });
    return world.lifecycle;
  };
  const stopwatch = (name: string, phase: TickStep['phase'], run: () => void): TickStep => ({ name, phase, run: async () => run() });
  return [
    { name: 'stopwatch-start', tickSteps: () => [stopwatch('stopwatch-start', 'signal', () => { world.tickStartedAt = performance.now(); })] },
    coreExtension,
    {
      name: 'jobs',
      tickSteps: (ctx) => [{ name: 'jobs', phase: 'plan', run: async (nowMs) => { if (!ctx.isStopping() && !world.halted) await lifecycleOf(ctx).tick(nowMs); } }],
      start: async (ctx) => { await lifecycleOf(ctx).reconcile(ctx.clock.now()); },
      stop: async (ctx) => { await lifecycleOf(ctx).pauseAll(ctx.clock.now(), 'daemon stopping'); },
    },
    {
      name: 'meters',
      tickSteps: (ctx) => [meterTickStep({ db: ctx.db, clock: ctx.clock, logger: ctx.logger, sites: ctx.config.sites,
        meter: new FixedWattsMeter(Object.fromEntries(Object.entries(ctx.config.sites).map(([n, s]) => [n, { gpuPowerW: s.gpuPowerW, cpuPowerW: s.cpuPowerW }]))) })],
    },
    {
      name: 'stopwatch-end',
      tickSteps: () => [stopwatch('stopwatch-end', 'housekeeping', () => {
        world.tickMs.push(performance.now() - world.tickStartedAt);
        world.rssPeak = Math.max(world.rssPeak, process.memoryUsage().rss);
        world.ledgerPeak = Math.max(world.ledgerPeak, world.ledgerBytes());
        world.clock.advance(TICK_TAKES_MS);
        world.executor.tick();
        world.halted ||= world.shouldHalt();
      })],
    },
  ];
}

function burstJob(i: number, o: Required<BurstOptions>, checkpointDir: string): JobRecord {
  return {
    id: `burst-${String(i).padStart(4, '0')}`, name: `burst ${i}`, owner: 'bench', uid: null, gid: null, command: ['true'], useShell: false, cwd: checkpointDir,
    env: {}, submittedAtMs: T0, deadlineMs: T0 + o.deadlineAfterMs, estimateMs: o.workMs, totalSteps: null, powerW: null, gpus: 1,
    sites: [SITE], homeSite: SITE, mode: 'checkpoint', pauseSignal: 'SIGTERM', checkpointTimeoutMs: 30_000,
    pauseOverheadMs: MIN, tags: {}, manualOverride: null, checkpointDir: path.join(checkpointDir, String(i)),
  };
}

/** Waits until the daemon has nothing left to do: no tick running or asked for, no pause in flight. */
async function settle(handle: DaemonHandle, world: BurstWorld): Promise<void> {
  let seen: number;
  do {
    seen = handle.ticker.ticks;
    await world.lifecycle?.idle();
    await new Promise((resolve) => setImmediate(resolve));
    await handle.ticker.idle();
  } while (seen !== handle.ticker.ticks);
}

function finishedCount(ctx: DaemonContext): number {
  return finishedJobCount(ctx.db);
}

interface LedgerCounts { pauses: number; maxPauses: number; pausedEarly: number; misses: number; finished: number; plans: number; decisions: number }

function countLedger(ctx: DaemonContext, nowMs: number): LedgerCounts {
  const a = auditLedger(ctx.db);
  const finishedIds = new Set(a.finished.map((f) => f.jobId));
  return {
    pauses: a.pausesByJob.reduce((n, r) => n + r.n, 0), maxPauses: a.pausesByJob.reduce((n, r) => Math.max(n, r.n), 0), pausedEarly: a.pausedBeforeProgress,
    misses: a.finished.filter((f) => f.atMs > a.deadlines.get(f.jobId)!).length + [...a.deadlines].filter(([id, d]) => d < nowMs && !finishedIds.has(id)).length,
    finished: a.finished.length,
    plans: a.plans, decisions: a.decisions,
  };
}

/** Runs one burst to the end (every job finished, or the deadline plus a day) and returns its figures. */
export async function runBurst(options: BurstOptions = {}): Promise<BurstFigures> {
  const o: Required<BurstOptions> = { jobs: 1_000, gpus: 16, workMs: 15 * MIN, stepMs: 15_000, tickEveryMs: MIN, deadlineAfterMs: 24 * 60 * MIN, tmpDir: os.tmpdir(), stopAfterMs: 48 * 60 * MIN, wallLimitMs: 30 * 60_000, onProgress: () => undefined, ...options };
  const dir = fs.mkdtempSync(path.join(o.tmpDir, 'carbond-burst-'));
  const wall0 = performance.now();
  const clock = new ManualClock(T0);
  const endMs = T0 + o.stopAfterMs;
  const world: BurstWorld = {
    clock,
    executor: new SimulatedExecutor({ clock, behaviourOf: () => ({ stepMs: o.stepMs, totalSteps: Math.ceil(o.workMs / o.stepMs), checkpointEverySteps: Math.max(1, Math.round(5 * MIN / o.stepMs)), ignoresPause: false, pauseLatencyMs: TICK_TAKES_MS }) }),
    tickStartedAt: 0, tickMs: [], rssPeak: 0, halted: false, ledgerPeak: 0, ledgerBytes: () => 0,
    shouldHalt: () => clock.now() >= endMs || performance.now() - wall0 >= o.wallLimitMs,
  };
  const untilMs = T0 + o.deadlineAfterMs + 60 * MIN;
  const config = loadConfig({ env: {}, uid: process.getuid?.() ?? 1000, cwd: dir, homeDir: dir, configFlag: writeConfig(dir, o.gpus), stateDirFlag: path.join(dir, 'state') });
  const ledger = (): number => fileBytes(config.ledgerPath) + fileBytes(`${config.ledgerPath}-wal`);
  world.ledgerBytes = ledger;
  const logger = createLogger({ level: 'info', clock, write: () => undefined });
  const handle = await startDaemon(config, { clock, logger, extensions: burstExtensions(world, untilMs), schedule: false, env: {} });
  try {
    await settle(handle, world);
    for (let i = 0; i < o.jobs; i++) insertJob(handle.ctx.db, burstJob(i, o, path.join(dir, 'ckpt')), 'submitted in a burst');
    handle.ctx.requestTick('burst submitted');
    await settle(handle, world);
    const startBytes = ledger();
    let counts = countLedger(handle.ctx, clock.now());
    let reportAtMs = T0 + 30 * MIN;
    for (let cronMs = T0 + o.tickEveryMs; counts.finished < o.jobs && !world.halted; cronMs += o.tickEveryMs) {
      if (clock.now() < cronMs) clock.set(cronMs);
      world.executor.tick();
      handle.ctx.requestTick('cron');
      await settle(handle, world);
      counts.finished = finishedCount(handle.ctx);
      if (clock.now() >= reportAtMs) {
        reportAtMs += 30 * MIN;
        counts = countLedger(handle.ctx, clock.now());
        o.onProgress(`  ${Math.round((clock.now() - T0) / MIN)} min: ${counts.finished} finished, ${counts.pauses} pauses, ${handle.ticker.ticks} ticks, ledger ${mb(ledger())}, wall ${((performance.now() - wall0) / 1000).toFixed(0)} s`);
      }
    }
    counts = countLedger(handle.ctx, clock.now());
    const minutes = (clock.now() - T0) / MIN;
    const sorted = [...world.tickMs].sort((a, b) => a - b);
    const bytes = ledger();
    return {
      jobs: o.jobs, gpus: o.gpus, finished: counts.finished, pauses: counts.pauses, pausesPerJob: counts.pauses / o.jobs, maxPausesOfAJob: counts.maxPauses,
      pausedBeforeFirstProgress: counts.pausedEarly, deadlineMisses: counts.misses, ticks: handle.ticker.ticks,
      tickMs: { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[sorted.length - 1] ?? Number.NaN },
      rssMB: world.rssPeak / 1e6, ledgerBytes: bytes, ledgerPeakBytes: world.ledgerPeak, ledgerGrowthBytesPerMinute: (bytes - startBytes) / Math.max(1, minutes), ledgerBytesPerJob: bytes / o.jobs,
      planRows: counts.plans, decisionRows: counts.decisions, simulatedMinutes: minutes, wallS: (performance.now() - wall0) / 1000,
    };
  } finally {
    await handle.stop('burst over');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One line for the docs: every figure with its target beside it. */
export function burstSummary(f: BurstFigures): string {
  return `burst: ${f.jobs} jobs on ${f.gpus} GPUs, flat signal: ${f.finished} finished in ${Math.round(f.simulatedMinutes)} simulated min, ${f.deadlineMisses} deadline misses; `
    + `pauses/job ${f.pausesPerJob.toFixed(2)} [target <= ${BURST_TARGETS.pausesPerJob}] (${f.pauses} in all, most of one job ${f.maxPausesOfAJob}); `
    + `paused before first progress ${f.pausedBeforeFirstProgress} [target ${BURST_TARGETS.pausedBeforeFirstProgress}]; `
    + `tick p50 ${f.tickMs.p50.toFixed(1)} ms, p95 ${f.tickMs.p95.toFixed(1)} ms, max ${f.tickMs.max.toFixed(1)} ms over ${f.ticks} ticks; `
    + `peak RSS ${f.rssMB.toFixed(0)} MB [target <= ${BURST_TARGETS.rssMB} MB]; `
    + `ledger ${mb(f.ledgerBytes)} at the end, ${mb(f.ledgerPeakBytes)} at most, WAL included (${(f.ledgerBytesPerJob / 1e3).toFixed(1)} kB/job, ${f.planRows} plan rows, ${f.decisionRows} decisions), `
    + `growth ${(f.ledgerGrowthBytesPerMinute / 1e3).toFixed(1)} kB/simulated min; wall ${f.wallS.toFixed(1)} s`;
}

function numberFlag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (require.main === module) {
  // The daemon as `bin/carbond daemon` runs it: with the launcher's V8 tuning (its peak RSS
  // depends on it), loaded from the launcher itself so the two cannot drift apart. Requiring
  // bin/carbond sets the flags; it runs the CLI only as the main module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const launcher: unknown = require(path.join(__dirname, '..', '..', 'bin', 'carbond'));
  const jobs = numberFlag('--jobs');
  const gpus = numberFlag('--gpus');
  const minutes = numberFlag('--minutes');
  const wallS = numberFlag('--wall-seconds');
  const json = process.argv.includes('--json');
  if (!json) console.log(`bench:burst (--jobs N, --gpus N, --minutes N of simulated time, --wall-seconds N, --json to change; V8 tuning of bin/carbond: ${(launcher as { V8_FLAGS: string }).V8_FLAGS})`);
  runBurst({ ...(jobs ? { jobs } : {}), ...(gpus ? { gpus } : {}), ...(minutes ? { stopAfterMs: minutes * MIN } : {}), ...(wallS ? { wallLimitMs: wallS * 1000 } : {}), ...(json ? {} : { onProgress: (line: string) => console.log(line) }) })
    .then((f) => console.log(json ? JSON.stringify(f) : burstSummary(f)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
