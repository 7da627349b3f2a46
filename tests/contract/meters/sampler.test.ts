import { ManualClock } from '../../../src/core/clock';
import { EnergySampler, trapezoidKWh, type EnergySampleInput } from '../../../src/meters/sampler';
import type { MeterResult, MeterTarget, PowerMeter } from '../../../src/meters/types';

class ScriptedMeter implements PowerMeter {
  readonly name = 'simulated' as const;
  constructor(private readonly script: Array<Record<string, number>>) {}
  async read(targets: readonly MeterTarget[]): Promise<MeterResult> {
    const step = this.script.shift() ?? {};
    return { readings: targets.filter((t) => t.jobId in step).map((t) => ({ jobId: t.jobId, runId: t.runId, powerW: step[t.jobId]!, meter: this.name, estimated: false })), problems: [] };
  }
}

const T0 = Date.parse('2026-11-29T03:00:00Z');
const job = (runId: number, overhead = false): MeterTarget => ({ jobId: 'j', runId, site: 'box1', zone: 'GB', gpuIds: [0], overhead });

describe('energy sampler', () => {
  it('integrates power between polls with the trapezoid rule', async () => {
    const clock = new ManualClock(T0);
    const recorded: EnergySampleInput[] = [];
    const sampler = new EnergySampler(new ScriptedMeter([{ j: 300 }, { j: 500 }, { j: 500 }]), clock, (s) => recorded.push(...s));
    expect((await sampler.poll([job(1)])).samples).toEqual([]);
    clock.advance(60_000);
    await sampler.poll([job(1)]);
    clock.advance(30_000);
    await sampler.poll([job(1, true)]);
    expect(recorded).toEqual([
      { jobId: 'j', runId: 1, site: 'box1', zone: 'GB', startMs: T0, durationMs: 60_000, energyKWh: (400 * 60) / 3.6e6, powerW: 400, meter: 'simulated', overhead: false },
      { jobId: 'j', runId: 1, site: 'box1', zone: 'GB', startMs: T0 + 60_000, durationMs: 30_000, energyKWh: (500 * 30) / 3.6e6, powerW: 500, meter: 'simulated', overhead: true },
    ]);
    expect(trapezoidKWh(300, 500, 60_000)).toBeCloseTo(0.0066667, 6);
  });

  it('charges an ended run\'s tail at its last power when its end time is known', async () => {
    const clock = new ManualClock(T0);
    const recorded: EnergySampleInput[] = [];
    const sampler = new EnergySampler(new ScriptedMeter([{ j: 400 }, { j: 600 }]), clock, (s) => recorded.push(...s));
    await sampler.poll([job(1)]);
    clock.advance(60_000);
    await sampler.poll([job(1)]);
    clock.advance(60_000);
    await sampler.poll([], (runId) => (runId === 1 ? T0 + 90_000 : null));
    expect(recorded.map((s) => [s.startMs - T0, s.durationMs, s.powerW])).toEqual([[0, 60_000, 500], [60_000, 30_000, 600]]);
  });

  it('starts afresh for a new run of the same job, and forgets a job that stopped', async () => {
    const clock = new ManualClock(T0);
    const recorded: EnergySampleInput[] = [];
    const sampler = new EnergySampler(new ScriptedMeter([{ j: 100 }, { j: 100 }, {}, { j: 100 }, { j: 100 }]), clock, (s) => recorded.push(...s));
    await sampler.poll([job(1)]);
    clock.advance(60_000);
    await sampler.poll([job(2)]); // a new run: no sample spanning the two runs
    clock.advance(60_000);
    await sampler.poll([]);
    clock.advance(60_000);
    await sampler.poll([job(2)]);
    clock.advance(60_000);
    await sampler.poll([job(2)]);
    expect(recorded.map((s) => [s.runId, s.startMs - T0, s.durationMs])).toEqual([[2, 180_000, 60_000]]);
  });
});
