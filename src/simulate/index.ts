/**
 * `carbond simulate` as a library: the same entry the CLI command calls, and the engine
 * pieces the benchmark drives directly.
 */
import { InputError, Issues, isoUtc } from '../core';
import type { PolicyName } from '../../scheduler';
import { simulate, type SimulateOptions } from './engine';
import { loadForecasts, loadJobs, loadTraces, zoneSignals } from './inputs';
import type { SimJob } from './jobs';
import { buildResult, type SimResult } from './result';
import type { ZoneSignal } from './signal';
import type { JobState } from './executor';

export { simulate, type SimulateOptions, type SimulateOutcome } from './engine';
export { SimSignal, type SignalMode, type ZoneSignal } from './signal';
export { ActualIntensity } from './actuals';
export { parseJobs, type SimJob, DEFAULT_PAUSE_OVERHEAD_MS } from './jobs';
export { buildResult, median, type SimResult, type SimJobResult, type SimSummary } from './result';
export type { JobState, SimSegment } from './executor';

export interface SimulateRequest {
  /** `ZONE=FILE` values of `--trace`. */
  traces: readonly string[];
  /** Values of `--forecast` (`perfect`, `local`, or `ZONE=FILE`…); default `local`. */
  forecasts: readonly string[];
  jobsFile: string;
  policy: PolicyName;
  slotMs: number;
  stopwatch?: () => number;
  onProgress?: (fraction: number) => void;
  onPlan?: SimulateOptions['onPlan'];
}

/** Every job must lie inside the traces of its sites (the emissions need the actual signal). */
function checkCoverage(jobs: readonly SimJob[], zones: ReadonlyMap<string, ZoneSignal>): void {
  const issues = new Issues();
  for (const j of jobs) {
    for (const zone of j.sites) {
      const m = zones.get(zone)!.measured;
      const first = m.startMs[0]!;
      const end = m.startMs[m.startMs.length - 1]! + m.stepMs;
      if (j.submitAtMs < first || j.deadlineMs > end) {
        issues.add(`job ${j.id}`, `runs outside the ${zone} trace (${isoUtc(first)} to ${isoUtc(end)})`, `${isoUtc(j.submitAtMs)} to ${isoUtc(j.deadlineMs)}`);
      }
    }
  }
  issues.throwIfAny((all) => new InputError(all, 'jobs file'));
}

/** Loads everything, simulates, and builds RESULT.json. Throws `InputError` (exit 2) on bad input. */
export function runSimulation(req: SimulateRequest): { result: SimResult; zones: ReadonlyMap<string, ZoneSignal>; jobs: readonly SimJob[]; states: readonly JobState[] } {
  const traces = loadTraces(req.traces);
  const zoneNames = new Set(traces.keys());
  const forecasts = loadForecasts(req.forecasts, zoneNames);
  const zones = zoneSignals(traces, forecasts);
  const jobs = loadJobs(req.jobsFile, zoneNames);
  checkCoverage(jobs, zones);
  const outcome = simulate({
    jobs, zones, mode: forecasts.mode, policy: req.policy, slotMs: req.slotMs,
    ...(req.stopwatch ? { stopwatch: req.stopwatch } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    ...(req.onPlan ? { onPlan: req.onPlan } : {}),
  });
  return { result: buildResult(req.policy, outcome), zones, jobs, states: outcome.states };
}
