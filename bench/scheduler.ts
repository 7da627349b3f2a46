/**
 * `npm run bench:scheduler [-- --quick | --full] [--speed] [--seed N] [--draws N]`: what the planner saves on real traces and
 * how fast it is (issue 4).
 *
 * Savings: the six zones with day-ahead forecasts (DACF, Jul–Dec 2021), jobs of 2–48 h with
 * 0–48 h slack submitted through the period, simulated by the same engine as `carbond
 * simulate` for each policy and forecast mode, plus the two reference rows (window on the
 * forecast; the exact planner re-planning hourly trusting the forecast as given). "Share" is
 * the part of the perfect-knowledge saving (carbond with future actuals) a row captures.
 * Speed: one 7-day plan at 5-min slots; 1,000 jobs on 4 sites re-planned; a year of 1,000
 * jobs simulated; the LP lower bound (HiGHS) of a capacity-bound instance.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { PolicyName } from '../scheduler';
import { simulate, type SignalMode, type SimJob, type ZoneSignal } from '../src/simulate';
import { ActualIntensity } from '../src/simulate/actuals';
import { median } from '../src/simulate/result';
import { dataDir, DACF_ZONES, loadDacf, makeJobs } from './scheduler-workload';
import { lpBoundFigures, plan7dFigures, replan1000Figures, yearFigures } from './scheduler-perf';

const H = 3_600_000;

interface RunSpec {
  label: string;
  mode: SignalMode;
  policy: PolicyName;
  replanEveryMs?: number;
  commitAtSubmission?: boolean;
}

const RUNS: RunSpec[] = [
  { label: 'carbond   perfect', mode: 'perfect', policy: 'carbond' },
  { label: 'window    perfect', mode: 'perfect', policy: 'window' },
  { label: 'threshold perfect', mode: 'perfect', policy: 'threshold' },
  { label: 'baseline  -', mode: 'perfect', policy: 'baseline' },
  { label: 'carbond   day-ahead', mode: 'file', policy: 'carbond' },
  { label: 'window    day-ahead', mode: 'file', policy: 'window' },
  { label: 'threshold day-ahead', mode: 'file', policy: 'threshold' },
  { label: 'carbond   local', mode: 'local', policy: 'carbond' },
  { label: 'window    local', mode: 'local', policy: 'window' },
  { label: 'threshold local', mode: 'local', policy: 'threshold' },
  { label: 'ref: window, day-ahead as given', mode: 'trust', policy: 'window' },
  { label: 'ref: window chosen at submission', mode: 'trust', policy: 'window', commitAtSubmission: true },
  { label: 'ref: exact hourly, trusting day-ahead', mode: 'trust', policy: 'carbond', replanEveryMs: H },
];

interface RunOutcome {
  spec: RunSpec;
  emissionsG: Map<string, number>;
  pauses: number;
  misses: number;
  plannerMs: number[];
  wallS: number;
}

async function runOne(spec: RunSpec, jobs: readonly SimJob[], zones: ReadonlyMap<string, ZoneSignal>): Promise<RunOutcome> {
  const t0 = performance.now();
  const out = await simulate({
    jobs, zones, mode: spec.mode, policy: spec.policy, slotMs: 5 * 60_000, stopwatch: () => performance.now(),
    ...(spec.replanEveryMs ? { replanEveryMs: spec.replanEveryMs } : {}),
    ...(spec.commitAtSubmission ? { commitAtSubmission: true } : {}),
  });
  const emissionsG = new Map(out.states.map((s) => [s.job.id, s.emissionsG]));
  return {
    spec, emissionsG, pauses: out.states.reduce((a, s) => a + s.pauses, 0),
    misses: out.states.filter((s) => s.finishedAtMs === undefined || s.finishedAtMs > s.job.deadlineMs).length,
    plannerMs: [...out.plannerMs], wallS: (performance.now() - t0) / 1000,
  };
}

interface WorkerTask {
  spec: RunSpec;
  dir: string;
  jobsPerZone: number;
  seed: number;
}

function workloadOf(dir: string, jobsPerZone: number, seed: number): { jobs: SimJob[]; data: ReturnType<typeof loadDacf> } {
  const data = loadDacf(dir);
  const jobs = makeJobs({ zones: DACF_ZONES, jobsPerZone, fromMs: Date.parse('2021-07-08T00:00:00Z'), toMs: Date.parse('2021-12-31T00:00:00Z'), seed });
  return { jobs, data };
}

/** Runs every (spec, seed) task, `parallel` at a time in worker threads (each loads the data itself). */
async function runAll(tasks: ReadonlyArray<{ spec: RunSpec; seed: number }>, dir: string, jobsPerZone: number, parallel: number): Promise<RunOutcome[]> {
  const results: RunOutcome[] = new Array(tasks.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const task: WorkerTask = { spec: tasks[i]!.spec, dir, jobsPerZone, seed: tasks[i]!.seed };
      results[i] = await new Promise<RunOutcome>((resolve, reject) => {
        const w = new Worker(__filename, { workerData: task });
        w.once('message', (m: Omit<RunOutcome, 'emissionsG'> & { emissionsG: [string, number][] }) => resolve({ ...m, emissionsG: new Map(m.emissionsG) }));
        w.once('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
  return results;
}

/**
 * `--draws N`: the carbond shares (day-ahead, local) on N job draws of the same size (the
 * chosen seed, then seeds 1 … N−1), with their mean and range. One draw of 900 jobs moves
 * by one to two points from another, which is as much as most changes being judged.
 */
async function drawsTable(dir: string, jobsPerZone: number, firstSeed: number, draws: number, parallel: number, data: ReturnType<typeof loadDacf>): Promise<void> {
  const seeds = [firstSeed, ...Array.from({ length: Math.max(0, draws - 1) }, (_, i) => i + 1).filter((s) => s !== firstSeed)].slice(0, draws);
  const specs = RUNS.filter((r) => r.policy === 'carbond' && r.replanEveryMs === undefined);
  const tasks = seeds.flatMap((seed) => specs.map((spec) => ({ spec, seed })));
  const results = await runAll(tasks, dir, jobsPerZone, parallel);
  console.log(`\ndraws (--draws ${draws}; share % of the perfect-knowledge saving, carbond, ${jobsPerZone * DACF_ZONES.length} jobs each):`);
  console.log('seed     day-ahead  local');
  const columns: number[][] = [[], []];
  seeds.forEach((seed, d) => {
    const jobs = makeJobs({ zones: DACF_ZONES, jobsPerZone, fromMs: Date.parse('2021-07-08T00:00:00Z'), toMs: Date.parse('2021-12-31T00:00:00Z'), seed });
    const baseline = baselines(jobs, data.actualsOnly);
    const of = (mode: SignalMode): RunOutcome => results[d * specs.length + specs.findIndex((s) => s.mode === mode)]!;
    const perfect = sums(jobs, of('perfect').emissionsG, baseline, () => true);
    const share = (mode: SignalMode): number => {
      const a = sums(jobs, of(mode).emissionsG, baseline, () => true);
      return ((a.base - a.actual) / (perfect.base - perfect.actual)) * 100;
    };
    const row = [share('file'), share('local')];
    row.forEach((v, i) => columns[i]!.push(v));
    console.log(`${pad(String(seed), 7)}  ${lpad(pct(row[0]!), 9)}  ${lpad(pct(row[1]!), 5)}`);
  });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`${pad('mean', 7)}  ${lpad(pct(mean(columns[0]!)), 9)}  ${lpad(pct(mean(columns[1]!)), 5)}   (range ${pct(Math.min(...columns[0]!))}-${pct(Math.max(...columns[0]!))} / ${pct(Math.min(...columns[1]!))}-${pct(Math.max(...columns[1]!))}; targets 80 / 75)`);
}

async function workerMain(): Promise<void> {
  const task = workerData as WorkerTask;
  const { jobs, data } = workloadOf(task.dir, task.jobsPerZone, task.seed);
  const zones = task.spec.mode === 'file' || task.spec.mode === 'trust' ? data.withForecasts : data.actualsOnly;
  const r = await runOne(task.spec, jobs, zones);
  parentPort!.postMessage({ ...r, emissionsG: [...r.emissionsG] });
}

const pct = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)}` : '-');
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function sums(jobs: readonly SimJob[], em: Map<string, number>, baseline: Map<string, number>, keep: (j: SimJob) => boolean): { base: number; actual: number } {
  let base = 0;
  let actual = 0;
  for (const j of jobs) {
    if (!keep(j)) continue;
    base += baseline.get(j.id)!;
    actual += em.get(j.id)!;
  }
  return { base, actual };
}

function savingsTable(jobs: readonly SimJob[], results: RunOutcome[], baseline: Map<string, number>): void {
  const perfect = results.find((r) => r.spec.mode === 'perfect' && r.spec.policy === 'carbond')!;
  const share = (r: RunOutcome, keep: (j: SimJob) => boolean): number => {
    const a = sums(jobs, r.emissionsG, baseline, keep);
    const p = sums(jobs, perfect.emissionsG, baseline, keep);
    return ((a.base - a.actual) / (p.base - p.actual)) * 100;
  };
  const all = (): boolean => true;
  const long = (j: SimJob): boolean => j.durationMs > 6 * H;
  console.log(`\n${pad('policy    forecast', 40)} saved%  share%  share%>6h  pauses/job  misses  plan p50 ms  plan max ms  wall s`);
  for (const r of results) {
    const s = sums(jobs, r.emissionsG, baseline, all);
    console.log(
      `${pad(r.spec.label, 40)} ${lpad(pct(((s.base - s.actual) / s.base) * 100), 6)}  ${lpad(pct(share(r, all)), 6)}  ${lpad(pct(share(r, long)), 9)}  ` +
        `${lpad((r.pauses / jobs.length).toFixed(2), 10)}  ${lpad(String(r.misses), 6)}  ${lpad(median(r.plannerMs).toFixed(3), 11)}  ` +
        `${lpad(Math.max(0, ...r.plannerMs).toFixed(1), 11)}  ${lpad(r.wallS.toFixed(1), 6)}`,
    );
  }
  console.log(`\nper zone (share % of the perfect-knowledge saving; perfect = saved % with future actuals):`);
  console.log(`zone    perfect saved%  carbond day-ahead  carbond local  window day-ahead  ref exact trusting`);
  const pick = (label: string): RunOutcome | undefined => results.find((r) => r.spec.label === label);
  for (const zone of new Set(jobs.map((j) => j.homeSite))) {
    const inZone = (j: SimJob): boolean => j.homeSite === zone;
    const p = sums(jobs, perfect.emissionsG, baseline, inZone);
    const cell = (label: string): string => {
      const r = pick(label);
      return r ? pct(share(r, inZone)) : '-';
    };
    console.log(`${pad(zone, 6)}  ${lpad(pct(((p.base - p.actual) / p.base) * 100), 14)}  ${lpad(cell('carbond   day-ahead'), 17)}  ${lpad(cell('carbond   local'), 13)}  ${lpad(cell('window    day-ahead'), 16)}  ${lpad(cell('ref: exact hourly, trusting day-ahead'), 18)}`);
  }
}

function baselines(jobs: readonly SimJob[], zones: ReadonlyMap<string, ZoneSignal>): Map<string, number> {
  const actual = new Map([...zones].map(([z, s]) => [z, new ActualIntensity(s.measured)] as const));
  return new Map(jobs.map((j) => [j.id, actual.get(j.homeSite)!.emissionsG(j.powerW, j.submitAtMs, j.submitAtMs + j.durationMs)]));
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const full = process.argv.includes('--full');
  const speedOnly = process.argv.includes('--speed');
  const jobsPerZone = quick ? 12 : full ? 300 : 150;
  const seedArg = process.argv.indexOf('--seed');
  const seed = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 2021;
  const drawsArg = process.argv.indexOf('--draws');
  const draws = drawsArg > 0 ? Number(process.argv[drawsArg + 1]) : 1;
  if (!Number.isInteger(draws) || draws < 1) throw new Error(`--draws must be a whole number >= 1, got ${process.argv[drawsArg + 1]}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, got ${process.argv[seedArg + 1]}`);
  console.log(`bench:scheduler (${quick ? 'quick' : full ? 'full' : 'default'}${speedOnly ? ', speed only' : ''}, seed ${seed}${draws > 1 ? `, ${draws} draws` : ''}; --quick / --full / --speed / --seed N / --draws N to change)`);
  const dir = process.env['CARBOND_BENCH_DATA'] ?? dataDir();
  if (speedOnly) {
    console.log('--speed: skipping the savings table.');
  } else if (!dir) {
    console.log('../shared/data is absent: skipping the savings table (the speed figures follow).');
  } else {
    const { jobs, data } = workloadOf(dir, jobsPerZone, seed);
    const parallel = Math.max(1, Math.min(os.cpus().length, 12));
    console.log(`workload: ${jobs.length} jobs on ${DACF_ZONES.join(', ')} (DACF actuals and day-ahead forecasts, Jul-Dec 2021), 2-48 h of work, 0-48 h of slack, 300 W, 5 min resume overhead, 5-min slots`);
    const baseline = baselines(jobs, data.actualsOnly);
    console.log(`(${parallel} run(s) in parallel worker threads; wall s per run)`);
    const results = await runAll(RUNS.filter((spec) => !(quick && spec.policy === 'threshold')).map((spec) => ({ spec, seed })), dir, jobsPerZone, parallel);
    savingsTable(jobs, results, baseline);
    if (draws > 1) await drawsTable(dir, jobsPerZone, seed, draws, parallel, data);
  }
  console.log('\nspeed:');
  plan7dFigures(quick ? 15 : 41);
  replan1000Figures(quick ? 1 : 3);
  if (dir) await yearFigures(dir, quick ? 200 : 1000);
  await lpBoundFigures(dir);
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  workerMain().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
