/**
 * The ledger rows accounting and reports are computed from (loaded by
 * `src/ledger/report-rows.ts`, or built by hand in tests). Plain data, UTC epoch ms.
 */
import type { IntensityPoint } from '../../forecasts/types';
import type { JobState } from '../jobs/states';

export type { IntensityPoint, JobState };

export interface JobRow {
  id: string;
  name: string;
  owner: string;
  submittedAtMs: number;
  deadlineMs: number;
  gpus: number;
  homeSite: string;
  tags: Readonly<Record<string, string>>;
  /**
   * The job's current state as the ledger records it (`jobs.state`: its newest transition),
   * never derived from its runs: a job cancelled mid-run is `cancelled`, and one whose last
   * run was lost is where the ledger moved it (`paused`, to resume), its run's `lost` showing
   * as that run's `exitKind`.
   */
  state: JobState;
}

export interface RunRow {
  id: number;
  jobId: string;
  site: string;
  startedAtMs: number;
  /** Null while the run is still going. */
  endedAtMs: number | null;
  startStep: number;
  lastStep: number | null;
  /** How the run ended (`lost`: it vanished, e.g. its site was removed); null while it goes on. */
  exitKind: 'finished' | 'paused' | 'failed' | 'killed' | 'lost' | null;
  lostSteps: number;
}

export interface TransitionRow {
  jobId: string;
  atMs: number;
  fromState: string | null;
  toState: string;
  reason: string;
}

export interface DecisionRow {
  jobId: string;
  atMs: number;
  action: string;
  site: string | null;
  reason: string;
}

/** An energy sample (see `energy_samples`): energy spent by a job over `[startMs, startMs + durationMs)`. */
export interface EnergySample {
  jobId: string;
  runId: number | null;
  zone: string;
  startMs: number;
  durationMs: number;
  energyKWh: number;
  overhead: boolean;
  /** Not needed by accounting (the report loader leaves them out for speed). */
  site?: string;
  meter?: string;
}

/** Everything a report needs, for the jobs of one period. */
export interface ReportRows {
  jobs: readonly JobRow[];
  runs: readonly RunRow[];
  transitions: readonly TransitionRow[];
  decisions: readonly DecisionRow[];
  samples: readonly EnergySample[];
  intensity: readonly IntensityPoint[];
  /** Zone of each site known to the ledger (from samples) or the configuration. */
  siteZones: Readonly<Record<string, string>>;
}
