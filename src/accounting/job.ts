/**
 * Per-job accounting (DESIGN §6): actual emissions of what ran (overheads included),
 * the baseline counterfactual (the same work, energy per step as measured and without
 * overheads, laid out from submission at the home site without pauses), avoided =
 * baseline − actual, the delay the job incurred, its pauses and moves, and its SCI — and
 * what of it happened at each place the job ran (`places`), for figures by site and zone.
 */
import type { EnergySample, JobRow, JobState, RunRow } from './rows';
import { sciOfRun, type EmbodiedFigures, type SciFigure } from './sci';
import { byStart, stopOf } from './stops';
import { mergeTally, newTally, type Tally } from './tally';
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
  /** Runs that ended paused and went on at the same site (or not yet); see `stopOf`. */
  pauses: number;
  /** Runs that ended paused and went on at another site; see `stopOf`. */
  moves: number;
  /** Time between consecutive runs, ms. */
  pausedMs: number;
  /** Time runs held their GPUs, ms (a running run counts up to now). */
  runningMs: number;
  sci: SciFigure;
  /**
   * What happened at each place the job ran, in the order it first ran there: the parts of
   * `actual`, `overheadKWh`, `pauses`, `moves`, `pausedMs`, `runningMs` and the embodied M,
   * which add up to the job's. The baseline belongs to no place but home.
   */
  places: PlaceUse[];
}

/**
 * One place a job ran: a site, in a zone. Energy samples give both (a sample's site is its
 * run's); a run without samples is placed in its site's zone.
 */
export interface PlaceUse {
  site: string;
  zone: string;
  /** Energy used here (overheads included) and its emissions. */
  actual: Tally;
  overheadKWh: number;
  /** Energy samples taken here (0: the job held GPUs here but nothing was metered yet). */
  samples: number;
  /** Runs here that ended in a pause, or in a move away (a move counts where the job left). */
  pauses: number;
  moves: number;
  /** Time from the end of a run here to the job's next run, ms. */
  pausedMs: number;
  /** Time runs here held their GPUs, ms. */
  runningMs: number;
  /** The job's embodied M in proportion to the GPU time held here, g. @example M 90 g, 1 h here of 3 h → 30 g */
  embodiedG: number;
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

/** The places of one job, created as the job first uses them. */
class Places {
  private readonly by = new Map<string, PlaceUse>();

  at(site: string, zone: string): PlaceUse {
    const key = `${site}\u0000${zone}`;
    let p = this.by.get(key);
    if (!p) {
      p = { site, zone, actual: newTally(), overheadKWh: 0, samples: 0, pauses: 0, moves: 0, pausedMs: 0, runningMs: 0, embodiedG: 0 };
      this.by.set(key, p);
    }
    return p;
  }

  list(): PlaceUse[] {
    return [...this.by.values()];
  }
}

/**
 * Running and paused time, pauses and moves (`stopOf`), in total and at the place of each run:
 * the zone its samples were priced in, else its site's.
 */
function runTimes(runs: readonly RunRow[], nowMs: number, placeOfRun: (r: RunRow) => PlaceUse): { pauses: number; moves: number; pausedMs: number; runningMs: number } {
  const t = { pauses: 0, moves: 0, pausedMs: 0, runningMs: 0 };
  const sorted = byStart(runs);
  sorted.forEach((r, i) => {
    const place = placeOfRun(r);
    const runningMs = Math.max(0, (r.endedAtMs ?? nowMs) - r.startedAtMs);
    t.runningMs += runningMs;
    place.runningMs += runningMs;
    const next = sorted[i + 1];
    if (next && r.endedAtMs !== null) {
      const pausedMs = Math.max(0, next.startedAtMs - r.endedAtMs);
      t.pausedMs += pausedMs;
      place.pausedMs += pausedMs;
    }
    const stop = stopOf(r, next);
    if (stop === null) return;
    const field = stop === 'pause' ? 'pauses' : 'moves';
    t[field] += 1;
    place[field] += 1;
  });
  return t;
}

/** Accounts one job from its runs and energy samples (samples ordered by start). */
export function accountJob(job: JobRow, runs: readonly RunRow[], samples: readonly EnergySample[], ctx: JobAccountingContext): JobAccount {
  const baseline = newTally();
  const homeZone = ctx.siteZones[job.homeSite] ?? samples[0]?.zone ?? 'unknown';
  const fraction = usefulFraction(runs);
  const places = new Places();
  const siteOfRun = new Map(runs.map((r) => [r.id, r.site]));
  const siteInZone = (zone: string): string | undefined => (ctx.siteZones[job.homeSite] === zone ? job.homeSite : runs.find((r) => ctx.siteZones[r.site] === zone)?.site);
  const zoneOfRun = new Map<number, string>();
  let overheadKWh = 0;
  let cursorMs = job.submittedAtMs;
  let place: PlaceUse | undefined;
  for (const s of samples) {
    // A sample's site is its run's (the report loader leaves the column out). One without a run
    // (a checkpoint copied to another site: its energy is booked in the destination's zone) is
    // the site in that zone where the job ran, else home.
    const site = s.site ?? (s.runId === null ? siteInZone(s.zone) : siteOfRun.get(s.runId)) ?? job.homeSite;
    if (place?.site !== site || place.zone !== s.zone) place = places.at(site, s.zone);
    if (s.runId !== null && !zoneOfRun.has(s.runId)) zoneOfRun.set(s.runId, s.zone);
    place.samples += 1;
    const before = place.actual.g;
    priceEnergy(ctx.timelines.get(s.zone), s.startMs, s.durationMs, s.energyKWh, place.actual, ctx.signal);
    ctx.onPriced?.('actual', s.startMs, place.actual.g - before);
    if (s.overhead) {
      overheadKWh += s.energyKWh;
      place.overheadKWh += s.energyKWh;
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
  const times = runTimes(runs, ctx.nowMs, (r) => places.at(r.site, zoneOfRun.get(r.id) ?? ctx.siteZones[r.site] ?? (r.site === job.homeSite ? homeZone : 'unknown')));
  const list = places.list();
  const actual = newTally();
  for (const p of list) mergeTally(actual, p.actual);
  const avoidedG = baseline.g - actual.g;
  const sci = sciOfRun(actual.g, job.gpus, times.runningMs, ctx.embodied);
  for (const p of list) p.embodiedG = times.runningMs > 0 ? (sci.embodiedG * p.runningMs) / times.runningMs : 0;
  return {
    job, state, homeZone,
    energyKWh: actual.energyKWh, overheadKWh, actual, baseline, avoidedG,
    avoidedPct: baseline.g > 0 ? (avoidedG / baseline.g) * 100 : null,
    baselineEndMs: cursorMs, finishedAtMs,
    delayMs: finishedAtMs === null ? null : finishedAtMs - cursorMs,
    ...times,
    sci,
    places: list,
  };
}
