import * as fs from 'node:fs';
import * as path from 'node:path';
import { FallbackMeter } from '../../../src/meters/fallback';
import { FixedWattsMeter } from '../../../src/meters/fixed';
import { jobsFromGpus, NvidiaSmiMeter, parseNvidiaSmi } from '../../../src/meters/nvidia-smi';
import { parseGpuIds, type MeterTarget } from '../../../src/meters/types';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const FIXTURES = path.join(__dirname, '../../fixtures/nvidia-smi');
const target = (jobId: string, gpuIds: number[]): MeterTarget => ({ jobId, runId: 1, site: 'box1', zone: 'GB', gpuIds });

describe('nvidia-smi meter', () => {
  const savedPath = process.env['PATH'];
  let tmp: string;
  beforeEach(() => {
    tmp = makeTempDir('carbond-smi-');
    process.env['PATH'] = `${FIXTURES}${path.delimiter}${savedPath}`;
  });
  afterEach(() => {
    process.env['PATH'] = savedPath;
    delete process.env['FAKE_NVIDIA_SMI_OUTPUT'];
    delete process.env['FAKE_NVIDIA_SMI_FAIL'];
    removeDir(tmp);
  });

  it('parses the real csv,noheader,nounits format', () => {
    const gpus = parseNvidiaSmi(fs.readFileSync(path.join(FIXTURES, 'h100x4.csv'), 'utf8'));
    expect(gpus).toHaveLength(4);
    expect(gpus[0]).toEqual({ index: 0, name: 'NVIDIA H100 80GB HBM3', powerW: 312.45, powerLimitW: 700, utilizationPct: 98, memoryUsedMiB: 45123 });
  });

  it('turns [N/A] and [Not Supported] into missing values', () => {
    const gpus = parseNvidiaSmi(fs.readFileSync(path.join(FIXTURES, 'unsupported.csv'), 'utf8'));
    expect(gpus.map((g) => g.powerW)).toEqual([null, null, null]);
    expect(gpus[1]).toMatchObject({ powerLimitW: 400, utilizationPct: 50 });
    expect(gpus[2]).toMatchObject({ powerLimitW: null, utilizationPct: null, memoryUsedMiB: null });
  });

  it('sums the power of the GPUs each job was given, found on PATH', async () => {
    const r = await new NvidiaSmiMeter().read([target('two', parseGpuIds('0,1')), target('one', parseGpuIds('3'))]);
    expect(r.readings).toEqual([
      { jobId: 'two', runId: 1, powerW: 312.45 + 298.1, meter: 'nvidia-smi', estimated: false },
      { jobId: 'one', runId: 1, powerW: 655, meter: 'nvidia-smi', estimated: false },
    ]);
  });

  it('estimates a GPU without a power reading from its limit × utilisation, and leaves a GPU with neither to the next meter', async () => {
    process.env['FAKE_NVIDIA_SMI_OUTPUT'] = path.join(FIXTURES, 'unsupported.csv');
    const r = await new NvidiaSmiMeter().read([target('a100', [1]), target('t4', [2])]);
    expect(r.readings).toEqual([{ jobId: 'a100', runId: 1, powerW: 200, meter: 'nvidia-smi', estimated: true }]);
    expect(r.problems).toEqual(['job t4: no power reading for GPU 2']);
  });

  it('reports a failing nvidia-smi as a problem, and the fallback chain uses fixed watts', async () => {
    process.env['FAKE_NVIDIA_SMI_FAIL'] = '1';
    const meter = new FallbackMeter([new NvidiaSmiMeter(), new FixedWattsMeter({ box1: { gpuPowerW: 300, cpuPowerW: 40 } })]);
    const r = await meter.read([target('a', [0, 1])], 0);
    expect(r.readings).toEqual([{ jobId: 'a', runId: 1, powerW: 640, meter: 'fixed', estimated: true }]);
    expect(r.problems[0]).toMatch(/^nvidia-smi: nvidia-smi failed/);
  });

  it('leaves out a job whose GPU is not in the output', () => {
    const r = jobsFromGpus(parseNvidiaSmi('0, NVIDIA H100 80GB HBM3, 100, 700, 10, 1'), [target('x', [0, 5])]);
    expect(r.readings).toEqual([]);
    expect(r.problems).toEqual(['job x: no power reading for GPU 5']);
  });
});
