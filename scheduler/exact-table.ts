/**
 * Where the exact planner keeps its values (issue 14). The forward pass that lays out the
 * schedule needs, at each slot t it visits, the value rows t + 1 … t + k. Two layouts give
 * it them with the same arithmetic, hence the same plans:
 *
 * - **Full table**: every row, (T + 1)·(W + 1)·(S + 1) doubles, filled once. Used while it
 *   fits `FULL_TABLE_MAX_BYTES` (every job of `bench:scheduler`: at most 10.6 MB).
 * - **Window with checkpoints**: rows are filled in segments of C ≈ √(T·K) slots (K = max(k, 1)
 *   rows are read above a segment). The backward pass keeps only the K bottom rows of each
 *   segment; the forward pass refills one segment at a time from the checkpoint above it.
 *   Memory (C + K + (T/C)·K) rows instead of T + 1, for a second fill's time.
 *   @example 7-day job, 14-day deadline, 5-min slots, 4 sites (T = 4032, W = 2016, k = 1):
 *   full 325 MB; window C = 64: 65 + 63 rows × 5 blocks × 2017 × 8 B = 10.3 MB.
 */
import { fillFor, type FillShape } from './exact-fill';
import type { ExactScratch } from './exact-scratch';

/**
 * Largest full table, bytes (12 MiB: every `bench:scheduler` job, 10.6 MB at most); beyond it
 * the window with checkpoints is used. It was 32 MiB: a simulated 7-day job, once its table
 * fell under that, held 40 MB of scratch for the rest of the run for one fill instead of two.
 */
export const FULL_TABLE_MAX_BYTES = 12 * 1024 * 1024;

/** The inputs of the recursion for one job. */
export interface DpInputs {
  T: number;
  W: number;
  k: number;
  runs: readonly Float64Array[];
  resumes: readonly Float64Array[];
  idle: Float64Array | undefined;
  /** Runnable slots before each slot (see `FillShape.runnable`); absent = every slot. */
  runnable?: Float64Array;
}

/** Filled values, readable by `choiceAt` at slot t once `rowsFor(t)` has been called. */
export interface ValueTable {
  readonly V: Float64Array;
  readonly shape: FillShape;
  /** Makes rows t + 1 … t + k available (row 0 is available right after the build). */
  rowsFor(t: number): void;
}

/** Called after rows [tLo, tHi) are filled, segments in descending order, while row tHi is still held. */
export type SegmentHook = (table: ValueTable, tLo: number, tHi: number) => void;

/** Doubles a full table for this job takes. */
export function fullTableCells(T: number, W: number, S: number): number {
  return (T + 1) * (W + 1) * (S + 1);
}

/** `auto`: see `fullTableFits`; tests force either. */
export type TableLayout = 'auto' | 'full' | 'window';

/**
 * Whether `auto` takes the full table: while it fits `FULL_TABLE_MAX_BYTES`, except when the
 * scratch holds a window's checkpoints and the full table would need a larger values buffer
 * than the window left there. A job planned in a window keeps shrinking as it runs (a
 * simulated 7-day job, or one in the daemon); once its full table fell under 12 MiB, a
 * 12 MiB values buffer was allocated beside the window's checkpoints (5 MB) with the old
 * values buffer (5.2 MB) left as garbage: +12 MB of peak RSS at the end of
 * `bench:scale --only simulate`. The window gives the same plan in the buffers already held,
 * for a second fill (only of tables between what the window left and 12 MiB). A scratch that
 * never held a window (every plan of `bench:scheduler`) keeps the full table up to 12 MiB.
 */
function fullTableFits(dp: DpInputs, scratch: ExactScratch): boolean {
  const cells = fullTableCells(dp.T, dp.W, dp.runs.length);
  if (cells * 8 > FULL_TABLE_MAX_BYTES) return false;
  return scratch.capacity('checkpoints') === 0 || cells <= scratch.capacity('values');
}

/** Fills the values of `dp` in the layout that fits, calling `onSegment` once per filled segment. */
export function buildTable(dp: DpInputs, scratch: ExactScratch, onSegment: SegmentHook, layout: TableLayout = 'auto'): ValueTable {
  if (layout === 'full' || (layout === 'auto' && fullTableFits(dp, scratch))) return fullTable(dp, scratch, onSegment);
  return windowTable(dp, scratch, onSegment);
}

function runnableOf(dp: DpInputs): { runnable?: Float64Array } {
  return dp.runnable === undefined ? {} : { runnable: dp.runnable };
}

function fullTable(dp: DpInputs, scratch: ExactScratch, onSegment: SegmentHook): ValueTable {
  const S = dp.runs.length;
  const stride = dp.W + 1;
  const shape: FillShape = { T: dp.T, W: dp.W, k: dp.k, S, stride, block: (dp.T + 1) * stride, base: 0, ...runnableOf(dp) };
  const table: ValueTable = { V: scratch.float64('values', fullTableCells(dp.T, dp.W, S)), shape, rowsFor: () => undefined };
  fillFor(S)(table.V, shape, dp.runs, dp.resumes, dp.idle, 0, dp.T);
  onSegment(table, 0, dp.T);
  return table;
}

/** The window layout (see the file comment): segments of `C` rows, K rows kept per segment. */
function windowTable(dp: DpInputs, scratch: ExactScratch, onSegment: SegmentHook): ValueTable {
  const { T, W, k } = dp;
  const S = dp.runs.length;
  const K = Math.max(k, 1);
  const C = Math.max(K, Math.ceil(Math.sqrt(T * K)));
  const segments = Math.ceil(T / C);
  const stride = W + 1;
  const rows = C + K;
  const shape: FillShape = { T, W, k, S, stride, block: rows * stride, base: 0, ...runnableOf(dp) };
  const V = scratch.float64('values', rows * stride * (S + 1));
  const keptLength = K * stride;
  const kept = scratch.float64('checkpoints', Math.max(1, (segments - 1) * (S + 1) * keptLength));
  const fill = fillFor(S);
  let current = -1;
  /** Refills segment i from the rows kept above it (or row T for the last one). */
  const load = (i: number, keep: boolean): void => {
    const tLo = i * C;
    const tHi = Math.min(T, tLo + C);
    shape.base = tLo;
    if (i < segments - 1) {
      for (let b = 0; b <= S; b++) V.set(kept.subarray((i * (S + 1) + b) * keptLength, (i * (S + 1) + b + 1) * keptLength), b * shape.block + C * stride);
    }
    fill(V, shape, dp.runs, dp.resumes, dp.idle, tLo, tHi);
    if (keep && i > 0) {
      for (let b = 0; b <= S; b++) kept.set(V.subarray(b * shape.block, b * shape.block + keptLength), ((i - 1) * (S + 1) + b) * keptLength);
    }
    current = i;
  };
  const table: ValueTable = {
    V,
    shape,
    rowsFor: (t) => {
      const i = Math.min(segments - 1, Math.floor(t / C));
      if (i !== current) load(i, false);
    },
  };
  for (let i = segments - 1; i >= 0; i--) {
    load(i, true);
    onSegment(table, i * C, Math.min(T, i * C + C));
  }
  return table;
}
