/**
 * Integrates power readings into energy samples per job (DESIGN §3 step 7, §6): between two
 * polls of the same run, energy = trapezoid of the two powers over the interval. The first
 * poll of a run only records its power. When a run disappears from the targets because it
 * ended, its tail (last poll → end) is charged at its last power, so pauses and finishes
 * lose nothing; a run that vanishes without an end time is forgotten.
 */
import type { Clock } from '../core/clock';
import { energyKWhOf } from '../core/units';
import type { EnergySampleRow } from '../ledger/energy';
import type { MeterName, MeterTarget, PowerMeter } from './types';

/** A row for `energy_samples` as the sampler makes it: `powerW` is the mean power over the interval. */
export type EnergySampleInput = Omit<EnergySampleRow, 'id' | 'meter'> & { meter: MeterName };

interface LastReading {
  atMs: number;
  powerW: number;
  meter: MeterName;
  target: MeterTarget;
}

/**
 * Trapezoid energy between two power readings.
 * @example trapezoidKWh(300, 500, 60_000) // (300 + 500) / 2 W × 60 s = 0.006667 kWh
 */
export function trapezoidKWh(powerBeforeW: number, powerNowW: number, durationMs: number): number {
  return energyKWhOf((powerBeforeW + powerNowW) / 2, durationMs);
}

function sampleOf(t: MeterTarget, startMs: number, durationMs: number, powerBeforeW: number, powerNowW: number, meter: MeterName): EnergySampleInput {
  return {
    jobId: t.jobId, runId: t.runId, site: t.site, zone: t.zone, startMs, durationMs,
    energyKWh: trapezoidKWh(powerBeforeW, powerNowW, durationMs), powerW: (powerBeforeW + powerNowW) / 2, meter, overhead: t.overhead ?? false,
  };
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

  /**
   * Reads the meter for `targets` and records one sample per job measured twice in a row.
   * @param endedAtOf when a run measured before is no longer a target: its end time (UTC ms), or null if unknown
   */
  async poll(targets: readonly MeterTarget[], endedAtOf: (runId: number) => number | null = () => null): Promise<{ samples: EnergySampleInput[]; problems: readonly string[] }> {
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
      this.last.set(key, { atMs: nowMs, powerW: r.powerW, meter: r.meter, target: t });
      if (!prev || nowMs <= prev.atMs) continue;
      const durationMs = nowMs - prev.atMs;
      samples.push(sampleOf(t, prev.atMs, durationMs, prev.powerW, r.powerW, r.meter));
    }
    for (const [key, prev] of [...this.last]) {
      if (seen.has(key)) continue;
      this.last.delete(key);
      const endMs = prev.target.runId === null || byJob.get(prev.target.jobId)?.runId === prev.target.runId ? null : endedAtOf(prev.target.runId);
      if (endMs !== null && endMs > prev.atMs) samples.push(sampleOf(prev.target, prev.atMs, endMs - prev.atMs, prev.powerW, prev.powerW, prev.meter));
    }
    if (samples.length > 0) this.record(samples);
    return { samples, problems: result.problems };
  }
}
