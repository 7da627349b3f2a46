import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../../checkpoints/harness/backend';
import { Rng } from '../../../src/core/rng';
import { float32Hex, packTensors, unpackTensors } from '../../../checkpoints/harness/tensor-state';
import { encodeTrainingState, restoreTrainingState } from '../../../checkpoints/harness/training-state';

describe('Rng', () => {
  it('continues the same sequence after its state is saved and restored', () => {
    const a = new Rng(42);
    for (let i = 0; i < 5; i++) a.next();
    const saved = a.state;
    const expected = [a.nextUint32(), a.nextUint32(), a.nextUint32()];
    const b = new Rng(0);
    b.state = saved;
    expect([b.nextUint32(), b.nextUint32(), b.nextUint32()]).toEqual(expected);
  });

  it('gives different sequences for different seeds and stays in [0, 1)', () => {
    const xs = Array.from({ length: 1000 }, ((r) => () => r.next())(new Rng(1)));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Rng(1).nextUint32()).not.toBe(new Rng(2).nextUint32());
  });
});

describe('tensor packing', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('round-trips float32 and int32 tensors bit for bit, including NaN payloads and subnormals', () => {
    const bits = new Uint32Array([0x7fc00001, 0x00000001, 0x80000000, 0x3f800000]);
    const f = tf.tensor(new Float32Array(bits.buffer), [2, 2], 'float32');
    const i = tf.tensor([7, -3], [2], 'int32');
    const { data, layout } = packTensors([{ name: 'f', tensor: f }, { name: 'i', tensor: i }]);
    expect(layout.map((l) => [l.name, l.offset, l.bytes])).toEqual([['f', 0, 16], ['i', 16, 8]]);
    const back = unpackTensors(data, layout);
    expect(new Uint32Array((back[0]?.tensor.dataSync() as Float32Array).buffer)).toEqual(bits);
    expect(Array.from(back[1]?.tensor.dataSync() as Int32Array)).toEqual([7, -3]);
    tf.dispose([f, i, ...back.map((b) => b.tensor)]);
  });

  it('writes float32 bits as hex', () => expect(float32Hex(1)).toBe('3f800000'));
});

describe('training state', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-ts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const trainFive = (w: tf.Variable, opt: tf.Optimizer): void => {
    for (let k = 0; k < 5; k++) opt.minimize(() => tf.sum(tf.square(tf.sub(w, tf.tensor1d([1, -2])))) as tf.Scalar, false, [w]);
  };
  const betaBits = (opt: tf.Optimizer): string[] => {
    const o = opt as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    return [o.accBeta1, o.accBeta2].map((v) => float32Hex(v.dataSync()[0] as number));
  };

  it("restores Adam's beta powers exactly, where tfjs setWeights alone would recompute them differently", async () => {
    const w = tf.variable(tf.tensor1d([0.5, 0.25]), true, 'ts/w');
    const opt = tf.train.adam(0.1);
    trainFive(w, opt);
    const files = await encodeTrainingState([w], opt, { step: 5, seed: 1, rngState: 99, cursor: { position: 3 }, backend: 'cpu' });
    for (const f of files) fs.writeFileSync(path.join(dir, f.path), f.data);

    const plain = tf.train.adam(0.1);
    await plain.setWeights(await opt.getWeights());
    expect(betaBits(plain)).not.toEqual(betaBits(opt)); // why the harness saves them

    const w2 = tf.variable(tf.tensor1d([0, 0]), true, 'ts/w2');
    const restored = tf.train.adam(0.1);
    await expect(restoreTrainingState(dir, [w2], restored)).rejects.toThrow('no saved weights for ts/w2');
    w.assign(tf.tensor1d([9, 9]));
    const state = await restoreTrainingState(dir, [w], restored);
    expect(state).toMatchObject({ step: 5, rngState: 99, cursor: { position: 3 }, backend: 'cpu' });
    expect(betaBits(restored)).toEqual(betaBits(opt));
    expect(restored.iterations).toBe(5);

    trainFive(w, opt);
    const afterOriginal = Array.from(w.dataSync());
    w.assign(tf.tensor1d([9, 9]));
    await restoreTrainingState(dir, [w], restored);
    trainFive(w, restored);
    expect(Array.from(w.dataSync())).toEqual(afterOriginal);
    tf.dispose([w, w2]);
    opt.dispose();
    plain.dispose();
    restored.dispose();
  });
});

describe('selectBackend', () => {
  it('reports why a native backend that is not installed was skipped', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(/tensorflow: .*tfjs-node/);
  });

  it('falls back past the missing native backends to one that works', async () => {
    const choice = await selectBackend('auto');
    expect(['wasm', 'cpu']).toContain(choice.name);
    expect(choice.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(tf.getBackend()).toBe(choice.name);
  });

  it('finds no gradient kernel for tf.gather on wasm: why the demo embedding is a one-hot matMul', async () => {
    await selectBackend('wasm');
    const table = tf.variable(tf.ones([5, 3]), true, 'gather/table');
    expect(() => tf.variableGrads(() => tf.sum(tf.gather(table, tf.tensor1d([1, 2], 'int32'))) as tf.Scalar, [table])).toThrow(/UnsortedSegmentSum/);
    const oneHot = tf.variableGrads(() => tf.sum(tf.matMul(tf.oneHot(tf.tensor1d([1, 2], 'int32'), 5), table)) as tf.Scalar, [table]);
    expect(Array.from((oneHot.grads['gather/table'] as tf.Tensor).dataSync())).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    tf.dispose([table, ...Object.values(oneHot.grads), oneHot.value]);
  });
});
