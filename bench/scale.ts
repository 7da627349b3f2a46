/**
 * `npm run bench:scale`: what carbond costs as its jobs grow (issue 14), each figure printed
 * with its target. Peak memory is a process's VmHWM (the high-water mark of its resident
 * set, /proc/<pid>/status), so every figure whose peak is measured runs in a child process of
 * its own: this file again with `--child NAME`, or the real `carbond simulate`.
 *
 * Sections are the exported `SECTIONS`: each returns rows of figures. To add one (e.g. the
 * tick time with 100,000 finished jobs), append a `ScaleSection`; `--only NAME` runs one.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { plan, type PlanInput, type PlanJob, type SiteSpec, type SlotSeries } from '../scheduler';
import { liveScratchBytes, RESERVE_IDLE_MS } from '../scheduler/exact-scratch';
import { seededUniform } from '../src/core/rng';
import { loadTraces, zoneSignals } from '../src/simulate/inputs';
import { simulate } from '../src/simulate';
import { makeJobs } from './scheduler-workload';
import { tickScaling } from './scale-ticks';

const H = 3_600_000;
const SLOT = 5 * 60_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');
const ROOT = path.resolve(__dirname, '..', '..');

/** One printed figure: what, how much, against which target (`met` undefined = no target). */
export interface FigureRow {
  figure: string;
  value: string;
  target: string;
  met?: boolean;
}

export interface ScaleSection {
  name: string;
  run(): FigureRow[] | Promise<FigureRow[]>;
}

/** A daily cycle with noise, g/kWh, hourly values held over 5-min slots. */
function syntheticSeries(zone: string, hours: number, seed: number): SlotSeries {
  const r = seededUniform(seed);
  const hourly = Array.from({ length: hours + 1 }, (_, h) => 250 + 100 * Math.sin((2 * Math.PI * (h + seed)) / 24) + 30 * r());
  return { zone, startMs: T0, slotMs: SLOT, gPerKWh: Array.from({ length: hours * 12 }, (_, i) => hourly[Math.floor(i / 12)]!) };
}

function sitesOf(n: number): SiteSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `s${i}`, zone: `Z${i}`, gpus: 256 }));
}

/** The 7-day job with a 14-day deadline, queued now, allowed on every site. */
function weekJob(sites: readonly SiteSpec[]): PlanJob {
  return {
    id: 'week', phase: 'queued', submittedAtMs: T0, deadlineMs: T0 + 14 * 24 * H, remainingWorkMs: 7 * 24 * H,
    powerW: 300, gpus: 1, sites: sites.map((s) => s.name), homeSite: sites[0]!.name, pauseOverheadMs: SLOT,
  };
}

/**
 * `n` open jobs: work uniform in [1, maxWorkH] h, slack in [0, maxSlackH] h, `1 + extra` allowed
 * sites (each further site with probability 0.3, at most `maxSites`), 40 % running, 20 % paused.
 */
function openJobs(n: number, sites: readonly SiteSpec[], maxWorkH: number, maxSlackH: number, maxSites: number, seed: number): PlanJob[] {
  const r = seededUniform(seed);
  return Array.from({ length: n }, (_, i) => {
    const work = Math.round((1 + r() * (maxWorkH - 1)) * 12) * SLOT;
    const slack = Math.round(r() * maxSlackH * 12) * SLOT;
    const allowed = sites.map((s) => s.name).filter((_, k) => k === i % sites.length || r() < 0.3).slice(0, maxSites);
    const roll = r();
    const phase = roll < 0.4 ? 'running' : roll < 0.6 ? 'paused' : 'queued';
    return {
      id: `j${i}`, phase, submittedAtMs: T0, deadlineMs: T0 + work + slack, remainingWorkMs: work, powerW: 300, gpus: 1 + (i % 2),
      sites: allowed, homeSite: allowed[0]!, ...(phase !== 'queued' ? { currentSite: allowed[0]! } : {}), pauseOverheadMs: SLOT,
    };
  });
}

function inputOf(sites: SiteSpec[], jobs: PlanJob[], hours: number): PlanInput {
  const series = Object.fromEntries(sites.map((s, i) => [s.zone, syntheticSeries(s.zone, hours, i * 5)]));
  return { nowMs: T0, slotMs: SLOT, safetyMarginMs: 0, policy: 'carbond', sites, series, jobs };
}

