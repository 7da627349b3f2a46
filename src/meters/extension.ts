/**
 * The daemon's meter step (DESIGN §3 step 7): each tick, in the `meter` phase, read the
 * power of every open run and append energy samples. The chain per run is nvidia-smi
 * (GPU runs), RAPL (local box, when /sys/class/powercap is readable), then the site's
 * fixed-watts model. The first `pauseOverheadMs` of a resumed run are marked overhead.
 * Register: add `meterExtension` to `daemonExtensions` (src/daemon/extensions.ts).
 */
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { Config } from '../config/types';
import type { DaemonExtension } from '../daemon/extensions';
import type { TickStep } from '../daemon/tick';
import type { Db } from '../ledger/db';
import { insertEnergySamples, openRunsForMeter, runEndedAt } from '../ledger/energy';
import { FallbackMeter } from './fallback';
import { FixedWattsMeter } from './fixed';
import { NvidiaSmiMeter, type NvidiaSmiOptions } from './nvidia-smi';
import { DEFAULT_POWERCAP_ROOT, raplAvailable, RaplMeter } from './rapl';
import { EnergySampler } from './sampler';
import { parseGpuIds, type MeterTarget, type PowerMeter } from './types';

export interface MeterStepDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  sites: Config['sites'];
  /** Override the meter chain (tests, simulation). */
  meter?: PowerMeter;
  nvidiaSmi?: NvidiaSmiOptions;
  powercapRoot?: string;
}

/** The default chain for this box's sites. */
export function defaultMeterChain(sites: Config['sites'], nvidiaSmi: NvidiaSmiOptions = {}, powercapRoot = DEFAULT_POWERCAP_ROOT): PowerMeter {
  const chain: PowerMeter[] = [new NvidiaSmiMeter(nvidiaSmi)];
  const localSite = Object.entries(sites).find(([, s]) => s.executor === 'local')?.[0];
  if (localSite && raplAvailable(powercapRoot)) chain.push(new RaplMeter({ site: localSite, root: powercapRoot }));
  chain.push(new FixedWattsMeter(Object.fromEntries(Object.entries(sites).map(([n, s]) => [n, { gpuPowerW: s.gpuPowerW, cpuPowerW: s.cpuPowerW }]))));
  return new FallbackMeter(chain);
}

/** Targets for the open runs at `nowMs`. Runs on sites no longer configured are skipped. */
export function meterTargets(db: Db, sites: Config['sites'], nowMs: number): MeterTarget[] {
  return openRunsForMeter(db).flatMap((r) => {
    const site = sites[r.site];
    if (!site) return [];
    const target: MeterTarget = {
      jobId: r.jobId, runId: r.runId, site: r.site, zone: site.zone, gpuIds: parseGpuIds(r.gpuIds),
      overhead: r.resumed && nowMs - r.startedAtMs < r.pauseOverheadMs,
      ...(r.declaredPowerW === null ? {} : { declaredPowerW: r.declaredPowerW }),
    };
    return [target];
  });
}

/** The tick step: poll, append samples, log what could not be measured (once per distinct problem set). */
export function meterTickStep(deps: MeterStepDeps): TickStep {
  const meter = deps.meter ?? defaultMeterChain(deps.sites, deps.nvidiaSmi, deps.powercapRoot);
  const sampler = new EnergySampler(meter, deps.clock, (samples) => insertEnergySamples(deps.db, samples));
  let lastProblems = '';
  return {
    name: 'sample-power',
    phase: 'meter',
    run: async (nowMs) => {
      const { problems } = await sampler.poll(meterTargets(deps.db, deps.sites, nowMs), (runId) => runEndedAt(deps.db, runId));
      const text = problems.join('; ');
      if (text && text !== lastProblems) deps.logger.info('some power readings fell back', { problems });
      lastProblems = text;
    },
  };
}

export const meterExtension: DaemonExtension = {
  name: 'meters',
  tickSteps: (ctx) => [meterTickStep({ db: ctx.db, clock: ctx.clock, logger: ctx.logger.child({ component: 'meters' }), sites: ctx.config.sites })],
};
