/**
 * Page one's figures: a trend over months (weeks when the period is short), breakdowns by
 * owner and by tag (project, team…), and by the zone where the energy was used. Pure;
 * every number rounded as `figures.ts` rounds it.
 */
import type { JobAccount } from '../accounting/job';
import { MS_PER_DAY } from '../core/units';
import { G_DECIMALS, KWH_DECIMALS, PCT_DECIMALS, round } from './figures';

/** One period of the trend (jobs by submission time, as every report groups them). */
export interface TrendPoint {
  /** `2021-07` (month) or `2021-W27` (ISO week). */
  period: string;
  /** First instant of the period, ISO UTC. */
  start: string;
  jobs: number;
  energyKWh: number;
  actualG: number;
  baselineG: number;
  avoidedG: number;
  avoidedPct: number | null;
}

export interface Trend { unit: 'month' | 'week'; points: TrendPoint[] }

/** A row of a breakdown by owner or tag. */
export interface BreakdownRow {
  key: string;
  jobs: number;
  energyKWh: number;
  actualG: number;
  baselineG: number;
  avoidedG: number;
  avoidedPct: number | null;
  /** Share of all the period's energy, %. */
  energySharePct: number;
}

export interface Breakdown {
  /** `owner` or `tag:KEY`. */
  by: string;
  rows: BreakdownRow[];
}

/** Energy and emissions by the zone where the energy was used (not the home zone). */
export interface ZoneUse {
  zone: string;
  energyKWh: number;
  actualG: number;
  energySharePct: number;
  /** actual / energy, gCO2e/kWh; null without energy. */
  gPerKWh: number | null;
}

/** Periods up to this long are trended by week, longer ones by month. */
export const WEEKLY_UP_TO_MS = 62 * MS_PER_DAY;

/** Monday 00:00 UTC of the ISO week of `ms`, and its label. @example weekOf(2021-07-07) → { startMs: 2021-07-05, label: '2021-W27' } */
export function weekOf(ms: number): { startMs: number; label: string } {
  const day = Math.floor(ms / MS_PER_DAY);
  const monday = day - ((new Date(day * MS_PER_DAY).getUTCDay() + 6) % 7);
  const thursday = new Date((monday + 3) * MS_PER_DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * MS_PER_DAY)) + 1;
  return { startMs: monday * MS_PER_DAY, label: `${year}-W${String(week).padStart(2, '0')}` };
}

function monthStart(ms: number): { startMs: number; label: string } {
  const d = new Date(ms);
  const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return { startMs, label: new Date(startMs).toISOString().slice(0, 7) };
}

interface Sums { jobs: number; energyKWh: number; actualG: number; baselineG: number }

function add(s: Sums, a: JobAccount): void {
  s.jobs += 1;
  s.energyKWh += a.energyKWh;
  s.actualG += a.actual.g;
  s.baselineG += a.baseline.g;
}

function rounded(s: Sums): Omit<TrendPoint, 'period' | 'start'> {
  const avoided = s.baselineG - s.actualG;
  return {
    jobs: s.jobs, energyKWh: round(s.energyKWh, KWH_DECIMALS), actualG: round(s.actualG, G_DECIMALS), baselineG: round(s.baselineG, G_DECIMALS),
    avoidedG: round(avoided, G_DECIMALS), avoidedPct: s.baselineG > 0 ? round((avoided / s.baselineG) * 100, PCT_DECIMALS) : null,
  };
}

