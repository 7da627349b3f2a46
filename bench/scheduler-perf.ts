/**
 * Speed figures of `bench:scheduler` and the LP lower bound (HiGHS, WebAssembly) — the LP
 * is computed here only, never in the daemon.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { plan, solveExact, type PlanInput, type PlanJob, type SlotSeries } from '../scheduler';
import { simulate } from '../src/simulate';
import { loadTraces, zoneSignals } from '../src/simulate/inputs';
import { median } from '../src/simulate/result';
import { makeJobs } from './scheduler-workload';
import { seededUniform } from '../src/core/rng';

const H = 3_600_000;
const SLOT = 5 * 60_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');

/** A synthetic signal with a daily cycle and noise, g/kWh, on `slotMs` slots. */
function syntheticSeries(zone: string, hours: number, seed: number, slotMs = SLOT): SlotSeries {
  const r = seededUniform(seed);
  const perHour = H / slotMs;
  const hourly = Array.from({ length: hours + 1 }, (_, h) => 250 + 100 * Math.sin((2 * Math.PI * (h + seed)) / 24) + 30 * r());
  return { zone, startMs: T0, slotMs, gPerKWh: Array.from({ length: hours * perHour }, (_, i) => hourly[Math.floor(i / perHour)]!) };
}

function timeIt(reps: number, f: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    out.push(performance.now() - t);
  }
  return out;
}

/** One queued job, 24 h of work, deadline in 7 days, 5-min slots: T = 2016, W = 288. */
export function plan7dFigures(reps: number): void {
  const input: PlanInput = {
    nowMs: T0, slotMs: SLOT, safetyMarginMs: 0, policy: 'carbond',
    sites: [{ name: 'box', zone: 'Z', gpus: 8 }],
    series: { Z: syntheticSeries('Z', 7 * 24 + 1, 3) },
    jobs: [{ id: 'a', phase: 'queued', submittedAtMs: T0, deadlineMs: T0 + 7 * 24 * H, remainingWorkMs: 24 * H, powerW: 300, gpus: 1, sites: ['box'], homeSite: 'box', pauseOverheadMs: SLOT }],
  };
  plan(input); // warm-up (JIT, scratch buffers)
  const whole = timeIt(reps, () => plan(input));
  const runG = Float64Array.from(input.series['Z']!.gPerKWh.slice(0, 2016), (g) => g * 0.025);
  const dpOnly = timeIt(reps, () => solveExact({ horizonSlots: 2016, workSlots: 288, overheadSlots: 1, sites: [{ runG, resumeG: runG }], start: { phase: 'queued' } }));
  console.log(`  one 7-day plan at 5-min slots (T=2016, W=288): plan() median ${median(whole).toFixed(2)} ms (max ${Math.max(...whole).toFixed(2)}), exact DP alone median ${median(dpOnly).toFixed(2)} ms   [target <= 5 ms]`);
}

/** 1,000 jobs on 4 sites (64 GPUs each), 2–48 h of work, 0–48 h slack, 1–4 allowed sites, mixed phases. */
export function replan1000Figures(reps: number): void {
  const r = seededUniform(7);
  const sites = [0, 1, 2, 3].map((i) => ({ name: `s${i}`, zone: `Z${i}`, gpus: 256 }));
  const series = Object.fromEntries(sites.map((s, i) => [s.zone, syntheticSeries(s.zone, 100, i * 5)]));
  const jobs: PlanJob[] = Array.from({ length: 1000 }, (_, i) => {
    const work = Math.round((2 + r() * 46) * 12) * SLOT;
    const slack = Math.round(r() * 48 * 12) * SLOT;
    const allowed = sites.map((s) => s.name).filter((_, k) => k === i % 4 || r() < 0.3);
    const roll = r();
    const phase = roll < 0.4 ? 'running' : roll < 0.6 ? 'paused' : 'queued';
    return {
      id: `j${i}`, phase, submittedAtMs: T0, deadlineMs: T0 + work + slack, remainingWorkMs: work, powerW: 300, gpus: 1 + (i % 2),
      sites: allowed, homeSite: allowed[0]!, ...(phase !== 'queued' ? { currentSite: allowed[0]! } : {}), pauseOverheadMs: SLOT,
    } as PlanJob;
  });
  const input: PlanInput = { nowMs: T0, slotMs: SLOT, safetyMarginMs: 0, policy: 'carbond', sites, series, jobs };
  const cold = timeIt(1, () => plan(input))[0]!; // the daemon re-plans every tick: the first (JIT, scratch) is reported apart
  const times = timeIt(reps, () => plan(input));
  const p = plan(input);
  const moved = p.decisions.filter((d) => d.action !== 'keep').length;
  console.log(`  1,000 jobs on 4 sites re-planned (5-min slots, 256 GPUs/site): median ${median(times).toFixed(0)} ms over ${reps} warm run(s) (first, cold: ${cold.toFixed(0)} ms); ${moved} decisions change something   [target <= 1000 ms]`);
}

