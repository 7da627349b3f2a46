/**
 * Strict reader for JSON traces: an array of points, each either in canonical form
 * `{ zone, startMs | start, gPerKWh, durationMs?, issuedAtMs? | issuedAt? }` or with the CSV
 * column names `{ timestamp, zone, carbon_intensity, issued_at? }`. Times as ISO-8601 strings
 * with a zone, or epoch ms numbers. A point with an issue time is a forecast, else measured.
 */
import { InputError, Issues } from '../../src/core';
import { parseIntensity, parseTimeMs, MAX_REPORTED_ISSUES, type TraceParseOptions } from './csv';
import { buildTrace, type ParsedTrace, type TraceRow } from './rows';

type Obj = Record<string, unknown>;

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  return typeof v === 'string' ? parseTimeMs(v) : undefined;
}

function pick(o: Obj, names: readonly string[]): [string, unknown] | undefined {
  for (const n of names) if (o[n] !== undefined) return [n, o[n]];
  return undefined;
}

function readTime(o: Obj, where: string, names: readonly string[], issues: Issues, required: boolean): number {
  const got = pick(o, names);
  if (!got) {
    if (required) issues.add(`${where}.${names[0]}`, 'is missing');
    return NaN;
  }
  const ms = timeOf(got[1]);
  if (ms === undefined) issues.add(`${where}.${got[0]}`, 'is not an ISO-8601 time with a zone or epoch ms', got[1]);
  return ms ?? NaN;
}

function readIntensity(o: Obj, where: string, issues: Issues): number {
  const got = pick(o, ['gPerKWh', 'carbon_intensity']);
  if (!got) {
    issues.add(`${where}.gPerKWh`, 'is missing');
    return NaN;
  }
  const v = typeof got[1] === 'number' ? (Number.isFinite(got[1]) && got[1] >= 0 ? got[1] : undefined) : typeof got[1] === 'string' ? parseIntensity(got[1]) : undefined;
  if (v === undefined) issues.add(`${where}.${got[0]}`, 'is not a number ≥ 0 (g/kWh)', got[1]);
  return v ?? NaN;
}

function readPoint(o: unknown, index: number, where: string, issues: Issues, zoneAs: string | undefined): TraceRow | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    issues.add(where, 'is not an object', o);
    return undefined;
  }
  const p = o as Obj;
  const before = issues.count;
  const zone = zoneAs ?? p.zone;
  if (typeof zone !== 'string' || zone.trim() === '') issues.add(`${where}.zone`, 'is not a non-empty string', p.zone);
  const startMs = readTime(p, where, ['startMs', 'start', 'timestamp'], issues, true);
  const issuedAtMs = readTime(p, where, ['issuedAtMs', 'issuedAt', 'issued_at'], issues, false);
  const gPerKWh = readIntensity(p, where, issues);
  const d = p.durationMs;
  if (d !== undefined && (typeof d !== 'number' || !Number.isInteger(d) || d <= 0)) issues.add(`${where}.durationMs`, 'is not a positive integer (ms)', d);
  if (issues.count > before) return undefined;
  return { line: index, zone: (zone as string).trim(), startMs, issuedAtMs, gPerKWh, durationMs: typeof d === 'number' ? d : NaN };
}

/**
 * Parses a JSON trace.
 * @throws InputError naming `file[i].field` for every problem (up to 20).
 * @example parseTraceJson('[{"zone":"GB","start":"2021-01-01T00:00:00Z","gPerKWh":244}]', { source: 'gb.json' })
 */
export function parseTraceJson(text: string, opts: TraceParseOptions): ParsedTrace {
  const issues = new Issues();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError([{ path: opts.source, message: `is not valid JSON: ${(err as Error).message}` }], `trace file ${opts.source}`);
  }
  if (!Array.isArray(data) || data.length === 0) {
    throw new InputError([{ path: opts.source, message: 'must be a non-empty JSON array of points' }], `trace file ${opts.source}`);
  }
  const rows: TraceRow[] = [];
  for (let i = 0; i < data.length && issues.count < MAX_REPORTED_ISSUES; i++) {
    const row = readPoint(data[i], i, `${opts.source}[${i}]`, issues, opts.zoneAs);
    if (row) rows.push(row);
  }
  issues.throwIfAny((all) => new InputError(all, `trace file ${opts.source}`));
  const trace = buildTrace(rows, issues, { ...opts, whereOf: (i) => `${opts.source}[${i}]` });
  issues.throwIfAny((all) => new InputError(all.slice(0, MAX_REPORTED_ISSUES), `trace file ${opts.source}`));
  return trace;
}