/** The workloads planned in child processes, by name. */
export const CHILD_INPUTS: Record<string, () => PlanInput> = {
  /** 10,000 jobs on 8 sites: 1–24 h of work, 0–24 h of slack, 1–3 allowed sites. */
  replan10k: () => {
    const sites = sitesOf(8);
    return inputOf(sites, openJobs(10_000, sites, 24, 24, 3, 17), 60);
  },
  /** 1,000 jobs on 4 sites as `bench:scheduler` (2–48 h, 0–48 h, 1–4 sites), one of them the 7-day job due in 14 days. */
  plan1000week: () => {
    const sites = sitesOf(4);
    const jobs = openJobs(999, sites, 48, 48, 4, 7);
    return inputOf(sites, [...jobs, weekJob(sites)], 15 * 24);
  },
};

function vmHwmMB(pid: number | 'self' = 'self'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kB / 1024;
}

interface ChildReport {
  cold: number;
  warm: number[];
  vmHwmMB: number;
  baselineMB: number;
  liveScratchBytes: number;
  jobs: number;
}

/**
 * In a child: builds one workload, plans it once cold and `reps` times warm, reports the times,
 * the VmHWM and the planner buffers still held once the planner has been idle for
 * `RESERVE_IDLE_MS` (a scratch over `RESERVE_KEEP_BYTES` is kept that long for the next plan).
 */
