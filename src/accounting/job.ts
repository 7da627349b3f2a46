/**
 * Per-job accounting (DESIGN §6): actual emissions of what ran (overheads included),
 * the baseline counterfactual (the same work, energy per step as measured and without
 * overheads, laid out from submission at the home site without pauses), avoided =
 * baseline − actual, the delay the job incurred, its pauses, and its SCI.
 */
import type { EnergySample, JobRow, JobState, RunRow } from './rows';
import { sciOfRun, type EmbodiedFigures, type SciFigure } from './sci';
import { newTally, type Tally } from './tally';
import { priceEnergy, type ZoneTimeline } from './timeline';

/**
 * A job's state in accounting is the ledger's (src/jobs/states.ts: queued, running, pausing,
 * paused, suspended, finished, failed, cancelled), carried by its `JobRow`. It used to be
 * guessed from the runs, which reported a job cancelled mid-run as paused and a lost run's job
 * as failed. `lost` is not a job state: it is a run's exit kind (the job goes back to paused).
 */
export type { JobState };

export interface JobAccount {
  job: JobRow;
  state: JobState;
  homeZone: string;
  /** All energy, overheads included, kWh. */
  energyKWh: number;
  /** Energy spent on pause/resume overheads, kWh. */
  overheadKWh: number;
  actual: Tally;
  baseline: Tally;
  /** baseline − actual, g. */
  avoidedG: number;
  /** avoided / baseline × 100; null when the baseline is 0. */
  avoidedPct: number | null;
  baselineEndMs: number;
  /** When the job finished; null while unfinished. */
  finishedAtMs: number | null;
  /** finishedAt − baselineEnd, ms; null while unfinished. */
  delayMs: number | null;
  /** Runs that ended paused and went on at the same site (or not yet). */
  pauses: number;
  /** Runs that ended paused and went on at another site. */
  moves: number;
  /** Time between consecutive runs, ms. */
  pausedMs: number;
  /** Time runs held their GPUs, ms (a running run counts up to now). */
  runningMs: number;
  sci: SciFigure;
}

export interface JobAccountingContext {
  nowMs: number;
  timelines: ReadonlyMap<string, ZoneTimeline>;
  /** Zone of every known site. */
  siteZones: Readonly<Record<string, string>>;
  embodied?: EmbodiedFigures;
  signal?: string;
  /** Called with the grams of each priced piece, for charts. */
  onPriced?: (side: 'actual' | 'baseline', atMs: number, g: number) => void;
}

/** When a finished job finished: the end of its last run (its `→ finished` is recorded then); null otherwise. */
function finishedAtOf(state: JobState, runs: readonly RunRow[]): number | null {
  if (state !== 'finished') return null;
  const ends = runs.map((r) => r.endedAtMs).filter((t): t is number => t !== null);
  return ends.length === 0 ? null : Math.max(...ends);
}

/**
 * The share of executed work that was useful: steps redone after a kill (lost work) are an
 * overhead of pausing, not part of the baseline.
 * @example usefulFraction(runs 0→600 killed at 600 but checkpointed at 500, then 500→1000) === 1000 / 1100
 */
export function usefulFraction(runs: readonly RunRow[]): number {
  let executed = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const r of runs) {
    if (r.lastStep === null) continue;
    executed += Math.max(0, r.lastStep - r.startStep);
    first = Math.min(first, r.startStep);
    last = Math.max(last, r.lastStep);
  }
  if (executed <= 0 || last <= first) return 1;
  return Math.min(1, (last - first) / executed);
}

/**
 * A checkpointed pause after which the job went on at another site is a move, not a pause
 * (as `carbond simulate` counts them); a pause with no run after it yet is a pause.
 */
function runTimes(runs: readonly RunRow[], nowMs: number): { pauses: number; moves: number; pausedMs: number; runningMs: number } {
  let pausedMs = 0;
  let runningMs = 0;
  let pauses = 0;
  let moves = 0;
  const sorted = [...runs].sort((a, b) => a.startedAtMs - b.startedAtMs);
  sorted.forEach((r, i) => {
    runningMs += Math.max(0, (r.endedAtMs ?? nowMs) - r.startedAtMs);
    const prev = sorted[i - 1];
    if (prev?.endedAtMs != null) pausedMs += Math.max(0, r.startedAtMs - prev.endedAtMs);
    if (r.exitKind !== 'paused') return;
    const next = sorted[i + 1];
    if (next && next.site !== r.site) moves += 1;
    else pauses += 1;
  });
  return { pauses, moves, pausedMs, runningMs };
}

/** Accounts one job from its runs and energy samples (samples ordered by start). */
export function accountJob(job: JobRow, runs: readonly RunRow[], samples: readonly EnergySample[], ctx: JobAccountingContext): JobAccount {
  const actual = newTally();
  const baseline = newTally();
  const homeZone = ctx.siteZones[job.homeSite] ?? samples[0]?.zone ?? 'unknown';
  const fraction = usefulFraction(runs);
  let overheadKWh = 0;
  let cursorMs = job.submittedAtMs;
  for (const s of samples) {
    const before = actual.g;
    priceEnergy(ctx.timelines.get(s.zone), s.startMs, s.durationMs, s.energyKWh, actual, ctx.signal);
    ctx.onPriced?.('actual', s.startMs, actual.g - before);
    if (s.overhead) {
      overheadKWh += s.energyKWh;
      continue;
    }
    const durationMs = s.durationMs * fraction;
    const b0 = baseline.g;
    priceEnergy(ctx.timelines.get(homeZone), cursorMs, durationMs, s.energyKWh * fraction, baseline, ctx.signal);
    ctx.onPriced?.('baseline', cursorMs, baseline.g - b0);
    cursorMs += durationMs;
  }
  const state = job.state;
  const finishedAtMs = finishedAtOf(state, runs);
  const times = runTimes(runs, ctx.nowMs);
  const avoidedG = baseline.g - actual.g;
  return {
    job, state, homeZone,
    energyKWh: actual.energyKWh, overheadKWh, actual, baseline, avoidedG,
    avoidedPct: baseline.g > 0 ? (avoidedG / baseline.g) * 100 : null,
    baselineEndMs: cursorMs, finishedAtMs,
    delayMs: finishedAtMs === null ? null : finishedAtMs - cursorMs,
    ...times,
    sci: sciOfRun(actual.g, job.gpus, times.runningMs, ctx.embodied),
  };
}
