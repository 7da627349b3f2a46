/**
 * Exact (bit-for-bit) serialisation of named tensors: raw little-endian float32/int32
 * bytes concatenated in one buffer, with a layout entry per tensor. No text round trip,
 * so a restored tensor has the very bits that were saved.
 */
import * as tf from '@tensorflow/tfjs';

export interface TensorLayout {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Byte offset in the packed buffer. */
  offset: number;
  bytes: number;
}

/** Packs tensors (float32 or int32) into one buffer; order is kept. */
export function packTensors(named: ReadonlyArray<{ name: string; tensor: tf.Tensor }>): { data: Buffer; layout: TensorLayout[] } {
  const parts: Buffer[] = [];
  const layout: TensorLayout[] = [];
  let offset = 0;
  for (const { name, tensor } of named) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') throw new TypeError(`cannot save ${name}: dtype ${tensor.dtype}`);
    const values = tensor.dataSync() as Float32Array | Int32Array;
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    parts.push(Buffer.from(bytes));
    layout.push({ name, shape: [...tensor.shape], dtype: tensor.dtype, offset, bytes: bytes.length });
    offset += bytes.length;
  }
  return { data: Buffer.concat(parts), layout };
}

/** Rebuilds the tensors of `layout` from `data` (the caller disposes them). */
export function unpackTensors(data: Buffer, layout: readonly TensorLayout[]): Array<{ name: string; tensor: tf.Tensor }> {
  return layout.map((l) => {
    if (l.offset + l.bytes > data.length) throw new RangeError(`${l.name}: bytes ${l.offset}+${l.bytes} past the end (${data.length})`);
    const copy = new Uint8Array(l.bytes);
    copy.set(data.subarray(l.offset, l.offset + l.bytes));
    const values = l.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    return { name: l.name, tensor: tf.tensor(values, l.shape, l.dtype) };
  });
}

/** The float32 bits of a number as 8 hex digits, e.g. `3f800000` for 1. */
export function float32Hex(value: number): string {
  const b = Buffer.alloc(4);
  b.writeFloatBE(value);
  return b.toString('hex');
}
