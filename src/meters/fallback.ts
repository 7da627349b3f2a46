/**
 * A chain of meters: each target is measured by the first meter that can (e.g. nvidia-smi,
 * then RAPL, then fixed watts). Problems of earlier meters are kept for `status`.
 */
import type { JobPowerReading, MeterResult, MeterTarget, PowerMeter } from './types';

export class FallbackMeter implements PowerMeter {
  readonly name;

  constructor(private readonly chain: readonly PowerMeter[]) {
    if (chain.length === 0) throw new RangeError('FallbackMeter needs at least one meter');
    this.name = (chain[0] as PowerMeter).name;
  }

  async read(targets: readonly MeterTarget[], nowMs: number): Promise<MeterResult> {
    const readings: JobPowerReading[] = [];
    const problems: string[] = [];
    let left = [...targets];
    for (const meter of this.chain) {
      if (left.length === 0) break;
      const result = await meter.read(left, nowMs);
      readings.push(...result.readings);
      problems.push(...result.problems.map((p) => `${meter.name}: ${p}`));
      const done = new Set(result.readings.map((r) => r.jobId));
      left = left.filter((t) => !done.has(t.jobId));
    }
    return { readings, problems };
  }
}
