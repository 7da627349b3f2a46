/**
 * The TF.js training harness: runs a `TrainingTask` under the job protocol of DESIGN §4.
 * It picks the backend, resumes from `CARBOND_RESUME_FROM` (verified first), reports
 * `backend`, `progress` and `checkpoint` events, and on the pause signal (SIGTERM by
 * default) finishes the current step, writes a verified checkpoint and returns `paused`
 * (the caller exits 0). Resume is bit-identical: see `training-state.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import { systemClock, type Clock } from '../../src/core/clock';
import { CheckpointError } from '../../src/core/errors';
import { createFsCheckpointStore } from '../fs-store';
import type { JobEvent } from '../protocol';
import { appendEvent, DEFAULT_PAUSE_SIGNAL } from '../protocol';
import type { CheckpointStore } from '../store';
import type { BackendName } from './backend';
import { selectBackend } from './backend';
import { Rng } from '../../src/core/rng';
import { float32Hex } from './tensor-state';
import type { JsonValue } from './training-state';
import { encodeTrainingState, restoreTrainingState } from './training-state';

/** A model + optimizer + data the harness trains. Built once the backend is active. */
export interface TrainingTask {
  /** Trainable variables, in a fixed order, with unique stable names. */
  readonly variables: readonly tf.Variable[];
  readonly optimizer: tf.Optimizer;
  /** Runs step `step` (0-based) and returns its loss (a float32 value). Draw randomness only from the task's Rng. */
  trainStep(step: number): number;
  /** The data cursor, saved with each checkpoint. */
  getCursor(): JsonValue;
  setCursor(cursor: JsonValue): void;
}

export interface HarnessOptions {
  /** Builds the task; `rng` is seeded with `seed` and its state is saved and restored by the harness. */
  createTask(rng: Rng, backend: BackendName): TrainingTask;
  totalSteps: number;
  seed: number;
  /** Where checkpoints go (`CARBOND_CHECKPOINT_DIR`); without it, pause exits with no checkpoint. */
  checkpointDir?: string;
  /** A checkpoint directory to resume from (`CARBOND_RESUME_FROM`); verified before use. */
  resumeFrom?: string;
  /** The events file (`CARBOND_EVENTS`). */
  eventsPath?: string;
  jobId?: string;
  /** Default `SIGTERM`. */
  pauseSignal?: NodeJS.Signals;
  /** Test hook: behave as if paused once this many steps are complete (only if the run starts before). */
  pauseAtStep?: number;
  /** Also checkpoint every N completed steps (0: only on pause and at the end). */
  checkpointEvery?: number;
  /** Retention: verified checkpoints kept (default 3). */
  keep?: number;
  /** Sleep after each step, to stretch demos in time (default 0). */
  stepDelayMs?: number;
  /**
   * Pace steps: each step (compute + sleep) takes at least this much wall time (default 0).
   * On a time-compressed clock (`carbond demo`) a step then lasts a fixed amount of
   * sample time whatever the CPU speed, as long as it computes in less.
   */
  stepPeriodMs?: number;
  /** Wall clock for `stepPeriodMs` (default the system clock). */
  clock?: Clock;
  /** Appends `step<TAB>loss<TAB>float32-hex` per completed step. */
  lossLogPath?: string;
  backend?: BackendName | 'auto';
}

