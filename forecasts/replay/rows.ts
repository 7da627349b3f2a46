/**
 * Parsed trace rows → typed-array series, shared by the CSV and JSON readers: groups rows
 * by zone (and issue), sorts them, rejects duplicates naming both lines, and infers the
 * interval length from the data's resolution. Gaps stay gaps.
 */
import { Issues, MS_PER_HOUR, MS_PER_MINUTE } from '../../src/core';
import type { ForecastIssues, MeasuredSeries } from './series';

/** One row as read. `line`: 1-based line for CSV, array index for JSON (see `BuildOptions.whereOf`). */
export interface TraceRow {
  readonly line: number;
  readonly zone: string;
  /** NaN for measured rows. */
  readonly issuedAtMs: number;
  readonly startMs: number;
  readonly gPerKWh: number;
  /** Explicit interval length (JSON `durationMs`); NaN when the file does not say. */
  readonly durationMs: number;
}

/** What a trace file holds: measured series and/or forecast issues, one entry per zone. */
export interface ParsedTrace {
  readonly measured: MeasuredSeries[];
  readonly forecasts: ForecastIssues[];
}

export interface BuildOptions {
  /** Name used in messages (the file path). */
  readonly source: string;
  /** Interval length to use when the data cannot show it (a single row per zone). Default 60 min. */
  readonly defaultStepMs?: number;
  /** How a row is named in messages, e.g. `gb.csv:17` or `gb.json[16]`. */
  readonly whereOf: (line: number) => string;
}

/** Interval lengths accepted: divisors of an hour from 1 min up, or whole hours. */
function validStepMs(stepMs: number): boolean {
  if (!Number.isInteger(stepMs) || stepMs < MS_PER_MINUTE) return false;
  return MS_PER_HOUR % stepMs === 0 || stepMs % MS_PER_HOUR === 0;
}

function byKey(a: TraceRow, b: TraceRow): number {
  if (a.zone !== b.zone) return a.zone < b.zone ? -1 : 1;
  const fa = Number.isNaN(a.issuedAtMs) ? 0 : 1;
  const fb = Number.isNaN(b.issuedAtMs) ? 0 : 1;
  if (fa !== fb) return fa - fb;
  const ia = Number.isNaN(a.issuedAtMs) ? 0 : a.issuedAtMs;
  const ib = Number.isNaN(b.issuedAtMs) ? 0 : b.issuedAtMs;
  return ia - ib || a.startMs - b.startMs;
}

/**
 * Infers the step of one zone's rows (sorted): the explicit `durationMs` when given,
 * else the smallest gap between consecutive starts of one issue; every other gap must be a
 * multiple of it (off-grid rows are reported with their line).
 * @example starts 00:00, 01:00, 03:00 → step 60 min (the 02:00 row is a gap)
 */
function inferStepMs(rows: readonly TraceRow[], issues: Issues, opts: BuildOptions): number {
  let stepMs = Infinity;
  const explicit = rows.find((r) => !Number.isNaN(r.durationMs));
  if (explicit) stepMs = explicit.durationMs;
  else {
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1] as TraceRow;
      const b = rows[i] as TraceRow;
      if (sameIssue(a, b)) stepMs = Math.min(stepMs, b.startMs - a.startMs);
    }
  }
  if (!Number.isFinite(stepMs)) stepMs = opts.defaultStepMs ?? MS_PER_HOUR;
  if (!validStepMs(stepMs)) {
    issues.add(`${opts.source}`, `zone ${rows[0]?.zone}: cannot infer an interval length (15, 30 or 60 min expected)`, `${stepMs / MS_PER_MINUTE} min`);
    return NaN;
  }
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1] as TraceRow;
    const b = rows[i] as TraceRow;
    if (!Number.isNaN(b.durationMs) && b.durationMs !== stepMs) issues.add(opts.whereOf(b.line), `durationMs differs from the series' ${stepMs} ms`, b.durationMs);
    else if (sameIssue(a, b) && (b.startMs - a.startMs) % stepMs !== 0) {
      issues.add(opts.whereOf(b.line), `timestamp is off the ${stepMs / MS_PER_MINUTE}-min grid of the file`, new Date(b.startMs).toISOString());
    }
  }
  return stepMs;
}

function sameIssue(a: TraceRow, b: TraceRow): boolean {
  return a.zone === b.zone && (a.issuedAtMs === b.issuedAtMs || (Number.isNaN(a.issuedAtMs) && Number.isNaN(b.issuedAtMs)));
}

function reportDuplicates(rows: readonly TraceRow[], issues: Issues, whereOf: BuildOptions['whereOf']): void {
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1] as TraceRow;
    const b = rows[i] as TraceRow;
    if (sameIssue(a, b) && a.startMs === b.startMs) {
      issues.add(whereOf(b.line), `duplicate interval ${new Date(b.startMs).toISOString()} for zone ${b.zone} (also at ${whereOf(a.line)})`);
    }
  }
}

function toMeasured(rows: readonly TraceRow[], stepMs: number, source: string): MeasuredSeries {
  const startMs = new Float64Array(rows.length);
  const gPerKWh = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    startMs[i] = r.startMs;
    gPerKWh[i] = r.gPerKWh;
  });
  return { zone: (rows[0] as TraceRow).zone, stepMs, startMs, gPerKWh, source };
}

function toForecast(rows: readonly TraceRow[], stepMs: number, source: string): ForecastIssues {
  const m = toMeasured(rows, stepMs, source);
  const issued: number[] = [];
  const offsets: number[] = [];
  rows.forEach((r, i) => {
    if (i === 0 || r.issuedAtMs !== (rows[i - 1] as TraceRow).issuedAtMs) {
      issued.push(r.issuedAtMs);
      offsets.push(i);
    }
  });
  offsets.push(rows.length);
  return { ...m, issuedAtMs: Float64Array.from(issued), offsets: Uint32Array.from(offsets) };
}

/**
 * Groups, sorts and checks rows; throws nothing itself: problems go to `issues`
 * (the caller throws one `InputError` naming every bad line).
 */
export function buildTrace(rows: TraceRow[], issues: Issues, opts: BuildOptions): ParsedTrace {
  // Trace files are normally sorted already: skip the sort then (a year loads in milliseconds).
  const isSorted = rows.every((r, i) => i === 0 || byKey(rows[i - 1] as TraceRow, r) <= 0);
  const sorted = isSorted ? rows : [...rows].sort(byKey);
  reportDuplicates(sorted, issues, opts.whereOf);
  const out: { measured: MeasuredSeries[]; forecasts: ForecastIssues[] } = { measured: [], forecasts: [] };
  let lo = 0;
  while (lo < sorted.length) {
    const first = sorted[lo] as TraceRow;
    const isForecast = !Number.isNaN(first.issuedAtMs);
    let hi = lo;
    while (hi < sorted.length && (sorted[hi] as TraceRow).zone === first.zone && !Number.isNaN((sorted[hi] as TraceRow).issuedAtMs) === isForecast) hi++;
    const group = sorted.slice(lo, hi);
    const stepMs = inferStepMs(group, issues, opts);
    if (issues.count === 0) {
      if (!isForecast) out.measured.push(toMeasured(group, stepMs, opts.source));
      else out.forecasts.push(toForecast(group, stepMs, opts.source));
    }
    lo = hi;
  }
  return out;
}
