import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrainingTask } from '../../../checkpoints/harness/harness';
import { runHarness } from '../../../checkpoints/harness/harness';
import { ManualClock, systemClock } from '../../../src/core/clock';
import type { Rng } from '../../../src/core/rng';
import { parseEvents } from '../../../checkpoints/protocol';

let previous: { w: tf.Variable; optimizer: tf.Optimizer } | undefined;
/** A one-weight regression whose data come from the harness RNG. Names are stable, so the previous task is disposed. */
function tinyTask(rng: Rng, onCreate?: () => void): TrainingTask {
  previous?.w.dispose();
  previous?.optimizer.dispose();
  const w = tf.variable(tf.scalar(rng.uniform(1)), true, 'tiny/w');
  const optimizer = tf.train.adam(0.05);
  previous = { w, optimizer };
  let cursor = 0;
  onCreate?.();
  return {
    variables: [w],
    optimizer,
    trainStep: () => {
      cursor += 1;
      const x = rng.uniform(2);
      return tf.tidy(() => (optimizer.minimize(() => tf.square(tf.sub(tf.mul(w, x), 3 * x)) as tf.Scalar, true, [w]) as tf.Scalar).dataSync()[0] as number);
    },
    getCursor: () => cursor,
    setCursor: (c) => void (cursor = c as number),
  };
}

describe('runHarness', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-harness-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('honours a pause signal that arrives while it starts up: checkpoint at step 0, outcome paused', async () => {
    const events = path.join(dir, 'events.jsonl');
    const result = await runHarness({
      createTask: (rng) => tinyTask(rng, () => process.emit('SIGTERM')),
      totalSteps: 10, seed: 3, backend: 'cpu', checkpointDir: path.join(dir, 'ck'), eventsPath: events,
    });
    expect(result).toMatchObject({ outcome: 'paused', step: 0, backend: 'cpu' });
    const kinds = parseEvents(fs.readFileSync(events)).events.map((e) => e.event.event);
    expect(kinds).toEqual(['backend', 'progress', 'checkpoint']);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it('finishes, checkpoints the final step and keeps only the newest N verified checkpoints', async () => {
    const ck = path.join(dir, 'ck');
    const result = await runHarness({ createTask: (rng) => tinyTask(rng), totalSteps: 12, seed: 3, backend: 'cpu', checkpointDir: ck, checkpointEvery: 2, keep: 2 });
    expect(result).toMatchObject({ outcome: 'finished', step: 12, checkpointPath: path.join(ck, 'ckpt-000000000012') });
    expect(fs.readdirSync(ck).sort()).toEqual(['ckpt-000000000010', 'ckpt-000000000012']);
  });

  it('pauses after the hook step and resumes to the same final weights as an uninterrupted run', async () => {
    const whole = await runHarness({ createTask: (rng) => tinyTask(rng), totalSteps: 8, seed: 5, backend: 'cpu', checkpointDir: path.join(dir, 'a') });
    const paused = await runHarness({ createTask: (rng) => tinyTask(rng), totalSteps: 8, seed: 5, backend: 'cpu', checkpointDir: path.join(dir, 'b'), pauseAtStep: 3 });
    expect(paused).toMatchObject({ outcome: 'paused', step: 3 });
    const resumed = await runHarness({ createTask: (rng) => tinyTask(rng), totalSteps: 8, seed: 5, backend: 'cpu', checkpointDir: path.join(dir, 'b'), resumeFrom: paused.checkpointPath, pauseAtStep: 3 });
    expect(resumed).toMatchObject({ outcome: 'finished', step: 8 });
    const weights = (p: string | undefined): Buffer => fs.readFileSync(path.join(p as string, 'weights.bin'));
    expect(weights(resumed.checkpointPath).equals(weights(whole.checkpointPath))).toBe(true);
  });

  it('paces each step to stepPeriodMs (sleeping only what the step did not take), and not after the last step', async () => {
    /** The harness reads `clock`; each step "computes" for `computeMs` of it; the pacing sleeps are real. */
    const paced = async (computeMs: number, totalSteps: number, stepPeriodMs: number): Promise<number> => {
      const clock = new ManualClock(0);
      const t0 = systemClock.now();
      const result = await runHarness({
        createTask: (rng) => {
          const task = tinyTask(rng);
          return { ...task, trainStep: (step: number) => { clock.advance(computeMs); return task.trainStep(step); } };
        },
        totalSteps, seed: 1, backend: 'cpu', stepPeriodMs, clock,
      });
      expect(result).toMatchObject({ outcome: 'finished', step: totalSteps });
      return systemClock.now() - t0;
    };
    expect(await paced(20, 6, 100)).toBeGreaterThanOrEqual(5 * 80 - 5); // 5 sleeps of 100 − 20 ms
    expect(await paced(150, 6, 100)).toBeLessThan(300); // steps longer than the period: no sleep
    expect(await paced(0, 1, 2_000)).toBeLessThan(1_000); // the last step is not paced
  });
});
