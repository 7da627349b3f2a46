/**
 * The planner's contract (DESIGN §5). Plain data in, plain data out: the daemon tick and
 * `carbond simulate` build a `PlanInput`, call `plan(input)`, and apply the decisions.
 * Pure: no I/O, no clock — `nowMs` is part of the input.
 */

/** Where a job can run. */
export interface SiteSpec {
  name: string;
  zone: string;
  /** GPUs available to carbond on this site (capacity). 0 = CPU-only site, capacity 1 job per `maxJobs`. */
  gpus: number;
  /** Most jobs at once regardless of GPUs; default unlimited when gpus > 0. */
  maxJobs?: number;
}

/**
 * One zone's carbon signal resampled to the plan's slots: `gPerKWh[i]` covers
 * `[startMs + i·slotMs, startMs + (i+1)·slotMs)`. `startMs` is slot-aligned.
 */
export interface SlotSeries {
  zone: string;
  startMs: number;
  slotMs: number;
  gPerKWh: readonly number[];
  /** Per slot: true where the value is a forecast (not yet measured). Optional. */
  forecast?: readonly boolean[];
}

export type JobPhase = 'queued' | 'running' | 'paused';

/** What the planner needs to know about one unfinished job. */
export interface PlanJob {
  id: string;
  phase: JobPhase;
  submittedAtMs: number;
  deadlineMs: number;
  /** Running time still needed at the conservative step rate (excludes overheads). */
  remainingWorkMs: number;
  /** Power while running, W. */
  powerW: number;
  gpus: number;
  /** Allowed sites, by name. */
  sites: readonly string[];
  homeSite: string;
  /** Where it runs now (running) or where its last checkpoint lives (paused). */
  currentSite?: string;
  /** Running time each start/resume/migration costs before useful work resumes. */
  pauseOverheadMs: number;
  /**
   * Time to bring the job's newest checkpoint to a site whose storage lacks it, by site name
   * (absent or 0 = already there, or nothing to bring). A resume there costs this time too,
   * priced like an overhead.
   */
  moveMs?: Readonly<Record<string, number>>;
  /** A manual pause/resume from the user overrides the plan until released. */
  manualOverride?: 'pause' | 'resume';
  /** `suspend`-mode jobs keep drawing idle power while paused; charged to the plan. */
  pausedPowerW?: number;
  /** Running: when its current run started (UTC ms). Without it the run is not protected (see `PlanInput.runProtection`). */
  runStartedAtMs?: number;
  /** Running: when the current run's first progress event arrived (UTC ms); absent = none yet. */
  firstProgressAtMs?: number;
  /**
   * Running: running time since its newest verified checkpoint (since the run started when
   * it has none from this run), ms: what the job loses if it is paused and the pause fails.
   * A pause for capacity takes, among equally urgent running jobs, the one that loses least.
   */
  unsavedWorkMs?: number;
}

/**
 * How long a freshly started (or resumed) run is kept running whatever the plan prefers
 * (as Slurm's PreemptExemptTime, Volcano's cooldown): a run paused before its handler is up
 * has paid its start-up and the resume overhead for nothing. Only the owner's manual pause
 * overrides it. Protected until the later of `minRuntimeMs` after the start and
 * `afterFirstProgressMs` after the run's first progress event; a run with no progress event
 * yet is protected until `withoutProgressMs` after its start at most (a job that never
 * reports progress must not hold its GPUs against the plan for ever).
 * @example started 10:00, first progress 10:08 → protected until max(10:10, 10:13) = 10:13
 */
export interface RunProtection {
  minRuntimeMs: number;
  afterFirstProgressMs: number;
  withoutProgressMs: number;
}

export type PolicyName = 'carbond' | 'baseline' | 'window' | 'threshold';

export interface PlanInput {
  nowMs: number;
  slotMs: number;
  /** Finish this long before the deadline. */
  safetyMarginMs: number;
  sites: readonly SiteSpec[];
  /** Slot series per zone covering at least [nowMs, max deadline). */
  series: Readonly<Record<string, SlotSeries>>;
  jobs: readonly PlanJob[];
  policy: PolicyName;
  /** When set, no usable signal is left: every job runs (fail open) and this is the reason. */
  failOpenReason?: string;
  /**
   * `carbond` only: multiplies each resume's overhead emissions in the objective (default 1).
   * Above 1 it is a hysteresis against forecast error: a pause must win by a margin.
   */
  resumePenaltyFactor?: number;
  /** `threshold` only: run when the signal is at or below this percentile (0–100, default 30). */
  thresholdPercentile?: number;
  /** Protection of fresh runs from planned pauses; default `DEFAULT_RUN_PROTECTION` (10 min; first progress + 5 min; at most 1 h without progress). */
  runProtection?: Partial<RunProtection>;
  /**
   * Crowding cost (as MultiCATS): a paused job's resume into a slot where earlier-planned
   * paused jobs already resume on the same site costs its overhead × (1 + factor × resumes
   * there / the site's GPUs), so paused jobs are not all resumed into one green slot. Only
   * sites with finite capacity, only slots after the first (a resume now is never held back
   * by it). Default `DEFAULT_CROWDING_FACTOR` (1); 0 turns it off.
   * @example 8 GPUs, 4 resumes planned at 02:00, factor 1 → a fifth costs 1.5 × its overhead there
   */
  crowdingFactor?: number;
  /**
   * `carbond` only: most DP state-cells one job may take (default `MAX_STATE_CELLS_PER_JOB`,
   * 64 M). A job over it is planned on coarser slots, and its reason says so.
   */
  maxStateCellsPerJob?: number;
}

/** What to do with a job right now. `keep` = leave as is (running stays running, paused stays paused). */
export type ActionKind = 'start' | 'resume' | 'pause' | 'migrate' | 'keep';

export interface Decision {
  jobId: string;
  action: ActionKind;
  /** The site to start/resume/migrate on. */
  site?: string;
  /** Why, for people: `paused 17:30: next 6 h average 142 g vs 289 g now; saves 1.9 kg net of 0.1 kg overhead`. */
  reason: string;
}

/** A planned interval of running on a site. */
export interface PlannedSegment {
  site: string;
  startMs: number;
  endMs: number;
}

export interface JobPlan {
  jobId: string;
  segments: readonly PlannedSegment[];
  /** Expected emissions of the plan under the given series, g, overheads included. */
  expectedEmissionsG: number;
  /** True when the deadline guard forced the job to run now. */
  guarded: boolean;
}

export interface Plan {
  createdAtMs: number;
  policy: PolicyName;
  decisions: readonly Decision[];
  jobs: readonly JobPlan[];
  /** When the plan next changes what should be running (the daemon wakes then at the latest). */
  nextWakeMs: number;
}
