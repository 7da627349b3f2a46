/**
 * What the harness saves in a checkpoint and how it is restored, bit for bit:
 * - `weights.bin`: every trainable variable's raw float32 bytes;
 * - `optimizer.bin`: `optimizer.getWeights()` (iterations, then Adam's first and second
 *   moments), followed by Adam's beta powers `accBeta1`/`accBeta2`;
 * - `state.json`: completed steps, RNG state, data cursor, backend, and the byte layouts.
 *
 * Why the beta powers are saved: tfjs 4 `AdamOptimizer.setWeights` recomputes them as
 * `pow(beta, iterations + 1)`, while training accumulates them by repeated float32
 * multiplication; the two differ in the last bits, which would break bit-identical resume.
 * So they are saved as raw float32 and assigned back after `setWeights`.
 */
import * as tf from '@tensorflow/tfjs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { TensorLayout } from './tensor-state';
import { packTensors, unpackTensors } from './tensor-state';

export const STATE_FORMAT = 'carbond-tfjs-harness/1';
export const WEIGHTS_FILE = 'weights.bin';
export const OPTIMIZER_FILE = 'optimizer.bin';
export const STATE_FILE = 'state.json';

/** JSON-serialisable data (the task's data cursor). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StateJson {
  format: typeof STATE_FORMAT;
  /** Completed steps: a resume runs this step index next. */
  step: number;
  seed: number;
  rngState: number;
  cursor: JsonValue;
  backend: string;
  weights: TensorLayout[];
  optimizer: TensorLayout[];
}

interface AdamBetaPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

const ADAM_BETA_NAMES = ['adam/accBeta1', 'adam/accBeta2'] as const;

function betaPowersOf(optimizer: tf.Optimizer): AdamBetaPowers | undefined {
  const o = optimizer as unknown as Partial<AdamBetaPowers>;
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable ? (o as AdamBetaPowers) : undefined;
}

/** The files of a checkpoint for the given variables, optimizer and scalars. */
export async function encodeTrainingState(
  variables: readonly tf.Variable[],
  optimizer: tf.Optimizer,
  scalars: Omit<StateJson, 'format' | 'weights' | 'optimizer'>,
): Promise<Array<{ path: string; data: Buffer }>> {
  const weights = packTensors(variables.map((v) => ({ name: v.name, tensor: v })));
  const named = await optimizer.getWeights();
  const powers = betaPowersOf(optimizer);
  if (powers) named.push({ name: ADAM_BETA_NAMES[0], tensor: powers.accBeta1 }, { name: ADAM_BETA_NAMES[1], tensor: powers.accBeta2 });
  const opt = packTensors(named);
  const state: StateJson = { format: STATE_FORMAT, ...scalars, weights: weights.layout, optimizer: opt.layout };
  return [
    { path: WEIGHTS_FILE, data: weights.data },
    { path: OPTIMIZER_FILE, data: opt.data },
    { path: STATE_FILE, data: Buffer.from(JSON.stringify(state, null, 1) + '\n') },
  ];
}

/**
 * Restores variables and optimizer from a (verified) checkpoint directory and returns
 * its `state.json`. Variables are matched by name and shape; a mismatch throws.
 */
export async function restoreTrainingState(dir: string, variables: readonly tf.Variable[], optimizer: tf.Optimizer): Promise<StateJson> {
  const state = JSON.parse(await fsp.readFile(path.join(dir, STATE_FILE), 'utf8')) as StateJson;
  if (state.format !== STATE_FORMAT) throw new Error(`${dir}: state.json format ${String(state.format)}, expected ${STATE_FORMAT}`);
  const saved = unpackTensors(await fsp.readFile(path.join(dir, WEIGHTS_FILE)), state.weights);
  try {
    for (const v of variables) {
      const s = saved.find((t) => t.name === v.name);
      if (!s || !tf.util.arraysEqual(s.tensor.shape, v.shape)) throw new Error(`${dir}: no saved weights for ${v.name} [${v.shape.join(',')}]`);
      v.assign(s.tensor);
    }
  } finally {
    tf.dispose(saved.map((t) => t.tensor));
  }
  const opt = unpackTensors(await fsp.readFile(path.join(dir, OPTIMIZER_FILE)), state.optimizer);
  const betas = opt.filter((t) => (ADAM_BETA_NAMES as readonly string[]).includes(t.name));
  const rest = opt.filter((t) => !betas.includes(t));
  await optimizer.setWeights(rest);
  const powers = betaPowersOf(optimizer);
  if (powers && betas.length === 2) {
    powers.accBeta1.assign((betas[0] as { tensor: tf.Tensor }).tensor);
    powers.accBeta2.assign((betas[1] as { tensor: tf.Tensor }).tensor);
  }
  tf.dispose(opt.map((t) => t.tensor));
  return state;
}