/** A year of `n` jobs on 4 zones (Electricity Maps 2021, LCA), `--forecast local`, policy carbond. */
export async function yearFigures(dir: string, n: number): Promise<void> {
  const zones = ['GB', 'DE', 'FR', 'ES'];
  const traces = loadTraces(zones.map((z) => `${z}=${path.join(dir, `${z}_2021_em-lca.csv`)}`));
  const signals = zoneSignals(traces, { mode: 'local', files: new Map() });
  const jobs = makeJobs({ zones, jobsPerZone: Math.round(n / zones.length), fromMs: Date.parse('2021-01-08T00:00:00Z'), toMs: Date.parse('2021-12-31T00:00:00Z'), seed: 99 });
  const t = performance.now();
  const out = await simulate({ jobs, zones: signals, mode: 'local', policy: 'carbond', slotMs: SLOT, stopwatch: () => performance.now() });
  const wallS = (performance.now() - t) / 1000;
  const misses = out.states.filter((s) => (s.finishedAtMs ?? Infinity) > s.job.deadlineMs).length;
  console.log(`  a year of ${jobs.length} jobs simulated (GB, DE, FR, ES 2021, --forecast local, carbond, 5-min slots): ${wallS.toFixed(1)} s, ${out.ticks} ticks, ${out.plannerMs.length} plans (p50 ${median(out.plannerMs).toFixed(2)} ms), ${misses} deadline misses   [target <= 60 s for 1,000]`);
}

/**
 * LP lower bound of a capacity-bound instance: 40 jobs, all queued now, 2 sites with 6 GPUs,
 * 1-h slots, no overhead. LP: min Σ c·x, Σ_{s,t} x_{j,s,t} = W_j, Σ_j x_{j,s,t} ≤ 6, 0 ≤ x ≤ 1.
 */
export async function lpBoundFigures(dir: string | undefined): Promise<void> {
  const r = seededUniform(11);
  const slotMs = H;
  const hours = 72;
  const sites = [{ name: 'a', zone: 'A', gpus: 6 }, { name: 'b', zone: 'B', gpus: 6 }];
  let series: Record<string, SlotSeries> = { A: syntheticSeries('A', hours, 1, slotMs), B: syntheticSeries('B', hours, 9, slotMs) };
  if (dir) {
    const t = loadTraces([`A=${path.join(dir, 'CAISO_2021_dacf.csv')}`, `B=${path.join(dir, 'DE_2021_dacf.csv')}`]);
    const from = Date.parse('2021-09-01T00:00:00Z');
    series = Object.fromEntries([...t].map(([z, m]) => {
      const i = Array.from(m.startMs).findIndex((s) => s >= from);
      return [z, { zone: z, startMs: from, slotMs, gPerKWh: Array.from(m.gPerKWh.subarray(i, i + hours)) }];
    }));
  }
  const t0 = series['A']!.startMs;
  const jobs: PlanJob[] = Array.from({ length: 40 }, (_, i) => {
    const work = (2 + Math.floor(r() * 11)) * H;
    const deadline = Math.min(hours * H, work + (2 + Math.floor(r() * 25)) * H);
    return { id: `j${i}`, phase: 'queued', submittedAtMs: t0, deadlineMs: t0 + deadline, remainingWorkMs: work, powerW: 300, gpus: 1, sites: ['a', 'b'], homeSite: i % 2 ? 'a' : 'b', pauseOverheadMs: 0 };
  });
  const p = plan({ nowMs: t0, slotMs, safetyMarginMs: 0, policy: 'carbond', sites, series, jobs });
  const planned = p.jobs.reduce((a, j) => a + j.expectedEmissionsG, 0);
  const lines: string[] = ['Minimize', ' obj:'];
  const terms: string[] = [];
  const cons: string[] = ['Subject To'];
  const bounds: string[] = ['Bounds'];
  const capTerms = new Map<string, string[]>();
  jobs.forEach((j, ji) => {
    const T = Math.floor((j.deadlineMs - t0) / slotMs);
    const row: string[] = [];
    sites.forEach((s, si) => {
      for (let t = 0; t < T; t++) {
        const v = `x_${ji}_${si}_${t}`;
        terms.push(`+ ${((j.powerW / 1000) * series[s.zone]!.gPerKWh[t]!).toFixed(6)} ${v}`);
        row.push(`+ ${v}`);
        capTerms.set(`${si}_${t}`, [...(capTerms.get(`${si}_${t}`) ?? []), v]);
        bounds.push(` 0 <= ${v} <= 1`);
      }
    });
    cons.push(` w${ji}: ${row.join(' ')} = ${j.remainingWorkMs / slotMs}`);
  });
  for (const [key, vs] of capTerms) cons.push(` c${key}: ${vs.map((v) => `+ ${v}`).join(' ')} <= 6`);
  lines[1] = ` obj: ${terms.join(' ')}`;
  const lp = [...lines, ...cons, ...bounds, 'End'].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const highs = await (require('highs') as () => Promise<{ solve(p: string): { Status: string; ObjectiveValue: number } }>)();
  const t = performance.now();
  const sol = highs.solve(lp);
  const lpMs = performance.now() - t;
  const gap = ((planned - sol.ObjectiveValue) / sol.ObjectiveValue) * 100;
  console.log(`  LP lower bound (HiGHS, 40 jobs, 2 sites x 6 GPUs, 72 1-h slots${dir ? ', CAISO + DE Sep 2021' : ', synthetic'}): planner ${(planned / 1000).toFixed(2)} kg vs LP ${(sol.ObjectiveValue / 1000).toFixed(2)} kg (${sol.Status}, ${lpMs.toFixed(0)} ms): planner within ${gap.toFixed(2)} % of the bound`);
}
