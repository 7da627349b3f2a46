/**
 * What a simulated job did, read back from the ledger the daemon's lifecycle wrote during
 * the simulation (its runs are the segments): the figures RESULT.json, the benchmarks and
 * `--state-dir`'s energy samples are built from. Emissions are priced on the actual trace of
 * the zone where each run ran; a resumed run's first `pauseOverheadMs` (checkpoint load,
 * warm-up) runs at full power without progress and is also counted as overhead.
 */
import { stopsOf } from '../accounting/stops';
import type { Db } from '../ledger/db';
import { finishedAtOf, transitionsOf } from '../ledger/jobs';
import { runsOf, type RunRecord } from '../ledger/runs';
import type { ActualIntensity } from './actuals';
import type { SimJob } from './jobs';

export interface SimSegment {
  site: string;
  startMs: number;
  endMs: number;
  /** Resume overhead spent at the start of this segment, ms. */
  overheadMs: number;
}

/** One job's simulated history and its accounting. */
export interface JobState {
  readonly job: SimJob;
  readonly segments: readonly SimSegment[];
  readonly energyKWh: number;
  readonly emissionsG: number;
  readonly overheadG: number;
  /** Checkpointed pauses after which the job went on at the same site. */
  readonly pauses: number;
  /** Checkpointed pauses after which the job went on at another site. */
  readonly migrations: number;
  readonly finishedAtMs?: number;
  /** Every ledger transition, in order. */
  readonly transitions: ReadonlyArray<{ atMs: number; from: string | null; to: string; reason: string }>;
}

function segmentsOf(job: SimJob, runs: readonly RunRecord[], endMs: number): SimSegment[] {
  return runs.map((r) => {
    const end = r.endedAtMs ?? endMs;
    return { site: r.site, startMs: r.startedAtMs, endMs: end, overheadMs: r.resumedFrom === null ? 0 : Math.min(job.pauseOverheadMs, end - r.startedAtMs) };
  });
}

/** The job's outcome from the ledger, priced with `actualOf(site)`; `endMs` closes a run still open. */
export function outcomeOf(db: Db, job: SimJob, actualOf: (site: string) => ActualIntensity, endMs: number): JobState {
  const runs = runsOf(db, job.id);
  const segments = segmentsOf(job, runs, endMs);
  let energyKWh = 0;
  let emissionsG = 0;
  let overheadG = 0;
  for (const g of segments) {
    const actual = actualOf(g.site);
    energyKWh += (job.powerW * (g.endMs - g.startMs)) / 3.6e9;
    emissionsG += actual.emissionsG(job.powerW, g.startMs, g.endMs);
    if (g.overheadMs > 0) overheadG += actual.emissionsG(job.powerW, g.startMs, g.startMs + g.overheadMs);
  }
  // As `report`, `show` and the metrics count them (../accounting/stops).
  const { pauses, moves: migrations } = stopsOf(runs);
  const finishedAtMs = finishedAtOf(db, job.id);
  return {
    job, segments, energyKWh, emissionsG, overheadG, pauses, migrations,
    ...(finishedAtMs === undefined ? {} : { finishedAtMs }),
    transitions: transitionsOf(db, job.id).map((t) => ({ atMs: t.atMs, from: t.from, to: t.to, reason: t.reason })),
  };
}
