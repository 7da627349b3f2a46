/**
 * Turns a job, the slot series and the remaining site capacity into the costed problem the
 * policies solve: per allowed site, grams per running slot and per resume (DESIGN §5).
 */
import type { ExactStart, SiteCosts } from './exact';
import type { ExactScratch } from './exact-scratch';
import type { PolicyProblem } from './policies';
import type { PlanInput, PlanJob, SiteSpec, SlotSeries } from './types';

const MS_PER_HOUR = 3_600_000;

/**
 * Grams for running `powerW` for `durationMs` at `gPerKWh`.
 * @example gramsOf(300, 300_000, 200) === 5  // 300 W · 5 min = 0.025 kWh, × 200 g/kWh
 */
export function gramsOf(powerW: number, durationMs: number, gPerKWh: number): number {
  return (powerW * durationMs * gPerKWh) / MS_PER_HOUR / 1000;
}

/** Work slots needed for `ms` of running time (rounded up; 1e-9 tolerates float noise). */
export function slotsFor(ms: number, slotMs: number): number {
  return Math.max(0, Math.ceil(ms / slotMs - 1e-9));
}

/** Remaining GPUs and job places per site and slot, from `nowMs`; and the resumes planned so far (for the crowding cost). */
export class Capacity {
  readonly gpus: Float64Array[];
  readonly places: Float64Array[];
  /** Resumes of paused jobs planned to start per site and slot. */
  readonly resumes: Float64Array[];
  /** Per site: what crowding is measured against (GPUs, else job places); Infinity = no limit, no crowding. */
  readonly crowdingScale: number[];
  /** `scratch`: where the arrays go (`plan()`'s, reused by its next pass and call); without it, fresh arrays. */
  constructor(readonly sites: readonly SiteSpec[], readonly slots: number, scratch?: ExactScratch) {
    const array = (name: string, i: number): Float64Array => (scratch === undefined ? new Float64Array(slots) : scratch.float64(`capacity-${name}${i}`, slots).subarray(0, slots));
    this.gpus = sites.map((s, i) => array('gpus', i).fill(s.gpus > 0 ? s.gpus : Infinity));
    this.places = sites.map((s, i) => array('places', i).fill(s.maxJobs ?? (s.gpus > 0 ? Infinity : 1)));
    this.resumes = sites.map((_, i) => array('resumes', i).fill(0));
    this.crowdingScale = sites.map((s) => Math.min(s.gpus > 0 ? s.gpus : Infinity, s.maxJobs ?? (s.gpus > 0 ? Infinity : 1)));
  }

  /** Counts the resumes (first slot of each run after a pause) of a paused job's schedule. */
  countResumes(siteIndexes: readonly number[], siteAt: Int16Array): void {
    for (let t = 0; t < siteAt.length && t < this.slots; t++) {
      const local = siteAt[t]!;
      if (local >= 0 && (t === 0 || siteAt[t - 1] !== local)) this.resumes[siteIndexes[local]!]![t]! += 1;
    }
  }

  fits(site: number, t: number, gpus: number): boolean {
    return this.gpus[site]![t]! >= gpus && this.places[site]![t]! >= 1;
  }

  /** Takes (sign 1) or gives back (sign −1) one job's slots. */
  apply(siteIndexes: readonly number[], siteAt: Int16Array, gpus: number, sign: 1 | -1): void {
    for (let t = 0; t < siteAt.length && t < this.slots; t++) {
      const local = siteAt[t]!;
      if (local < 0) continue;
      const s = siteIndexes[local]!;
      this.gpus[s]![t]! -= sign * gpus;
      this.places[s]![t]! -= sign;
    }
  }
}

/** Intensity of `series` for the slot starting at `ms`; flat beyond either end. */
function intensityAt(series: SlotSeries, ms: number): number {
  const n = series.gPerKWh.length;
  const i = Math.min(n - 1, Math.max(0, Math.floor((ms - series.startMs) / series.slotMs)));
  return series.gPerKWh[i]!;
}

/**
 * Each zone's intensity per slot from `nowMs`, computed once per `plan()` call and shared by
 * its jobs as views (a job's intensity used to be its own copy: 10,000 jobs on 8 sites held
 * hundreds of MB of identical arrays until the plan was assembled). Read-only.
 */
export class ZoneIntensity {
  private readonly byZone = new Map<string, Float64Array>();
  constructor(private readonly input: PlanInput) {}

