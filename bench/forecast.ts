/**
 * `npm run bench:forecast`: how good is the local forecaster on real traces (`../shared/data/`)?
 *
 * A. Held-out year 2022 (parameters were tuned on 2021): forecasts issued every 5 h (5 is
 *    coprime with 24, so every hour of the day is a target), each from the data measured
 *    before its origin only; MAPE at 24, 48 and 72 h lead for the local forecaster and the
 *    naive "same hour yesterday" (the last known day: t − 24 h·⌈lead/24 h⌉) and "same hour
 *    last week" (t − 7 days).
 * B. Jul–Dec 2021 with DACF's day-ahead forecasts: origins at every issue + 0/6/12/18 h; the
 *    blended forecaster gets the newest issue known at the origin.
 * Lead = end of the target interval − origin (the next hour has lead 1 h).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { MS_PER_DAY, MS_PER_HOUR } from '../src/core';
import { DEFAULT_LOCAL_PARAMS, forecastLocalValues, historyNeededMs, type LocalParams } from '../forecasts/local';
import { ReplaySource, type MeasuredSeries } from '../forecasts/replay';

const DATA_DIR = process.env.CARBOND_DATA_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'data');
const LEADS_H = [24, 48, 72];
const WARMUP_MS = 28 * MS_PER_DAY;

interface ZoneSpec {
  zone: string;
  files: string[];
}

const ZONES_A: ZoneSpec[] = [
  ...['GB', 'DE', 'FR', 'PL', 'ES', 'NL'].map((z) => ({ zone: z, files: [`${z}_2021_em-lca.csv`, `${z}_2022_em-lca.csv`] })),
  ...['CAISO', 'ERCOT', 'PJM'].map((z) => ({ zone: z, files: [`${z}_2021_carboncast-lca.csv`, `${z}_2022_carboncast-lca.csv`] })),
];
const DACF_ZONES = ['CAISO', 'DE', 'ERCOT', 'ISONE', 'PJM', 'SE'];

/** Sum of absolute percentage errors and count, per method and lead. */
export class Scores {
  private readonly acc = new Map<string, { sum: number; n: number }>();
  add(method: string, leadH: number, forecast: number, actual: number): void {
    if (!(actual > 0) || Number.isNaN(forecast)) return;
    const key = `${method}@${leadH}`;
    const a = this.acc.get(key) ?? { sum: 0, n: 0 };
    a.sum += Math.abs(forecast - actual) / actual;
    a.n++;
    this.acc.set(key, a);
  }
  mape(method: string, leadH: number): number {
    const a = this.acc.get(`${method}@${leadH}`);
    return a && a.n > 0 ? (100 * a.sum) / a.n : NaN;
  }
  count(method: string, leadH: number): number {
    return this.acc.get(`${method}@${leadH}`)?.n ?? 0;
  }
}

/** Dense truth lookup over a measured series (NaN where missing). */
function truthOf(s: MeasuredSeries): (tMs: number) => number {
  const first = s.startMs[0] as number;
  const n = Math.round(((s.startMs[s.startMs.length - 1] as number) - first) / s.stepMs) + 1;
  const dense = new Float64Array(n).fill(NaN);
  s.startMs.forEach((t, i) => (dense[Math.round((t - first) / s.stepMs)] = s.gPerKWh[i] as number));
  return (tMs) => {
    const i = (tMs - first) / s.stepMs;
    return Number.isInteger(i) && i >= 0 && i < n ? (dense[i] as number) : NaN;
  };
}

interface OriginEval {
  src: ReplaySource;
  zone: string;
  originMs: number;
  truth: (tMs: number) => number;
  scores: Scores;
  leadsH: readonly number[];
  params?: Partial<LocalParams>;
  withProvider: boolean;
}

/** Scores the naive forecasts, the local forecaster and (optionally) the provider forecast and the blend at one origin. */
function evalOrigin(e: OriginEval): void {
  const stepMs = e.src.stepMs(e.zone) as number;
  const history = e.src.measuredView(e.zone, e.originMs - historyNeededMs({ ...DEFAULT_LOCAL_PARAMS, ...e.params }), e.originMs, e.originMs);
  if (!history) return;
  const maxLeadMs = Math.max(...e.leadsH) * MS_PER_HOUR;
  const local = forecastLocalValues({ history, nowMs: e.originMs, horizonMs: maxLeadMs - 1, params: e.params });
  const issue = e.withProvider ? e.src.forecastViewAt(e.zone, e.originMs) : undefined;
  const blend = issue && forecastLocalValues({ history, providerForecast: issue, nowMs: e.originMs, horizonMs: maxLeadMs - 1, params: e.params });
  for (const leadH of e.leadsH) {
    const j = (leadH * MS_PER_HOUR) / stepMs - 1;
    const targetMs = e.originMs + j * stepMs;
    const actual = e.truth(targetMs);
    const known = (tMs: number): number => (tMs + stepMs <= e.originMs ? e.truth(tMs) : NaN);
    e.scores.add('yesterday', leadH, known(targetMs - Math.ceil(leadH / 24) * MS_PER_DAY), actual);
    e.scores.add('last week', leadH, known(targetMs - 7 * MS_PER_DAY), actual);
    e.scores.add('local', leadH, local.gPerKWh[j] as number, actual);
    if (!issue || !blend) continue;
    e.scores.add('local+dacf', leadH, blend.gPerKWh[j] as number, actual);
    const k = Array.prototype.indexOf.call(issue.startMs, targetMs) as number;
    if (k >= 0) {
      e.scores.add('dacf', leadH, issue.gPerKWh[k] as number, actual);
      e.scores.add('blend@dacf', leadH, blend.gPerKWh[j] as number, actual);
    }
  }
}