/** The trend over the period `[fromMs, toMs)` (by week when it spans at most `WEEKLY_UP_TO_MS`), empty periods included. */
export function trendOf(accounts: readonly JobAccount[], fromMs: number, toMs: number): Trend {
  const unit = toMs - fromMs <= WEEKLY_UP_TO_MS ? 'week' : 'month';
  const bucket = unit === 'week' ? weekOf : monthStart;
  const by = new Map<string, { startMs: number; sums: Sums }>();
  for (let t = bucket(fromMs).startMs; t < toMs; t = unit === 'week' ? t + 7 * MS_PER_DAY : Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + 1, 1)) {
    const b = bucket(t);
    by.set(b.label, { startMs: b.startMs, sums: { jobs: 0, energyKWh: 0, actualG: 0, baselineG: 0 } });
  }
  for (const a of accounts) {
    const b = bucket(a.job.submittedAtMs);
    const entry = by.get(b.label) ?? { startMs: b.startMs, sums: { jobs: 0, energyKWh: 0, actualG: 0, baselineG: 0 } };
    add(entry.sums, a);
    by.set(b.label, entry);
  }
  const points = [...by].sort(([, a], [, b]) => a.startMs - b.startMs)
    .map(([period, { startMs, sums }]) => ({ period, start: new Date(startMs).toISOString(), ...rounded(sums) }));
  return { unit, points };
}

/** Rows of one breakdown, largest baseline first. `keyOf` gives a job's key. */
export function breakdownOf(by: string, accounts: readonly JobAccount[], keyOf: (a: JobAccount) => string): Breakdown {
  const sums = new Map<string, Sums>();
  let totalKWh = 0;
  for (const a of accounts) {
    const k = keyOf(a);
    const s = sums.get(k) ?? { jobs: 0, energyKWh: 0, actualG: 0, baselineG: 0 };
    add(s, a);
    sums.set(k, s);
    totalKWh += a.energyKWh;
  }
  const rows = [...sums].map(([key, s]) => ({ key, ...rounded(s), energySharePct: totalKWh > 0 ? round((s.energyKWh / totalKWh) * 100, PCT_DECIMALS) : 0 }))
    .sort((a, b) => b.baselineG - a.baselineG || a.key.localeCompare(b.key));
  return { by, rows: rows.map(({ jobs, key, energyKWh, actualG, baselineG, avoidedG, avoidedPct, energySharePct }) => ({ key, jobs, energyKWh, actualG, baselineG, avoidedG, avoidedPct, energySharePct })) };
}

/** The breakdowns page one offers: by owner, then by every tag key the jobs carry (`simulated` left out). */
export function breakdownsOf(accounts: readonly JobAccount[]): Breakdown[] {
  const tagKeys = [...new Set(accounts.flatMap((a) => Object.keys(a.job.tags)))].filter((k) => k !== 'simulated').sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return [
    ...tagKeys.map((k) => breakdownOf(`tag:${k}`, accounts, (a) => a.job.tags[k] ?? '(none)')),
    breakdownOf('owner', accounts, (a) => a.job.owner),
  ];
}

/** Project and team come first: the breakdowns management asks for. */
function rank(tag: string): number {
  const i = ['project', 'team'].indexOf(tag);
  return i === -1 ? 2 : i;
}

/** Energy and emissions by the zone where they were used: the jobs' places, summed by zone (a place without samples adds no row). */
export function zonesUsedOf(accounts: readonly JobAccount[]): ZoneUse[] {
  const tally = new ZoneUseTally();
  for (const a of accounts) for (const p of a.places) if (p.samples > 0) tally.add(p.zone, p.actual.energyKWh, p.actual.g);
  return tally.rows();
}

/** Per-zone sums of the energy used there and the grams it was priced at. */
class ZoneUseTally {
  private readonly by = new Map<string, { energyKWh: number; g: number }>();

  add(zone: string, energyKWh: number, g: number): void {
    const z = this.by.get(zone) ?? { energyKWh: 0, g: 0 };
    z.energyKWh += energyKWh;
    z.g += g;
    this.by.set(zone, z);
  }

  rows(): ZoneUse[] {
    const total = [...this.by.values()].reduce((s, z) => s + z.energyKWh, 0);
    return [...this.by].sort(([a, x], [b, y]) => y.energyKWh - x.energyKWh || a.localeCompare(b)).map(([zone, z]) => ({
      zone, energyKWh: round(z.energyKWh, KWH_DECIMALS), actualG: round(z.g, G_DECIMALS),
      energySharePct: total > 0 ? round((z.energyKWh / total) * 100, PCT_DECIMALS) : 0,
      gPerKWh: z.energyKWh > 0 ? round(z.g / z.energyKWh, 1) : null,
    }));
  }
}