  /** The first `length` slots of `zone`'s series, g/kWh. */
  of(zone: string, length: number): Float64Array {
    let have = this.byZone.get(zone);
    if (have === undefined || have.length < length) {
      const series = this.input.series[zone]!;
      have = new Float64Array(Math.max(length, Math.ceil((have?.length ?? 0) * 1.5)));
      for (let t = 0; t < have.length; t++) have[t] = intensityAt(series, this.input.nowMs + t * this.input.slotMs);
      this.byZone.set(zone, have);
    }
    return have.subarray(0, length);
  }
}

export interface JobProblem extends PolicyProblem {
  job: PlanJob;
  /** Global site index of each local site of the problem. */
  siteIndexes: number[];
  /** Intensity per local site and slot, g/kWh (for reasons). */
  intensity: Float64Array[];
}

/** Slots from now to the deadline minus the margin. */
export function horizonOf(input: PlanInput, job: PlanJob): number {
  return Math.max(0, Math.floor((job.deadlineMs - input.safetyMarginMs - input.nowMs) / input.slotMs));
}

function startOf(job: PlanJob, siteIndexes: number[], sites: readonly SiteSpec[]): ExactStart {
  if (job.phase === 'queued') return { phase: 'queued' };
  if (job.phase === 'paused') return { phase: 'paused' };
  const local = siteIndexes.findIndex((g) => sites[g]!.name === job.currentSite);
  return local >= 0 ? { phase: 'running', site: local } : { phase: 'paused' };
}

/** Crowding of one site for one job: resumes planned per slot, against the site's scale, × the factor. Absent = none. */
interface Crowding {
  resumes: Float64Array;
  perResume: number;
}

/**
 * Per-slot run and resume grams of one job on one site, written into `runG` and `resumeG`
 * (length T); slots without room (GPUs or job places) cost Infinity. A resume at t costs the
 * overhead slots t … t+k−1 (the last one partial when the overhead is not a whole number of
 * slots), × `penalty`, × the crowding (1 + perResume × resumes already planned at t) for t ≥ 1.
 * @example 300 W, 5-min slots, 10-min overhead (k = 2), 200 g/kWh everywhere → runG 5 g, resumeG 10 g;
 *   with 2 resumes planned at t on 8 GPUs and factor 1 (perResume 1/8), resumeG[t] = 12.5 g.
 */
function siteCosts(job: PlanJob, slotMs: number, gi: Float64Array, gpusLeft: Float64Array, placesLeft: Float64Array, k: number, penalty: number, crowding: Crowding | undefined, runG: Float64Array, resumeG: Float64Array, moveMs = 0): SiteCosts {
  // The job's fields as locals: jobs come in many object shapes, and this loop runs for every
  // slot of every job of a plan (10,000 jobs re-planned: a third of the time outside the DP).
  const { gpus, powerW, pauseOverheadMs } = job;
  const T = runG.length;
  const n = Math.min(T, gpusLeft.length);
  const free = (t: number): boolean => t < n && gpusLeft[t]! >= gpus && placesLeft[t]! >= 1;
  for (let t = 0; t < T; t++) runG[t] = free(t) ? gramsOf(powerW, slotMs, gi[t]!) : Infinity;
  if (k === 0) {
    resumeG.fill(0);
    addMoveCost(resumeG, powerW, moveMs, gi);
    return { runG, resumeG };
  }
  const overheadMs = Array.from({ length: k }, (_, j) => Math.min(slotMs, pauseOverheadMs - j * slotMs));
  const crowded = crowding === undefined ? 0 : Math.min(T, crowding.resumes.length);
  for (let t = 0; t < T; t++) {
    let ov = 0;
    for (let j = 0; j < k; j++) ov += t + j < T && free(t + j) ? gramsOf(powerW, overheadMs[j]!, gi[t + j]!) : Infinity;
    const crowd = t > 0 && t < crowded ? 1 + crowding!.perResume * crowding!.resumes[t]! : 1;
    resumeG[t] = ov * penalty * crowd;
  }
  addMoveCost(resumeG, powerW, moveMs, gi);
  return { runG, resumeG };
}

/**
 * A resume here first brings the job's checkpoint from another site's storage (`PlanJob.moveMs`):
 * the copy's time is priced at the job's power and this site's intensity when it starts, like an
 * overhead — a move must save more than running that long would emit (docs/sites.md).
 * @example 300 W, a 10-min copy, 200 g/kWh → + 10 g on every resume here
 */
function addMoveCost(resumeG: Float64Array, powerW: number, moveMs: number, gi: Float64Array): void {
  if (!(moveMs > 0)) return;
  const n = Math.min(resumeG.length, gi.length);
  for (let t = 0; t < n; t++) resumeG[t]! += gramsOf(powerW, moveMs, gi[t]!);
}

