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
import { parseSitesFile } from './sites';
import * as fs from 'node:fs';

function readText(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError([{ path: flag, message: `cannot read: ${(err as Error).message}`, value: file }], 'flags');
  }
}
import type { JobState } from './outcome';

export { simulate, type SimulateOptions, type SimulateOutcome } from './engine';
export { SimSignal, type SignalMode, type ZoneSignal } from './signal';
export { ActualIntensity } from './actuals';
export { parseJobs, type SimJob, DEFAULT_PAUSE_OVERHEAD_MS } from './jobs';
export { buildResult, median, type SimResult, type SimJobResult, type SimSummary } from './result';
export type { JobState, SimSegment } from './outcome';

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
  /** Keep the simulated history in this ledger file (see ./ledger); default a temporary one. */
  ledgerFile?: string;
  /** GPUs per site (default: every job at once). */
  siteGpus?: SimulateOptions['siteGpus'];
  /** `--sites FILE`: GPUs per zone from `[sites.NAME]` tables (./sites); wins over `siteGpus`. */
  sitesFile?: string;
  /** Also tick at least this often, like the daemon's cron. */
  tickEveryMs?: number;
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

/** Every job must fit on one of its sites (else it could never run). */
function checkCapacity(jobs: readonly SimJob[], siteGpus: SimulateRequest['siteGpus']): void {
  if (siteGpus === undefined) return;
  const issues = new Issues();
  const gpusOf = (zone: string): number => (typeof siteGpus === 'number' ? siteGpus : siteGpus[zone] ?? Infinity);
  for (const j of jobs) {
    const most = Math.max(...j.sites.map(gpusOf));
    if ((j.gpus ?? 1) > most) issues.add(`job ${j.id}.gpus`, `needs more GPUs than any of its sites has (at most ${most})`, j.gpus ?? 1);
  }
  issues.throwIfAny((all) => new InputError(all, 'jobs file'));
}

/** Loads everything, simulates, and builds RESULT.json. Throws `InputError` (exit 2) on bad input. */
export async function runSimulation(req: SimulateRequest): Promise<{ result: SimResult; zones: ReadonlyMap<string, ZoneSignal>; jobs: readonly SimJob[]; states: readonly JobState[] }> {
  const traces = loadTraces(req.traces);
  const zoneNames = new Set(traces.keys());
  const forecasts = loadForecasts(req.forecasts, zoneNames);
  const zones = zoneSignals(traces, forecasts);
  const jobs = loadJobs(req.jobsFile, zoneNames);
  const siteGpus = req.sitesFile !== undefined ? parseSitesFile(readText(req.sitesFile, '--sites'), req.sitesFile, zoneNames) : req.siteGpus;
  checkCapacity(jobs, siteGpus);
  checkCoverage(jobs, zones);
  const outcome = await simulate({
    jobs, zones, mode: forecasts.mode, policy: req.policy, slotMs: req.slotMs,
    ...(req.stopwatch ? { stopwatch: req.stopwatch } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    ...(req.ledgerFile !== undefined ? { ledgerFile: req.ledgerFile } : {}),
    ...(siteGpus !== undefined ? { siteGpus } : {}),
    ...(req.tickEveryMs !== undefined ? { tickEveryMs: req.tickEveryMs } : {}),
  });
  return { result: buildResult(req.policy, outcome), zones, jobs, states: outcome.states };
}