export interface HarnessResult {
  outcome: 'finished' | 'paused';
  /** Completed steps at exit. */
  step: number;
  backend: BackendName;
  /** The last checkpoint written in this run, if any. */
  checkpointPath?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function resume(store: CheckpointStore, from: string, task: TrainingTask, rng: Rng, backend: BackendName, jobId?: string): Promise<number> {
  const verified = await store.verify(from);
  if (!verified.ok) throw verified.failure.error;
  try {
    const state = await restoreTrainingState(from, task.variables, task.optimizer);
    rng.state = state.rngState;
    task.setCursor(state.cursor);
    if (state.backend !== backend) process.emitWarning(`resuming a ${state.backend} checkpoint on ${backend}: the loss may differ in the last bits`);
    return state.step;
  } catch (err) {
    throw new CheckpointError(`cannot restore ${from}: ${(err as Error).message}`, from, jobId, { cause: err });
  }
}

/** Runs training until done or paused. Throws `CheckpointError` when a checkpoint cannot be read or written. */
export async function runHarness(o: HarnessOptions): Promise<HarnessResult> {
  // Listen first, so a pause asked for while the backend loads is honoured, not fatal.
  let pauseRequested = false;
  const signal = o.pauseSignal ?? DEFAULT_PAUSE_SIGNAL;
  const onSignal = (): void => void (pauseRequested = true);
  process.on(signal, onSignal);
  try {
    return await train(o, () => pauseRequested);
  } finally {
    process.removeListener(signal, onSignal);
  }
}

async function train(o: HarnessOptions, pauseAsked: () => boolean): Promise<HarnessResult> {
  const choice = await selectBackend(o.backend ?? 'auto');
  const backend = choice.name;
  const emit = (e: JobEvent): void => (o.eventsPath ? appendEvent(o.eventsPath, e) : undefined);
  emit({ event: 'backend', name: backend });
  const rng = new Rng(o.seed);
  const task = o.createTask(rng, backend);
  const store = createFsCheckpointStore({ root: o.checkpointDir ?? '.', jobId: o.jobId });
  let step = o.resumeFrom ? await resume(store, o.resumeFrom, task, rng, backend, o.jobId) : 0;
  const startStep = step;

  /** Writes a checkpoint; `prune` applies retention after (skipped on the pause path, where latency counts). */
  const checkpoint = async (prune: boolean): Promise<string | undefined> => {
    if (!o.checkpointDir) return undefined;
    const files = await encodeTrainingState(task.variables, task.optimizer, { step, seed: o.seed, rngState: rng.state, cursor: task.getCursor(), backend });
    const written = await store.write({ step, files, meta: { backend, writer: 'carbond-tfjs-harness' } });
    if (!written.ok) throw written.failure.error;
    emit({ event: 'checkpoint', path: written.checkpoint.path, step });
    if (prune) await store.prune(o.keep ?? 3);
    return written.checkpoint.path;
  };
  const checkpointed = async (prune: boolean): Promise<{ checkpointPath?: string }> => {
    const checkpointPath = await checkpoint(prune);
    return checkpointPath ? { checkpointPath } : {};
  };
  if (o.checkpointDir) await store.prune(o.keep ?? 3); // retention of earlier runs, off the pause path

  emit({ event: 'progress', step, totalSteps: o.totalSteps, backend });
  await sleep(0);
  if (pauseAsked() && step < o.totalSteps) return { outcome: 'paused', step, backend, ...(await checkpointed(false)) }; // asked during start-up
  const clock = o.clock ?? systemClock;
  while (step < o.totalSteps) {
    const stepStartMs = clock.now();
    const loss = task.trainStep(step);
    step += 1;
    if (o.lossLogPath) fs.appendFileSync(o.lossLogPath, `${step}\t${loss}\t${float32Hex(loss)}\n`);
    emit({ event: 'progress', step, totalSteps: o.totalSteps, loss, backend });
    const hook = o.pauseAtStep !== undefined && step === o.pauseAtStep && startStep < o.pauseAtStep;
    if (step === o.totalSteps) break; // done: no pause or pacing after the last step
    const paceMs = Math.max(0, stepStartMs + (o.stepPeriodMs ?? 0) - clock.now());
    await sleep((o.stepDelayMs ?? 0) + paceMs); // also lets the signal handler run
    if ((hook || pauseAsked()) && step < o.totalSteps) return { outcome: 'paused', step, backend, ...(await checkpointed(false)) };
    if (o.checkpointEvery && step % o.checkpointEvery === 0 && step < o.totalSteps) await checkpoint(true);
  }
  return { outcome: 'finished', step, backend, ...(await checkpointed(true)) };
}