/** Fresh arrays for the costs of a problem built outside `plan()` (no scratch to reuse). */
function freshCosts(T: number): { runG: Float64Array; resumeG: Float64Array } {
  return { runG: new Float64Array(T), resumeG: new Float64Array(T) };
}

/** Scratch buffer names of the costs of local site `local` (named once, not per job). */
const COST_NAMES = Array.from({ length: 64 }, (_, local) => ({ run: `runG${local}`, resume: `resumeG${local}` }));

/**
 * The cost arrays of local site `local` over T slots: views of `scratch` buffers reused by
 * every job of a `plan()` call (valid until the next job's problem is built: `plan()` keeps
 * only the first slot of each, ./plan.ts `keptOf`), or fresh arrays without a scratch.
 */
function costArrays(scratch: ExactScratch | undefined, local: number, T: number): { runG: Float64Array; resumeG: Float64Array } {
  const names = COST_NAMES[local];
  if (scratch === undefined || names === undefined) return freshCosts(T);
  return { runG: scratch.float64(names.run, T).subarray(0, T), resumeG: scratch.float64(names.resume, T).subarray(0, T) };
}

/**
 * Holds a protected run on its site for its first `slots` slots: a pause there (or a move
 * to another site) costs Infinity, so the DP keeps it running; after them it plans freely.
 */
function protect(sites: Array<{ resumeG: Float64Array }>, current: number, idleG: Float64Array | undefined, T: number, slots: number): Float64Array {
  const idle = idleG ?? new Float64Array(T);
  idle.fill(Infinity, 0, Math.min(T, slots));
  sites.forEach((s, local) => { if (local !== current) s.resumeG.fill(Infinity, 0, Math.min(T, slots)); });
  return idle;
}

/** Default crowding factor (see `PlanInput.crowdingFactor`). */
export const DEFAULT_CROWDING_FACTOR = 1;

/**
 * Builds the problem for one job over `T` slots (T ≥ the job's horizon when guarded).
 * Sites without a series are left out; `undefined` when none is left. `protectedSlots`: the
 * first slots a running job must keep running on its site (its minimum runtime). `scratch`:
 * where the per-slot costs go (see `costArrays`); without it they are fresh arrays.
 */
export function buildProblem(input: PlanInput, job: PlanJob, T: number, capacity: Capacity, protectedSlots = 0, zones = new ZoneIntensity(input), scratch?: ExactScratch): JobProblem | undefined {
  const { slotMs } = input;
  const siteIndexes: number[] = [];
  for (const name of job.sites) {
    const g = input.sites.findIndex((s) => s.name === name);
    if (g >= 0 && input.series[input.sites[g]!.zone] !== undefined) siteIndexes.push(g);
  }
  if (siteIndexes.length === 0) return undefined;
  const k = slotsFor(job.pauseOverheadMs, slotMs);
  const penalty = input.resumePenaltyFactor ?? 1;
  const intensity = siteIndexes.map((g) => zones.of(input.sites[g]!.zone, T + k));
  const factor = job.phase === 'paused' ? input.crowdingFactor ?? DEFAULT_CROWDING_FACTOR : 0;
  const crowdingOf = (g: number): Crowding | undefined => {
    const scale = capacity.crowdingScale[g]!;
    return factor > 0 && Number.isFinite(scale) ? { resumes: capacity.resumes[g]!, perResume: factor / scale } : undefined;
  };
  const sites = siteIndexes.map((g, local) => {
    const { runG, resumeG } = costArrays(scratch, local, T);
    return siteCosts(job, slotMs, intensity[local]!, capacity.gpus[g]!, capacity.places[g]!, k, penalty, crowdingOf(g), runG, resumeG, job.moveMs?.[input.sites[g]!.name] ?? 0);
  });
  const start = startOf(job, siteIndexes, input.sites);
  const preferred = start.phase === 'running' ? start.site : Math.max(0, siteIndexes.findIndex((g) => input.sites[g]!.name === job.homeSite));
  let idleG: Float64Array | undefined = job.pausedPowerW ? Float64Array.from(intensity[preferred]!.subarray(0, T), (g) => gramsOf(job.pausedPowerW!, slotMs, g)) : undefined;
  if (protectedSlots > 0 && start.phase === 'running') idleG = protect(sites, start.site, idleG, T, protectedSlots);
  return {
    job,
    siteIndexes,
    intensity,
    horizonSlots: T,
    workSlots: slotsFor(job.remainingWorkMs, slotMs),
    overheadSlots: k,
    sites,
    ...(idleG ? { idleG } : {}),
    start,
    preferredSite: preferred,
    intensityGPerKWh: intensity[preferred]!,
    ...(input.thresholdPercentile !== undefined ? { thresholdPercentile: input.thresholdPercentile } : {}),
  };
}
