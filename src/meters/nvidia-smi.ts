/**
 * nvidia-smi polling (DESIGN §6). Runs
 * `nvidia-smi --query-gpu=index,name,power.draw,power.limit,utilization.gpu,memory.used
 * --format=csv,noheader,nounits` and maps GPUs to jobs by the indices each run was given.
 * `[N/A]` / `[Not Supported]` fields become null; a GPU with no power draw but a limit and
 * a utilisation is estimated as limit × utilisation (labelled estimated); a job none of
 * whose GPUs can be measured is left to the next meter.
 */
import { execFile } from 'node:child_process';
import type { JobPowerReading, MeterResult, MeterTarget, PowerMeter } from './types';

export const NVIDIA_SMI_ARGS: readonly string[] = [
  '--query-gpu=index,name,power.draw,power.limit,utilization.gpu,memory.used',
  '--format=csv,noheader,nounits',
];

/** One GPU line of the query. Null where nvidia-smi printed `[N/A]` or `[Not Supported]`. */
export interface GpuReading {
  index: number;
  name: string;
  powerW: number | null;
  powerLimitW: number | null;
  utilizationPct: number | null;
  memoryUsedMiB: number | null;
}

function numberOrNull(field: string): number | null {
  const s = field.trim();
  if (s === '' || /^\[?(N\/A|Not Supported|Unknown Error|GPU is lost)\]?$/i.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/**
 * Parses the CSV output (one GPU a line). Names may contain commas: the first field is the
 * index and the last four are numbers, the rest is the name.
 * @example parseNvidiaSmi('0, NVIDIA H100 80GB HBM3, 312.45, 700.00, 98, 45123')[0].powerW === 312.45
 */
export function parseNvidiaSmi(stdout: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const fields = line.split(',');
    if (fields.length < 6) continue;
    const index = Number((fields[0] as string).trim());
    if (!Number.isInteger(index)) continue;
    const tail = fields.slice(-4);
    out.push({
      index,
      name: fields.slice(1, -4).join(',').trim(),
      powerW: numberOrNull(tail[0] as string),
      powerLimitW: numberOrNull(tail[1] as string),
      utilizationPct: numberOrNull(tail[2] as string),
      memoryUsedMiB: numberOrNull(tail[3] as string),
    });
  }
  return out;
}

/** Power of one GPU: the measured draw, else limit × utilisation (estimated), else null. */
function gpuPowerW(gpu: GpuReading): { powerW: number; estimated: boolean } | null {
  if (gpu.powerW !== null) return { powerW: gpu.powerW, estimated: false };
  if (gpu.powerLimitW !== null && gpu.utilizationPct !== null) {
    return { powerW: (gpu.powerLimitW * gpu.utilizationPct) / 100, estimated: true };
  }
  return null;
}

/** Maps GPU readings to jobs: a job's power is the sum over its GPUs. Pure. */
export function jobsFromGpus(gpus: readonly GpuReading[], targets: readonly MeterTarget[]): MeterResult {
  const byIndex = new Map(gpus.map((g) => [g.index, g]));
  const readings: JobPowerReading[] = [];
  const problems: string[] = [];
  for (const t of targets) {
    if (t.gpuIds.length === 0) {
      problems.push(`job ${t.jobId}: no GPUs assigned`);
      continue;
    }
    let powerW = 0;
    let estimated = false;
    const missing: number[] = [];
    for (const id of t.gpuIds) {
      const gpu = byIndex.get(id);
      const p = gpu ? gpuPowerW(gpu) : null;
      if (!p) missing.push(id);
      else {
        powerW += p.powerW;
        estimated ||= p.estimated;
      }
    }
    if (missing.length > 0) {
      problems.push(`job ${t.jobId}: no power reading for GPU ${missing.join(',')}`);
      continue;
    }
    readings.push({ jobId: t.jobId, runId: t.runId, powerW, meter: 'nvidia-smi', estimated });
  }
  return { readings, problems };
}

export interface NvidiaSmiOptions {
  /** The binary; default `nvidia-smi` found on PATH. */
  command?: string;
  /** Kill a hung nvidia-smi after this long, ms. Default 5000. */
  timeoutMs?: number;
  /** Environment (PATH) to find it with; default this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Runs nvidia-smi once; resolves to its stdout, or rejects with the failure. */
export function runNvidiaSmi(options: NvidiaSmiOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(options.command ?? 'nvidia-smi', NVIDIA_SMI_ARGS, { timeout: options.timeoutMs ?? 5000, env: options.env ?? process.env }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}

export class NvidiaSmiMeter implements PowerMeter {
  readonly name = 'nvidia-smi' as const;

  constructor(private readonly options: NvidiaSmiOptions = {}) {}

  async read(targets: readonly MeterTarget[]): Promise<MeterResult> {
    if (targets.length === 0) return { readings: [], problems: [] };
    let stdout: string;
    try {
      stdout = await runNvidiaSmi(this.options);
    } catch (err) {
      return { readings: [], problems: [`nvidia-smi failed: ${(err as Error).message.split('\n')[0]}`] };
    }
    return jobsFromGpus(parseNvidiaSmi(stdout), targets);
  }
}
