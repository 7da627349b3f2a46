/**
 * The power-meter contract (DESIGN §6, CONVENTIONS §3). A meter answers "how many watts
 * is each of these jobs drawing now?"; the sampler integrates the answers over time.
 * Every implementation (nvidia-smi, RAPL, fixed watts, fakes) passes
 * `tests/contract/meters/power-meter.contract.ts`.
 */

/** Which meter produced a reading; stored in `energy_samples.meter`. */
export type MeterName = 'nvidia-smi' | 'rapl' | 'fixed' | 'simulated';

/** A running job the daemon wants measured. */
export interface MeterTarget {
  readonly jobId: string;
  /** The run being measured (energy samples belong to it); null when unknown. */
  readonly runId: number | null;
  readonly site: string;
  /** The grid zone of `site` (copied into every energy sample). */
  readonly zone: string;
  /** GPU indices the run was given (`CUDA_VISIBLE_DEVICES`), e.g. `[0, 1]`. */
  readonly gpuIds: readonly number[];
  /** The user's declared power for the job, W; used by the fixed-watts model when set. */
  readonly declaredPowerW?: number;
  /** True while the job is in a checkpoint/restart/warm-up overhead (charged as overhead). */
  readonly overhead?: boolean;
}

/** One job's power at one instant. */
export interface JobPowerReading {
  readonly jobId: string;
  readonly runId: number | null;
  /** Power drawn by the job, W (finite, ≥ 0). */
  readonly powerW: number;
  readonly meter: MeterName;
  /** True when the figure is modelled (fixed watts, utilisation × limit) rather than metered. */
  readonly estimated: boolean;
}

/** What one `read` produced: readings for the targets it could measure, and why not for the rest. */
export interface MeterResult {
  readonly readings: readonly JobPowerReading[];
  /** One line per target (or per device) the meter could not measure; empty when all went well. */
  readonly problems: readonly string[];
}

/**
 * A power meter. `read` never throws for a missing or unsupported value: it leaves the
 * target out of `readings` and says why in `problems`, so a fallback meter can step in.
 */
export interface PowerMeter {
  readonly name: MeterName;
  /** Reads the power of `targets` at `nowMs` (UTC epoch ms). */
  read(targets: readonly MeterTarget[], nowMs: number): Promise<MeterResult>;
}

/**
 * Parses a run's `gpu_ids` column / `CUDA_VISIBLE_DEVICES` value into indices.
 * @example parseGpuIds('0,2') // [0, 2];  parseGpuIds('') // []
 */
export function parseGpuIds(text: string | null | undefined): number[] {
  if (!text) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}
