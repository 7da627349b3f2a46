/**
 * Strict reader for the trace CSVs of `../shared/data/` (see its README):
 * - measured: `timestamp,zone,carbon_intensity`
 * - forecast: `issued_at,timestamp,zone,carbon_intensity`
 * Times are ISO-8601 with an explicit zone (`Z`), `timestamp` is the interval start,
 * intensity is gCO2eq/kWh. Every bad line is reported as `file:line` in one `InputError`.
 */
import { InputError, Issues, parseIsoMs } from '../../src/core';
import { buildTrace, type ParsedTrace, type TraceRow } from './rows';

const MEASURED_HEADER = 'timestamp,zone,carbon_intensity';
const FORECAST_HEADER = 'issued_at,timestamp,zone,carbon_intensity';
/** Stop collecting after this many bad lines (a wrong file would otherwise list thousands). */
export const MAX_REPORTED_ISSUES = 20;

export interface TraceParseOptions {
  /** File name used in messages (`GB_2021_em-lca.csv:17`). */
  readonly source: string;
  /** Relabel every row with this zone (e.g. `--trace US-CAL-CISO=CAISO_2021.csv`). The file must hold one zone. */
  readonly zoneAs?: string;
  /** Interval length when a zone has a single row (the data cannot show it). Default 60 min. */
  readonly defaultStepMs?: number;
}

/** Parses one intensity value: a finite number ≥ 0 (g/kWh). */
export function parseIntensity(text: string): number | undefined {
  const t = text.trim();
  if (t === '' || !/^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

interface LineContext {
  readonly where: () => string;
  readonly issues: Issues;
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses an ISO-8601 UTC time; the data files' form `2021-01-01T00:00:00Z` takes a fast path
 * (no regex, no `Date.parse`), anything else goes through `parseIsoMs`.
 * @example parseTimeMs('2021-01-01T01:00:00Z') === 1609462800000
 */
export function parseTimeMs(t: string): number | undefined {
  if (t.length === 20 && t[4] === '-' && t[7] === '-' && t[10] === 'T' && t[13] === ':' && t[16] === ':' && t[19] === 'Z') {
    const mo = digits(t, 5, 2);
    const d = digits(t, 8, 2);
    const h = digits(t, 11, 2);
    const mi = digits(t, 14, 2);
    const s = digits(t, 17, 2);
    const y = digits(t, 0, 4);
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 59) {
      const ms = Date.UTC(y, mo - 1, d, h, mi, s);
      if (new Date(ms).getUTCDate() === d) return ms;
    }
    return undefined;
  }
  return parseIsoMs(t);
}

function field(ctx: LineContext, name: string, text: string | undefined, parse: (t: string) => number | undefined): number {
  const v = text === undefined ? undefined : parse(text.trim());
  if (v === undefined) ctx.issues.add(ctx.where(), `${name} is not ${name === 'carbon_intensity' ? 'a number ≥ 0 (g/kWh)' : 'an ISO-8601 UTC time'}`, text ?? '');
  return v ?? NaN;
}

function parseLine(ctx: LineContext, line: number, cols: string[], forecast: boolean): TraceRow | undefined {
  const want = forecast ? 4 : 3;
  if (cols.length !== want) {
    ctx.issues.add(ctx.where(), `expected ${want} comma-separated fields, found ${cols.length}`, cols.join(','));
    return undefined;
  }
  const o = forecast ? 1 : 0;
  const before = ctx.issues.count;
  const issuedAtMs = forecast ? field(ctx, 'issued_at', cols[0], parseTimeMs) : NaN;
  const startMs = field(ctx, 'timestamp', cols[o], parseTimeMs);
  const zone = (cols[o + 1] as string).trim();
  if (zone === '') ctx.issues.add(ctx.where(), 'zone is empty');
  const gPerKWh = field(ctx, 'carbon_intensity', cols[o + 2], parseIntensity);
  if (ctx.issues.count > before) return undefined;
  return { line, zone, issuedAtMs, startMs, gPerKWh, durationMs: NaN };
}

function relabel(rows: TraceRow[], zoneAs: string | undefined, issues: Issues, source: string): TraceRow[] {
  if (zoneAs === undefined) return rows;
  const zones = new Set(rows.map((r) => r.zone));
  if (zones.size > 1) issues.add(source, `holds ${zones.size} zones (${[...zones].join(', ')}); it cannot be read as zone ${zoneAs}`);
  return rows.map((r) => ({ ...r, zone: zoneAs }));
}

/**
 * Parses a trace CSV (either format, detected from the header).
 * @throws InputError naming `file:line` and the bad value for every problem (up to 20).
 * @example parseTraceCsv('timestamp,zone,carbon_intensity\n2021-01-01T00:00:00Z,GB,244.23\n', { source: 'gb.csv' })
 *          .measured[0].gPerKWh[0] === 244.23
 */
export function parseTraceCsv(text: string, opts: TraceParseOptions): ParsedTrace {
  const issues = new Issues();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const header = (lines[0] ?? '').replace(/\r$/, '').trim().toLowerCase();
  const forecast = header === FORECAST_HEADER;
  if (!forecast && header !== MEASURED_HEADER) {
    issues.add(`${opts.source}:1`, `header must be "${MEASURED_HEADER}" or "${FORECAST_HEADER}"`, lines[0] ?? '');
    throw new InputError(issues.all, `trace file ${opts.source}`);
  }
  const rows: TraceRow[] = [];
  for (let i = 1; i < lines.length && issues.count < MAX_REPORTED_ISSUES; i++) {
    const raw = (lines[i] as string).replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const row = parseLine({ where: () => `${opts.source}:${i + 1}`, issues }, i + 1, raw.split(','), forecast);
    if (row) rows.push(row);
  }
  if (rows.length === 0 && issues.count === 0) issues.add(opts.source, 'has a header but no rows');
  issues.throwIfAny((all) => new InputError(all, `trace file ${opts.source}`));
  const trace = buildTrace(relabel(rows, opts.zoneAs, issues, opts.source), issues, { ...opts, whereOf: (line) => `${opts.source}:${line}` });
  issues.throwIfAny((all) => new InputError(all.slice(0, MAX_REPORTED_ISSUES), `trace file ${opts.source}`));
  return trace;
}
