/**
 * Software Carbon Intensity per training run (Green Software Foundation SCI):
 * SCI = (E × I + M) per R, with R = one training run (a job, every segment included),
 * E × I = the run's operational emissions (actual, overheads included), and M = the
 * embodied emissions of the GPUs it held, amortised over their lifetime:
 * M = gpuKgCO2e × 1000 × gpus × reservedMs / lifetimeMs.
 */
import { MS_PER_DAY } from '../core/units';

export interface EmbodiedFigures {
  /** Embodied emissions of one GPU (manufacture), kgCO2e. */
  gpuKgCO2e?: number;
  /** Years over which it is amortised; default 4 when `gpuKgCO2e` is set. */
  gpuLifetimeYears?: number;
}

export interface SciFigure {
  /** The functional unit R. */
  functionalUnit: 'training run';
  /** E × I, g. */
  operationalG: number;
  /** M, g (0 when not configured). */
  embodiedG: number;
  /** (E × I + M) / R with R = 1, g per training run. */
  perRunG: number;
  embodiedConfigured: boolean;
  /** Says how M was obtained, or that it is zero because no per-GPU figure is configured. */
  note: string;
}

export const DEFAULT_GPU_LIFETIME_YEARS = 4;
const MS_PER_YEAR = 365.25 * MS_PER_DAY;

/**
 * Amortised embodied emissions of `gpus` GPUs held for `reservedMs`.
 * @example embodiedG(150, 4, 2, 36_000_000) // 150 kg × 2 GPUs × 10 h / 4 years ≈ 85.56 g
 */
export function embodiedG(gpuKgCO2e: number, lifetimeYears: number, gpus: number, reservedMs: number): number {
  return (gpuKgCO2e * 1000 * gpus * reservedMs) / (lifetimeYears * MS_PER_YEAR);
}

/** SCI of one training run. */
export function sciOfRun(operationalG: number, gpus: number, reservedMs: number, embodied: EmbodiedFigures = {}): SciFigure {
  if (embodied.gpuKgCO2e === undefined) {
    return {
      functionalUnit: 'training run', operationalG, embodiedG: 0, perRunG: operationalG, embodiedConfigured: false,
      note: 'embodied emissions not configured (embodied.gpuKgCO2e): M = 0',
    };
  }
  const years = embodied.gpuLifetimeYears ?? DEFAULT_GPU_LIFETIME_YEARS;
  const m = embodiedG(embodied.gpuKgCO2e, years, gpus, reservedMs);
  return {
    functionalUnit: 'training run', operationalG, embodiedG: m, perRunG: operationalG + m, embodiedConfigured: true,
    note: `M = ${embodied.gpuKgCO2e} kgCO2e per GPU over ${years} years × ${gpus} GPU(s) × time held`,
  };
}
