/**
 * File I/O of the replay provider: reads a trace file (CSV in either `../shared/data/`
 * format, or JSON) and merges several files of one zone (e.g. 2021 + 2022) into one series.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../src/core';
import { parseTraceCsv, type TraceParseOptions } from './csv';
import { parseTraceJson } from './json';
import type { ParsedTrace } from './rows';
import type { ForecastIssues, MeasuredSeries } from './series';

/** One file to load; `zoneAs` relabels a single-zone file (`--trace US-CAL-CISO=CAISO.csv`). */
export interface TraceFileSpec {
  readonly path: string;
  readonly zoneAs?: string;
  readonly defaultStepMs?: number;
}

/**
 * Parses trace text: JSON when it starts with `[`, else CSV.
 * @throws InputError naming the file and line.
 */
export function parseTraceText(text: string, opts: TraceParseOptions): ParsedTrace {
  return text.trimStart().startsWith('[') ? parseTraceJson(text, opts) : parseTraceCsv(text, opts);
}

/**
 * Reads and parses one trace file.
 * @throws InputError when the file is missing, unreadable or malformed (exit code 2).
 */
export function loadTraceFile(spec: TraceFileSpec): ParsedTrace {
  let text: string;
  try {
    text = readFileSync(spec.path, 'utf8');
  } catch (err) {
    throw new InputError([{ path: spec.path, message: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], 'trace file');
  }
  return parseTraceText(text, { source: spec.path, zoneAs: spec.zoneAs, defaultStepMs: spec.defaultStepMs });
}

function sortedOrder(keyA: Float64Array, keyB: Float64Array): number[] {
  const idx = Array.from(keyA, (_, i) => i);
  return idx.sort((i, j) => (keyA[i] as number) - (keyA[j] as number) || (keyB[i] as number) - (keyB[j] as number));
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function checkStep(a: { stepMs: number; zone: string; source: string }, b: { stepMs: number; source: string }): void {
  if (a.stepMs !== b.stepMs) {
    throw new InputError([{ path: b.source, message: `zone ${a.zone} has ${b.stepMs / 60_000}-min intervals but ${a.source} has ${a.stepMs / 60_000}-min ones` }], 'trace files');
  }
}

/**
 * Merges two measured series of one zone (same step); overlapping intervals are an error.
 * @throws InputError naming both files and the first duplicated interval.
 */
export function mergeMeasured(a: MeasuredSeries, b: MeasuredSeries): MeasuredSeries {
  checkStep(a, b);
  const source = `${a.source}+${b.source}`;
  const [first, second] = (a.startMs[0] ?? 0) <= (b.startMs[0] ?? 0) ? [a, b] : [b, a];
  if ((first.startMs[first.startMs.length - 1] ?? -Infinity) < (second.startMs[0] ?? Infinity)) {
    // Consecutive files (2021 then 2022): no sort needed.
    return { zone: a.zone, stepMs: a.stepMs, startMs: concat(first.startMs, second.startMs), gPerKWh: concat(first.gPerKWh, second.gPerKWh), source };
  }
  const start = concat(a.startMs, b.startMs);
  const g = concat(a.gPerKWh, b.gPerKWh);
  const order = sortedOrder(start, start);
  const startMs = Float64Array.from(order, (i) => start[i] as number);
  const gPerKWh = Float64Array.from(order, (i) => g[i] as number);
  for (let i = 1; i < startMs.length; i++) {
    if (startMs[i] === startMs[i - 1]) {
      throw new InputError([{ path: b.source, message: `zone ${a.zone}: interval ${new Date(startMs[i] as number).toISOString()} is also in ${a.source}` }], 'trace files');
    }
  }
  return { zone: a.zone, stepMs: a.stepMs, startMs, gPerKWh, source };
}

function issueColumn(f: ForecastIssues): Float64Array {
  const col = new Float64Array(f.startMs.length);
  for (let k = 0; k + 1 < f.offsets.length; k++) col.fill(f.issuedAtMs[k] as number, f.offsets[k], f.offsets[k + 1]);
  return col;
}

/** Merges the forecast issues of two files of one zone (same step). */
export function mergeForecasts(a: ForecastIssues, b: ForecastIssues): ForecastIssues {
  checkStep(a, b);
  const issued = concat(issueColumn(a), issueColumn(b));
  const start = concat(a.startMs, b.startMs);
  const g = concat(a.gPerKWh, b.gPerKWh);
  const order = sortedOrder(issued, start);
  const issuedAt: number[] = [];
  const offsets: number[] = [];
  order.forEach((i, n) => {
    if (n === 0 || issued[i] !== issued[order[n - 1] as number]) {
      issuedAt.push(issued[i] as number);
      offsets.push(n);
    }
  });
  offsets.push(order.length);
  return {
    zone: a.zone,
    stepMs: a.stepMs,
    issuedAtMs: Float64Array.from(issuedAt),
    offsets: Uint32Array.from(offsets),
    startMs: Float64Array.from(order, (i) => start[i] as number),
    gPerKWh: Float64Array.from(order, (i) => g[i] as number),
    source: `${a.source}+${b.source}`,
  };
}
