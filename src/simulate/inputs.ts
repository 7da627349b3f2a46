/**
 * Reads the inputs of `carbond simulate`: `--trace ZONE=FILE` (repeatable; several files of
 * one zone are merged), `--forecast perfect|local|ZONE=FILE…`, and `--jobs JOBS.json`.
 * Bad input throws `InputError` (exit 2) naming the flag, file and line, or the job id.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../core';
import { loadTraceFile, mergeForecasts, mergeMeasured, type ForecastIssues, type MeasuredSeries } from '../../forecasts/replay';
import { parseJobs, parseJsonText, type SimJob } from './jobs';
import type { SignalMode, ZoneSignal } from './signal';

/** `ZONE=FILE` → [zone, file]; throws naming the flag when malformed. */
export function splitZoneFile(flag: string, value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new InputError([{ path: `--${flag}`, message: 'expected ZONE=FILE', value }], 'flags');
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** Loads every `--trace`, merging files of one zone. */
export function loadTraces(specs: readonly string[]): Map<string, MeasuredSeries> {
  if (specs.length === 0) throw new InputError([{ path: '--trace', message: 'at least one --trace ZONE=FILE is required' }], 'flags');
  const out = new Map<string, MeasuredSeries>();
  for (const spec of specs) {
    const [zone, file] = splitZoneFile('trace', spec);
    const parsed = loadTraceFile({ path: file, zoneAs: zone });
    if (parsed.measured.length === 0) throw new InputError([{ path: file, message: `holds no measured rows (timestamp,zone,carbon_intensity) for --trace ${zone}` }], 'trace file');
    for (const m of parsed.measured) {
      const prev = out.get(zone);
      out.set(zone, prev ? mergeMeasured(prev, m) : m);
    }
  }
  return out;
}

export interface ForecastChoice {
  mode: SignalMode;
  files: Map<string, ForecastIssues>;
}

/** `--forecast`: `perfect`, `local` (default), or one or more `ZONE=FILE`. */
export function loadForecasts(specs: readonly string[], zones: ReadonlySet<string>): ForecastChoice {
  if (specs.length === 0 || (specs.length === 1 && specs[0] === 'local')) return { mode: 'local', files: new Map() };
  if (specs.length === 1 && specs[0] === 'perfect') return { mode: 'perfect', files: new Map() };
  const files = new Map<string, ForecastIssues>();
  for (const spec of specs) {
    if (spec === 'perfect' || spec === 'local') throw new InputError([{ path: '--forecast', message: `${spec} cannot be combined with other --forecast values`, value: specs.join(' ') }], 'flags');
    const [zone, file] = splitZoneFile('forecast', spec);
    if (!zones.has(zone)) throw new InputError([{ path: '--forecast', message: `unknown zone ${zone}: no --trace for it`, value: spec }], 'flags');
    const parsed = loadTraceFile({ path: file, zoneAs: zone });
    if (parsed.forecasts.length === 0) throw new InputError([{ path: file, message: 'holds no forecast rows (issued_at,timestamp,zone,carbon_intensity)' }], 'forecast file');
    for (const f of parsed.forecasts) {
      const prev = files.get(zone);
      files.set(zone, prev ? mergeForecasts(prev, f) : f);
    }
  }
  return { mode: 'file', files };
}

/** Joins traces and forecast files into the engine's per-zone signals. */
export function zoneSignals(traces: ReadonlyMap<string, MeasuredSeries>, forecasts: ForecastChoice): Map<string, ZoneSignal> {
  const out = new Map<string, ZoneSignal>();
  for (const [zone, measured] of traces) {
    const f = forecasts.files.get(zone);
    out.set(zone, f ? { measured, forecasts: f } : { measured });
  }
  return out;
}

/** Reads and validates JOBS.json. */
export function loadJobs(file: string, zones: ReadonlySet<string>): SimJob[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError([{ path: file, message: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], 'jobs file');
  }
  return parseJobs(parseJsonText(text, file), zones);
}
