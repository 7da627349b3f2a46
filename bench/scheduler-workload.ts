/**
 * Workloads and data for `bench/scheduler.ts`: the six zones with day-ahead forecasts
 * (DACF, Jul–Dec 2021, ../shared/data), jobs of 2–48 h with 0–48 h of slack submitted
 * through the period, and a deterministic random generator so every run is the same.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTraces, loadForecasts, zoneSignals } from '../src/simulate/inputs';
import type { SimJob, ZoneSignal } from '../src/simulate';
import { seededUniform } from '../src/core/rng';

export const DACF_ZONES = ['CAISO', 'ERCOT', 'ISONE', 'PJM', 'SE', 'DE'] as const;
const H = 3_600_000;

/** `../shared/data` from the repository root (dist/bench/… → ../../..). */
export function dataDir(): string | undefined {
  const candidates = [path.resolve(__dirname, '..', '..', '..', 'shared', 'data'), path.resolve(process.cwd(), '..', 'shared', 'data')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'CAISO_2021_dacf.csv')));
}

export interface DacfData {
  /** Per zone: actuals and the DACF forecast issues. */
  withForecasts: Map<string, ZoneSignal>;
  /** Per zone: actuals only. */
  actualsOnly: Map<string, ZoneSignal>;
}

export function loadDacf(dir: string, zones: readonly string[] = DACF_ZONES): DacfData {
  const traces = loadTraces(zones.map((z) => `${z}=${path.join(dir, `${z}_2021_dacf.csv`)}`));
  const fc = loadForecasts(zones.map((z) => `${z}=${path.join(dir, `${z}_2021_dacf_forecast.csv`)}`), new Set(zones));
  return { withForecasts: zoneSignals(traces, fc), actualsOnly: zoneSignals(traces, { mode: 'local', files: new Map() }) };
}

export interface WorkloadSpec {
  zones: readonly string[];
  jobsPerZone: number;
  fromMs: number;
  toMs: number;
  seed: number;
  /** Allowed sites per job: 1 = its home zone only. */
  sitesPerJob?: number;
}

/**
 * Jobs of 2–48 h (uniform, 15-min steps) with 0–48 h of slack, submitted at a uniform
 * 5-min-aligned time in [fromMs, toMs − length], 300 W (one GPU), 5 min resume overhead.
 */
export function makeJobs(spec: WorkloadSpec): SimJob[] {
  const r = seededUniform(spec.seed);
  const jobs: SimJob[] = [];
  const step = 5 * 60_000;
  for (const zone of spec.zones) {
    for (let i = 0; i < spec.jobsPerZone; i++) {
      const durationMs = Math.round((2 + r() * 46) * 4) * (H / 4);
      const slackMs = Math.round(r() * 48 * 4) * (H / 4);
      const latest = spec.toMs - durationMs - slackMs;
      const submitAtMs = Math.floor((spec.fromMs + r() * (latest - spec.fromMs)) / step) * step;
      const others = spec.zones.filter((z) => z !== zone);
      const extra = Math.max(0, (spec.sitesPerJob ?? 1) - 1);
      const sites = [zone, ...others.sort(() => r() - 0.5).slice(0, extra)];
      jobs.push({ id: `${zone}-${i}`, submitAtMs, deadlineMs: submitAtMs + durationMs + slackMs, durationMs, powerW: 300, sites, homeSite: zone, pauseOverheadMs: 5 * 60_000 });
    }
  }
  return jobs;
}