async function childMain(name: string, reps: number): Promise<void> {
  const baselineMB = vmHwmMB();
  const input = CHILD_INPUTS[name]!();
  const time = (): number => {
    const t = performance.now();
    plan(input);
    return performance.now() - t;
  };
  const cold = time();
  const warm = Array.from({ length: reps }, time);
  const peakMB = vmHwmMB();
  await new Promise((resolve) => setTimeout(resolve, RESERVE_IDLE_MS + 200));
  const report: ChildReport = { cold, warm, vmHwmMB: peakMB, baselineMB, liveScratchBytes: liveScratchBytes(), jobs: input.jobs.length };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(name: string, reps: number): ChildReport {
  const out = execFileSync(process.execPath, [__filename, '--child', name, String(reps)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildReport;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const mb = (v: number): string => `${v.toFixed(0)} MB`;

/** Writes a trace CSV (`timestamp,zone,carbon_intensity`, hourly) for `days` days. */
function writeTrace(dir: string, zone: string, days: number, seed: number): string {
  const r = seededUniform(seed);
  const lines = ['timestamp,zone,carbon_intensity'];
  for (let h = 0; h < days * 24; h++) {
    const g = 250 + 100 * Math.sin((2 * Math.PI * (h + 3 * seed)) / 24) + 30 * r();
    lines.push(`${new Date(T0 + h * H).toISOString().replace('.000', '')},${zone},${g.toFixed(2)}`);
  }
  const file = path.join(dir, `${zone}.csv`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A preload that writes the process's VmHWM (MB) to $CARBOND_BENCH_HWM_FILE as it exits. */
const HWM_PROBE = `process.on('exit', () => {
  const kB = Number(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
  require('fs').writeFileSync(process.env.CARBOND_BENCH_HWM_FILE, String(kB / 1024));
});
`;

/** Runs the real `carbond simulate` on `jobs` over four synthetic zones; its peak RSS (MB) and wall time (s). */
function simulatePeak(dir: string, traces: readonly string[], jobs: unknown[], forecast: string, tag: string): { mb: number; s: number } {
  const jobsFile = path.join(dir, `jobs-${tag}.json`);
  fs.writeFileSync(jobsFile, JSON.stringify(jobs));
  const probe = path.join(dir, 'hwm-probe.js');
  fs.writeFileSync(probe, HWM_PROBE);
  const hwmFile = path.join(dir, `hwm-${tag}`);
  const args = ['-r', probe, path.join(ROOT, 'bin', 'carbond'), 'simulate', ...traces.flatMap((t) => ['--trace', t]), '--forecast', forecast, '--jobs', jobsFile, '--json'];
  const t = performance.now();
  execFileSync(process.execPath, args, { cwd: dir, env: { ...process.env, CARBOND_BENCH_HWM_FILE: hwmFile }, stdio: ['ignore', 'ignore', 'inherit'] });
  return { mb: Number(fs.readFileSync(hwmFile, 'utf8')), s: (performance.now() - t) / 1000 };
}

function simJob(id: string, durationHours: number, deadlineH: number, zones: readonly string[]): unknown {
  return {
    id, submitAt: new Date(T0 + 24 * H).toISOString(), deadline: new Date(T0 + (24 + deadlineH) * H).toISOString(),
    durationHours, powerW: 300, sites: zones, homeSite: zones[0], pauseOverheadMinutes: 5,
  };
}

export const SECTIONS: ScaleSection[] = [
  {
    name: 'ticks',
    run: async () => (await tickScaling()).map((r) => ({ figure: r.name, value: r.value, target: r.target, met: r.ok })),
  },
  {
    name: 'year',
    run: async () => {
      // A year of 1,000 jobs (2-48 h of work, 0-48 h of slack) on 4 zones of synthetic hourly
      // traces, --forecast local, through the daemon's lifecycle (ADR 0013).
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-scale-year-'));
      try {
        const zones = ['Z0', 'Z1', 'Z2', 'Z3'];
        const traces = loadTraces(zones.map((z, i) => `${z}=${writeTrace(dir, z, 370, i + 11)}`));
        const signals = zoneSignals(traces, { mode: 'local', files: new Map() });
        const jobs = makeJobs({ zones, jobsPerZone: 250, fromMs: T0 + 8 * 24 * H, toMs: T0 + 360 * 24 * H, seed: 99 });
        const t = performance.now();
        const out = await simulate({ jobs, zones: signals, mode: 'local', policy: 'carbond', slotMs: SLOT });
        const s = (performance.now() - t) / 1000;
        const misses = out.states.filter((x) => (x.finishedAtMs ?? Infinity) > x.job.deadlineMs).length;
        return [{ figure: `a year of ${jobs.length} jobs simulated through the daemon's lifecycle (4 zones, --forecast local, carbond): ${out.ticks} ticks, ${misses} deadline misses`, value: `${s.toFixed(1)} s`, target: '<= 60 s', met: s <= 60 }];
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'simulate',
    run: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-scale-'));
      try {
        const zones = ['Z0', 'Z1', 'Z2', 'Z3'];
        const traces = zones.map((z, i) => `${z}=${writeTrace(dir, z, 17, i + 1)}`);
        const rows: FigureRow[] = [];
        for (const forecast of ['perfect', 'local']) {
          const week = simulatePeak(dir, traces, [simJob('week', 7 * 24, 14 * 24, zones)], forecast, `week-${forecast}`);
          const small = simulatePeak(dir, traces, [simJob('small', 1, 2, zones)], forecast, `small-${forecast}`);
          rows.push({ figure: `carbond simulate, one 7-day job due in 14 days on 4 sites (--forecast ${forecast}): peak RSS`, value: `${mb(week.mb)} (${week.s.toFixed(1)} s)`, target: '<= 100 MB', met: week.mb <= 100 });
          rows.push({ figure: `  the same simulate with a 1-h job instead (what is not the 7-day plan)`, value: `${mb(small.mb)} (${small.s.toFixed(1)} s)`, target: '-' });
        }
        return rows;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'replan10k',
    run: () => {
      const r = runChild('replan10k', 3);
      return [
        { figure: `${r.jobs.toLocaleString('en')} open jobs on 8 sites re-planned, one plan() (1-24 h work, 0-24 h slack, 1-3 sites): median of ${r.warm.length} warm`, value: `${median(r.warm).toFixed(0)} ms (cold ${r.cold.toFixed(0)} ms)`, target: '<= 2000 ms', met: median(r.warm) <= 2000 },
        { figure: '  that process: peak RSS (before building the input)', value: `${mb(r.vmHwmMB)} (${mb(r.baselineMB)})`, target: '-' },
      ];
    },
  },
  {
    name: 'plan1000week',
    run: () => {
      const r = runChild('plan1000week', 2);
      return [
        { figure: '1,000 open jobs on 4 sites incl. the 7-day job due in 14 days: peak RSS of the planning process', value: mb(r.vmHwmMB), target: '<= 150 MB', met: r.vmHwmMB <= 150 },
        { figure: `  its plan() median (cold), planner buffers held once idle ${RESERVE_IDLE_MS} ms after plan()`, value: `${median(r.warm).toFixed(0)} ms (${r.cold.toFixed(0)} ms), ${r.liveScratchBytes} B`, target: '0 B', met: r.liveScratchBytes === 0 },
      ];
    },
  },
];

function printRows(rows: readonly FigureRow[]): void {
  for (const row of rows) {
    const verdict = row.met === undefined ? '' : row.met ? '  met' : '  NOT MET';
    console.log(`  ${row.figure}: ${row.value}   [target ${row.target}]${verdict}`);
  }
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    await childMain(process.argv[child + 1]!, Number(process.argv[child + 2] ?? 3));
    return;
  }
  const only = process.argv.indexOf('--only');
  const wanted = only >= 0 ? process.argv[only + 1] : undefined;
  console.log(`bench:scale (${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}; peak RSS = VmHWM of the process)`);
  for (const section of SECTIONS.filter((s) => wanted === undefined || s.name === wanted)) {
    console.log(`\n${section.name}:`);
    printRows(await section.run());
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