function fmt(x: number): string {
  return Number.isNaN(x) ? '   n/a' : x.toFixed(1).padStart(6);
}

function printTable(title: string, rows: { zone: string; scores: Scores }[], methods: string[], leadsH: readonly number[]): void {
  console.log(`\n${title}`);
  console.log(['zone   ', 'lead', '    n', ...methods.map((m) => m.padStart(11))].join(' | '));
  for (const r of rows) {
    for (const leadH of leadsH) {
      const cells = methods.map((m) => `${fmt(r.scores.mape(m, leadH))}${r.scores.count(m, leadH) === r.scores.count('local', leadH) ? '     ' : ` n${String(r.scores.count(m, leadH)).padStart(3)}`}`);
      console.log([r.zone.padEnd(7), `${leadH}h`.padStart(4), String(r.scores.count('local', leadH)).padStart(5), ...cells].join(' | '));
    }
  }
}

export function benchHeldOut(fromIso: string, toIso: string, params?: Partial<LocalParams>, yearFiles = ['2021', '2022'], leadsH: readonly number[] = LEADS_H): { zone: string; scores: Scores }[] {
  const out: { zone: string; scores: Scores }[] = [];
  for (const spec of ZONES_A) {
    const files = spec.files.filter((f) => yearFiles.some((y) => f.includes(`_${y}_`))).map((f) => path.join(DATA_DIR, f));
    if (!files.every((f) => existsSync(f))) continue;
    const src = ReplaySource.fromFiles(files.map((p) => ({ path: p })));
    const series = src.truth(spec.zone) as MeasuredSeries;
    const truth = truthOf(series);
    const scores = new Scores();
    const startMs = Math.max(Date.parse(fromIso), (series.startMs[0] as number) + WARMUP_MS);
    for (let o = startMs; o < Date.parse(toIso); o += 5 * MS_PER_HOUR) evalOrigin({ src, zone: spec.zone, originMs: o, truth, scores, leadsH, params, withProvider: false });
    out.push({ zone: spec.zone, scores });
  }
  return out;
}

export function benchDacf(params?: Partial<LocalParams>): { zone: string; scores: Scores }[] {
  const out: { zone: string; scores: Scores }[] = [];
  for (const zone of DACF_ZONES) {
    const files = [`${zone}_2021_dacf.csv`, `${zone}_2021_dacf_forecast.csv`].map((f) => path.join(DATA_DIR, f));
    if (!files.every((f) => existsSync(f))) continue;
    const src = ReplaySource.fromFiles(files.map((p) => ({ path: p })));
    const series = src.truth(zone) as MeasuredSeries;
    const truth = truthOf(series);
    const scores = new Scores();
    const first = (series.startMs[0] as number) + WARMUP_MS;
    const last = series.startMs[series.startMs.length - 1] as number;
    for (let o = first; o < last; o += 6 * MS_PER_HOUR) evalOrigin({ src, zone, originMs: o, truth, scores, leadsH: [6, 12, 24, 48, 72], params, withProvider: true });
    out.push({ zone, scores });
  }
  return out;
}

function main(): void {
  if (!existsSync(DATA_DIR)) {
    console.log(`bench:forecast skipped: no trace data at ${DATA_DIR} (set CARBOND_DATA_DIR)`);
    return;
  }
  const t0 = process.hrtime.bigint();
  const a = benchHeldOut('2022-01-01T00:00:00Z', '2022-12-29T00:00:00Z');
  printTable('A. MAPE % by lead, 2022 (held out), origins every 5 h — local vs naive', a, ['yesterday', 'last week', 'local'], LEADS_H);
  const b = benchDacf();
  printTable('B. MAPE % by lead, Jul–Dec 2021 DACF zones (direct), origins every 6 h — with the day-ahead forecast', b, ['yesterday', 'last week', 'local', 'local+dacf', 'dacf', 'blend@dacf'], [6, 12, 24, 48, 72]);
  let wins = 0;
  let cells = 0;
  for (const r of [...a, ...b]) {
    for (const leadH of LEADS_H) {
      cells++;
      if (r.scores.mape('local', leadH) < Math.min(r.scores.mape('yesterday', leadH), r.scores.mape('last week', leadH))) wins++;
    }
  }
  console.log(`\nlocal beats both naive forecasts in ${wins}/${cells} (zone, lead) cells at 24/48/72 h`);
  console.log(`\n(${Number(process.hrtime.bigint() - t0) / 1e9}s)`);
}

if (require.main === module) main();
