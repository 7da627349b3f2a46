import * as fs from 'node:fs';
import * as path from 'node:path';
import { FallbackMeter } from '../../../src/meters/fallback';
import { FixedWattsMeter } from '../../../src/meters/fixed';
import { NvidiaSmiMeter } from '../../../src/meters/nvidia-smi';
import { RaplMeter } from '../../../src/meters/rapl';
import type { MeterResult, MeterTarget, PowerMeter } from '../../../src/meters/types';
import { makeTempDir } from '../../helpers/state-dir';
import { powerMeterContract } from './power-meter.contract';

const FAKE_SMI = path.join(__dirname, '../../fixtures/nvidia-smi/nvidia-smi');
const target = (jobId: string, site: string, gpuIds: number[], extra: Partial<MeterTarget> = {}): MeterTarget => ({ jobId, runId: 7, site, zone: 'GB', gpuIds, ...extra });

/** A fake sysfs powercap tree with one package whose counter advances 30 J a read. */
function fakePowercap(): string {
  const root = makeTempDir('carbond-powercap-');
  const pkg = path.join(root, 'intel-rapl:0');
  fs.mkdirSync(pkg);
  fs.writeFileSync(path.join(pkg, 'energy_uj'), '1000000\n');
  fs.writeFileSync(path.join(pkg, 'max_energy_range_uj'), '262143328850\n');
  return root;
}

/** The fake every unit test of the daemon uses: the contract keeps it honest. */
class FakeMeter implements PowerMeter {
  readonly name = 'simulated' as const;
  constructor(private readonly watts: Record<string, number>) {}
  async read(targets: readonly MeterTarget[]): Promise<MeterResult> {
    return {
      readings: targets.filter((t) => t.jobId in this.watts).map((t) => ({ jobId: t.jobId, runId: t.runId, powerW: this.watts[t.jobId]!, meter: this.name, estimated: true })),
      problems: targets.filter((t) => !(t.jobId in this.watts)).map((t) => `job ${t.jobId}: unknown`),
    };
  }
}

powerMeterContract('nvidia-smi (fake binary printing the real format)', () => ({
  make: () => new NvidiaSmiMeter({ command: FAKE_SMI }),
  measurable: [target('a', 'box1', [0, 1]), target('b', 'box1', [3])],
  unmeasurable: target('ghost', 'box1', [9]),
}));

powerMeterContract('RAPL (fake sysfs tree)', () => {
  const root = fakePowercap();
  return {
    make: () => new RaplMeter({ site: 'box1', root }),
    prime: async (meter, nowMs) => {
      await meter.read([], nowMs);
      fs.writeFileSync(path.join(root, 'intel-rapl:0', 'energy_uj'), '31000000\n');
    },
    measurable: [target('a', 'box1', [])],
    unmeasurable: target('elsewhere', 'box2', []),
  };
});

powerMeterContract('fixed watts', () => ({
  make: () => new FixedWattsMeter({ box1: { gpuPowerW: 300, cpuPowerW: 50 } }),
  measurable: [target('a', 'box1', [0, 1]), target('b', 'nowhere', [], { declaredPowerW: 120 })],
  unmeasurable: target('c', 'nowhere', [0]),
}));

powerMeterContract('fallback chain (nvidia-smi, then fixed)', () => ({
  make: () => new FallbackMeter([new NvidiaSmiMeter({ command: FAKE_SMI }), new FixedWattsMeter({ box1: { gpuPowerW: 300, cpuPowerW: 50 } })]),
  measurable: [target('a', 'box1', [0]), target('cpu-only', 'box1', [])],
  unmeasurable: target('c', 'nowhere', [7]),
  names: ['nvidia-smi', 'fixed'],
}));

powerMeterContract('the fake meter used by daemon tests', () => ({
  make: () => new FakeMeter({ a: 250 }),
  measurable: [target('a', 'box1', [0])],
  unmeasurable: target('b', 'box1', [1]),
}));
