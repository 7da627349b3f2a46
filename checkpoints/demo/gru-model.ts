/**
 * The demo model: character embedding → GRU → dense over the vocabulary, softmax
 * cross-entropy, Adam. Written with TF.js core ops, so every variable and the
 * optimizer are explicit and the harness can save them exactly.
 *
 * The embedding is a one-hot matMul (`oneHot(ids) · E`), not `tf.gather`: the wasm
 * backend lacks the gradient kernel of gather, and for a vocabulary of ~40 characters
 * the matMul costs the same. So the fast wasm backend trains the model (see docs/protocol.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingTask } from '../harness/harness';
import { Rng } from '../../src/core/rng';
import type { JsonValue } from '../harness/training-state';

export interface GruConfig {
  tokens: Int32Array;
  vocabSize: number;
  embedDim: number;
  hiddenDim: number;
  /** Characters per training window (time steps unrolled). */
  seqLen: number;
  batchSize: number;
  learningRate: number;
}

/** Where the data stream is: epoch, position in the epoch's order, and the seed of that order. */
interface Cursor {
  epoch: number;
  position: number;
  permSeed: number;
}

function glorot(rng: Rng, name: string, shape: [number, number]): tf.Variable {
  const limit = Math.sqrt(6 / (shape[0] + shape[1]));
  const values = Float32Array.from({ length: shape[0] * shape[1] }, () => rng.uniform(limit));
  return tf.variable(tf.tensor2d(values, shape), true, name);
}

/** Builds the GRU language-model task. Initial weights and the data order come from `rng`. */
export function createGruTask(c: GruConfig, rng: Rng): TrainingTask {
  const { vocabSize: V, embedDim: E, hiddenDim: H, seqLen: T, batchSize: B } = c;
  const variables = [
    glorot(rng, 'gru/embedding', [V, E]),
    glorot(rng, 'gru/input_kernel', [E, 3 * H]),
    glorot(rng, 'gru/recurrent_kernel', [H, 3 * H]),
    tf.variable(tf.zeros([3 * H]), true, 'gru/bias'),
    glorot(rng, 'gru/dense_kernel', [H, V]),
    tf.variable(tf.zeros([V]), true, 'gru/dense_bias'),
  ];
  const [emb, wx, wh, bias, wo, bo] = variables as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const optimizer = tf.train.adam(c.learningRate);
  const windows = c.tokens.length - T - 1;
  if (windows < B) throw new RangeError(`corpus of ${c.tokens.length} tokens is too short for windows of ${T + 1}`);
  let cursor: Cursor = { epoch: 0, position: 0, permSeed: rng.nextUint32() };
  let perm: { seed: number; order: number[] } | undefined;
  const orderFor = (seed: number): number[] => {
    if (perm?.seed !== seed) perm = { seed, order: new Rng(seed).shuffle([...Array(windows).keys()]) };
    return perm.order;
  };

  /** Next batch as time-major one-hot inputs and targets, rows t*B + b. */
  function nextBatch(): { x: Float32Array; y: Float32Array } {
    const x = new Float32Array(T * B * V);
    const y = new Float32Array(T * B * V);
    for (let b = 0; b < B; b++) {
      if (cursor.position >= windows) cursor = { epoch: cursor.epoch + 1, position: 0, permSeed: rng.nextUint32() };
      const start = orderFor(cursor.permSeed)[cursor.position] as number;
      cursor.position += 1;
      for (let t = 0; t < T; t++) {
        x[(t * B + b) * V + (c.tokens[start + t] as number)] = 1;
        y[(t * B + b) * V + (c.tokens[start + t + 1] as number)] = 1;
      }
    }
    return { x, y };
  }

  function lossOf(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    const xw = tf.add(tf.matMul(tf.matMul(x, emb), wx), bias); // [T*B, 3H]
    let h: tf.Tensor2D = tf.zeros([B, H]);
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const [xz, xr, xn] = tf.split(tf.slice(xw, [t * B, 0], [B, 3 * H]), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const [hz, hr, hn] = tf.split(tf.matMul(h, wh), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const z = tf.sigmoid(tf.add(xz, hz));
      const r = tf.sigmoid(tf.add(xr, hr));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      hs.push(h);
    }
    const logits = tf.add(tf.matMul(tf.concat(hs, 0), wo), bo);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  }

  return {
    variables,
    optimizer,
    trainStep(): number {
      const { x, y } = nextBatch();
      return tf.tidy(() => {
        const xt = tf.tensor2d(x, [T * B, V]);
        const yt = tf.tensor2d(y, [T * B, V]);
        const loss = optimizer.minimize(() => lossOf(xt, yt), true, variables) as tf.Scalar;
        return loss.dataSync()[0] as number;
      });
    },
    getCursor: (): JsonValue => ({ ...cursor }),
    setCursor(value: JsonValue): void {
      const v = value as unknown as Cursor;
      cursor = { epoch: v.epoch, position: v.position, permSeed: v.permSeed };
    },
  };
}
