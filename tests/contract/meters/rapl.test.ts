import * as fs from 'node:fs';
import * as path from 'node:path';
import { raplAvailable, raplDeltaUj, RaplMeter } from '../../../src/meters/rapl';
import type { MeterTarget } from '../../../src/meters/types';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const target = (jobId: string): MeterTarget => ({ jobId, runId: 3, site: 'box1', zone: 'GB', gpuIds: [] });

describe('RAPL meter on a fake powercap tree', () => {
  let root: string;
  const write = (zone: string, energyUj: number, maxUj = 1_000_000_000): void => {
    fs.mkdirSync(path.join(root, zone), { recursive: true });
    fs.writeFileSync(path.join(root, zone, 'energy_uj'), `${energyUj}\n`);
    fs.writeFileSync(path.join(root, zone, 'max_energy_range_uj'), `${maxUj}\n`);
  };
  beforeEach(() => { root = makeTempDir('carbond-rapl-'); });
  afterEach(() => removeDir(root));

  it.each([
    [100, 400, 1000, 300],
    [900, 100, 1000, 200],
    [0, 0, 1000, 0],
  ])('counts %d → %d µJ (wrapping at %d) as %d µJ', (prev, cur, max, want) => {
    expect(raplDeltaUj(prev, cur, max)).toBe(want);
  });

  it('turns counter deltas of the packages (not their sub-zones) into average watts, across a wraparound', async () => {
    write('intel-rapl:0', 999_000_000);
    write('intel-rapl:1', 5_000_000);
    write('intel-rapl:0:0', 1);
    const meter = new RaplMeter({ site: 'box1', root });
    expect((await meter.read([target('a')], 0)).readings).toEqual([]);
    write('intel-rapl:0', 2_000_000); // wrapped: 1 J to the top + 2 J
    write('intel-rapl:1', 11_000_000); // 6 J
    write('intel-rapl:0:0', 50_000_000); // a sub-zone: already inside package 0
    const r = await meter.read([target('a')], 3000);
    expect(r.readings).toEqual([{ jobId: 'a', runId: 3, powerW: 3, meter: 'rapl', estimated: false }]); // 9 J / 3 s
  });

  it('shares the box power equally between the jobs on it, labelled estimated', async () => {
    write('intel-rapl:0', 0);
    const meter = new RaplMeter({ site: 'box1', root });
    await meter.read([], 0);
    write('intel-rapl:0', 120_000_000);
    const r = await meter.read([target('a'), target('b')], 60_000);
    expect(r.readings.map((x) => [x.jobId, x.powerW, x.estimated])).toEqual([['a', 1, true], ['b', 1, true]]);
  });

  it('says whether the powercap tree exists', () => {
    expect(raplAvailable(root)).toBe(false);
    expect(raplAvailable(path.join(root, 'missing'))).toBe(false);
    write('intel-rapl:0', 1);
    expect(raplAvailable(root)).toBe(true);
  });
});
