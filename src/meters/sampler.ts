/**
 * Integrates power readings into energy samples per job (DESIGN §3 step 7, §6): between two
 * polls of the same run, energy = trapezoid of the two powers over the interval. The first
 * poll of a run only records its power; a run that disappears from the targets is
 * forgotten (the daemon polls once more before it pauses a job, so its tail is counted).
 */
import type { Clock } from '../core/clock';
import { energyKWhOf } from '../core/units';
import type { MeterName, MeterTarget, PowerMeter } from './types';

/** A row for `energy_samples` (see `src/ledger/energy.ts`). */
export interface EnergySampleInput {
  jobId: string;
  runId: number | null;
  site: string;
  zone: string;
  startMs: number;
  durationMs: number;
  energyKWh: number;
  /** Mean power over the interval, W. */
  powerW: number;
  meter: MeterName;
  overhead: boolean;
}

interface LastReading {
  atMs: number;
  powerW: number;
}

/**
 * Trapezoid energy between two power readings.
 * @example trapezoidKWh(300, 500, 60_000) // (300 + 500) / 2 W × 60 s = 0.006667 kWh
 */
export function trapezoidKWh(powerBeforeW: number, powerNowW: number, durationMs: number): number {
  return energyKWhOf((powerBeforeW + powerNowW) / 2, durationMs);
}

export class EnergySampler {
  private readonly last = new Map<string, LastReading>();

  /**
   * @param meter  where readings come from (usually a `FallbackMeter`)
   * @param clock  the one clock (manual in tests and simulation)
   * @param record receives each poll's samples (e.g. `insertEnergySamples(db, …)`)
   */
  constructor(
    private readonly meter: PowerMeter,
    private readonly clock: Clock,
    private readonly record: (samples: EnergySampleInput[]) => void,
  ) {}

  /** Reads the meter for `targets` and records one sample per job measured twice in a row. */
  async poll(targets: readonly MeterTarget[]): Promise<{ samples: EnergySampleInput[]; problems: readonly string[] }> {
    const nowMs = this.clock.now();
    const result = await this.meter.read(targets, nowMs);
    const byJob = new Map(targets.map((t) => [t.jobId, t]));
    const samples: EnergySampleInput[] = [];
    const seen = new Set<string>();
    for (const r of result.readings) {
      const t = byJob.get(r.jobId);
      if (!t) continue;
      const key = `${r.jobId}#${r.runId ?? ''}`;
      seen.add(key);
      const prev = this.last.get(key);
      this.last.set(key, { atMs: nowMs, powerW: r.powerW });
      if (!prev || nowMs <= prev.atMs) continue;
      const durationMs = nowMs - prev.atMs;
      samples.push({
        jobId: t.jobId,
        runId: t.runId,
        site: t.site,
        zone: t.zone,
        startMs: prev.atMs,
        durationMs,
        energyKWh: trapezoidKWh(prev.powerW, r.powerW, durationMs),
        powerW: (prev.powerW + r.powerW) / 2,
        meter: r.meter,
        overhead: t.overhead ?? false,
      });
    }
    for (const key of [...this.last.keys()]) if (!seen.has(key)) this.last.delete(key);
    if (samples.length > 0) this.record(samples);
    return { samples, problems: result.problems };
  }
}
