/**
 * The fixed-watts model (DESIGN §6 fallback): a job draws its declared power when the
 * user gave one, else `gpuPowerW` per assigned GPU plus the site's `cpuPowerW`.
 * Always an estimate, and labelled so.
 */
import type { MeterResult, MeterTarget, PowerMeter } from './types';

/** The per-site power model (same fields as the site configuration). */
export interface SitePowerModel {
  /** Power per busy GPU, W. */
  readonly gpuPowerW: number;
  /** CPU power while a job runs, W. */
  readonly cpuPowerW: number;
}

/**
 * Modelled power of one job.
 * @example fixedPowerW({ gpuPowerW: 300, cpuPowerW: 50 }, 2) === 650  // 2 × 300 W + 50 W
 */
export function fixedPowerW(model: SitePowerModel, gpuCount: number, declaredPowerW?: number): number {
  if (declaredPowerW !== undefined) return declaredPowerW;
  return model.gpuPowerW * gpuCount + model.cpuPowerW;
}

/** A meter that answers from each site's power model; sites without a model are reported as problems. */
export class FixedWattsMeter implements PowerMeter {
  readonly name = 'fixed' as const;

  constructor(private readonly models: Readonly<Record<string, SitePowerModel>>) {}

  async read(targets: readonly MeterTarget[]): Promise<MeterResult> {
    const readings = [];
    const problems: string[] = [];
    for (const t of targets) {
      const model = this.models[t.site];
      if (!model && t.declaredPowerW === undefined) {
        problems.push(`job ${t.jobId}: no power model for site ${t.site}`);
        continue;
      }
      const powerW = fixedPowerW(model ?? { gpuPowerW: 0, cpuPowerW: 0 }, t.gpuIds.length, t.declaredPowerW);
      readings.push({ jobId: t.jobId, runId: t.runId, powerW, meter: this.name, estimated: true });
    }
    return { readings, problems };
  }
}
