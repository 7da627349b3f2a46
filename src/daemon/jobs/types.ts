/**
 * What the job lifecycle is built from. The plan comes from an injected `PlanSource`
 * (the real scheduler + carbon signal, wired by the lead; `runEverything` by default).
 */
import type { CopiedCheckpoint, CopyCheckpointOptions } from '../../executors/transfer';
import type { Clock } from '../../core/clock';
import type { Logger } from '../../core/logger';
import type { Db } from '../../ledger/db';
import type { RunExecutor, VerifyCheckpoint } from '../../executors/types';
import type { RetryBackoff } from './retry';
import type { Plan, PlanInput, PolicyName, SlotSeries } from '../../../scheduler/types';

/** Any planner: `(input) => plan`, pure. `scheduler/plan` fits as it is. */
export type PlanSource = (input: PlanInput) => Plan;

/** The signal side of a plan input, gathered for `nowMs` (series per zone, fail-open reason). */
export interface PlanSignal {
  series: Readonly<Record<string, SlotSeries>>;
  failOpenReason?: string;
}

/** A site as the lifecycle sees it: capacity, power model and its executor. */
export interface SiteModel {
  name: string;
  zone: string;
  /** GPUs carbond may hand out; ids 0…gpus−1 become CUDA_VISIBLE_DEVICES. */
  gpus: number;
  maxJobs?: number;
  executor: RunExecutor;
  /** Power of a running job using `gpus` GPUs when the job gives none, W. */
  jobPowerW(gpus: number): number;
  /** Power a `suspend`-mode job keeps drawing while stopped, W. */
  suspendedPowerW(gpus: number): number;
  /** This site's checkpoint storage (absolute); absent = the job's own checkpoint dir in the state dir (./checkpoint-sites). */
  checkpointRoot?: string;
  /** Configured time to bring a checkpoint here from the named site, ms (config `moveTime`). */
  moveTimeMs?: Readonly<Record<string, number>>;
}

export interface JobLifecycleDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  sites: readonly SiteModel[];
  verifyCheckpoint: VerifyCheckpoint;
  /** Default `runEverything`. */
  planSource?: PlanSource;
  /** Default: no series, fail open (the default plan source ignores it). */
  planSignal?: (nowMs: number) => PlanSignal | Promise<PlanSignal>;
  slotMs?: number;
  safetyMarginMs?: number;
  policy?: PolicyName;
  /** Verified checkpoints kept per job after a pause (older ones are deleted and marked pruned). Default 3. */
  keepCheckpoints?: number;
  /** The state dir: a user's checkpoints under it are pruned with that user's rights (ADR 0012). */
  stateDir?: string;
  /** Copies a checkpoint to another site's storage (default `copyCheckpoint`, ../../executors/transfer; tests wrap it to corrupt a copy in transit). */
  copyCheckpoint?: (options: CopyCheckpointOptions) => Promise<CopiedCheckpoint>;
  /** Roots with the `users/<uid>/` layout where a user's checkpoints may lie: the state dir and the sites' `checkpointRoot`s (default: the state dir). */
  areaRoots?: readonly string[];
  /** Wait before each retry of a failed run (default `DEFAULT_RETRY_BACKOFF`: 1 min, doubling, at most 30 min). */
  retryBackoff?: RetryBackoff;
  /**
   * Test hooks (crash tests only; never set in production): hold the lifecycle this long right
   * after a run row is inserted (before its process starts), and right after the process
   * started (before its PID is recorded), so that a test can kill the daemon in those windows.
   */
  testDelays?: { afterRunInsertMs: number; beforePidRecordMs: number };
  /**
   * Whether old checkpoints are deleted after a pause (default true). A simulation's checkpoints
   * exist only in its simulated executor: there are no files to prune.
   */
  pruneCheckpoints?: boolean;
  /** Called when something happened that deserves a tick soon (a pause completed, a run exited). */
  requestTick?: (reason: string) => void;
}
