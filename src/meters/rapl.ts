/**
 * Linux RAPL (Running Average Power Limit) energy counters under `/sys/class/powercap`
 * (DESIGN §6). Reads each top-level package zone (`intel-rapl:N`, not its sub-zones, which
 * are already inside the package figure) and turns counter deltas into average power.
 * The counters wrap at `max_energy_range_uj`. The box's package power is shared equally
 * between the jobs running on this site. The sysfs root is injectable for tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobPowerReading, MeterResult, MeterTarget, PowerMeter } from './types';

export const DEFAULT_POWERCAP_ROOT = '/sys/class/powercap';

interface ZoneCounter {
  energyUj: number;
  maxEnergyUj: number;
}

/**
 * Energy between two counter readings, µJ, across at most one wraparound.
 * @example raplDeltaUj(900, 100, 1000) === 200  // wrapped: 100 to the top, then 100
 */
export function raplDeltaUj(previousUj: number, currentUj: number, maxEnergyUj: number): number {
  return currentUj >= previousUj ? currentUj - previousUj : maxEnergyUj - previousUj + currentUj;
}

/** True when `root` holds at least one readable package zone. */
export function raplAvailable(root = DEFAULT_POWERCAP_ROOT): boolean {
  return readZones(root).size > 0;
}

function readZones(root: string): Map<string, ZoneCounter> {
  const zones = new Map<string, ZoneCounter>();
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return zones;
  }
  for (const name of names.filter((n) => /^intel-rapl:\d+$/.test(n)).sort()) {
    try {
      const energyUj = Number(fs.readFileSync(path.join(root, name, 'energy_uj'), 'utf8').trim());
      const maxEnergyUj = Number(fs.readFileSync(path.join(root, name, 'max_energy_range_uj'), 'utf8').trim());
      if (Number.isFinite(energyUj) && Number.isFinite(maxEnergyUj)) zones.set(name, { energyUj, maxEnergyUj });
    } catch {
      // unreadable (energy_uj is root-only on recent kernels): skipped, reported by the caller
    }
  }
  return zones;
}

export interface RaplOptions {
  /** The site whose box this is; targets on other sites are not measured. */
  site: string;
  /** The powercap root; default `/sys/class/powercap`. */
  root?: string;
}

export class RaplMeter implements PowerMeter {
  readonly name = 'rapl' as const;
  private previous: { atMs: number; zones: Map<string, ZoneCounter> } | null = null;

  constructor(private readonly options: RaplOptions) {}

  /** Average package power since the previous read, W; null on the first read or without counters. */
  private boxPowerW(nowMs: number): number | null {
    const zones = readZones(this.options.root ?? DEFAULT_POWERCAP_ROOT);
    const prev = this.previous;
    this.previous = { atMs: nowMs, zones };
    if (!prev || zones.size === 0 || nowMs <= prev.atMs) return null;
    let deltaUj = 0;
    for (const [name, z] of zones) {
      const before = prev.zones.get(name);
      if (before) deltaUj += raplDeltaUj(before.energyUj, z.energyUj, z.maxEnergyUj);
    }
    return deltaUj / 1e6 / ((nowMs - prev.atMs) / 1000);
  }

  async read(targets: readonly MeterTarget[], nowMs: number): Promise<MeterResult> {
    const here = targets.filter((t) => t.site === this.options.site);
    const problems = targets.filter((t) => t.site !== this.options.site).map((t) => `job ${t.jobId}: site ${t.site} is not this box`);
    const boxW = this.boxPowerW(nowMs);
    if (boxW === null) {
      return { readings: [], problems: [...problems, ...here.map((t) => `job ${t.jobId}: no RAPL delta yet (first read or no counters)`)] };
    }
    const readings: JobPowerReading[] = here.map((t) => ({ jobId: t.jobId, runId: t.runId, powerW: boxW / here.length, meter: this.name, estimated: here.length > 1 }));
    return { readings, problems };
  }
}
