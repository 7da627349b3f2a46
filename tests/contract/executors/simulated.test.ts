import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { SimulatedExecutor, SimulatedWorld } from '../../../src/executors/simulated';
import { executorContract, type JobKind } from './contract';
import { jobRecord } from './job-record';

executorContract('simulated', () => {
  const clock = new ManualClock(Date.parse('2026-11-29T00:00:00Z'));
  const world = new SimulatedWorld();
  const executors: SimulatedExecutor[] = [];
  return {
    make: () => {
      const ex = new SimulatedExecutor({ clock, world, behaviourOf: (job) => ({
        stepMs: 20, totalSteps: Number(job.tags['steps']), checkpointEverySteps: 0, ignoresPause: job.tags['ignoresPause'] === 'yes', pauseLatencyMs: 50,
      }) });
      executors.push(ex);
      return ex;
    },
    job: (kind: JobKind) => jobRecord({ cwd: '/sim', checkpointDir: path.join('/sim', 'ckpt'),
      tags: { steps: kind === 'short' ? '10' : '100000', ignoresPause: kind === 'ignores-pause' ? 'yes' : 'no' } }),
    letTimePass: async (ms) => {
      clock.advance(ms);
      for (const ex of executors) ex.tick();
    },
    cleanup: async () => undefined,
  };
});
