/**
 * The cumulative figures behind `carbond_{energy_joules,emissions_grams,avoided_grams}_total`:
 * every job the ledger holds, accounted as `carbond report` accounts it: energy and emissions
 * by the zone and site where they were used, avoided grams by the job's home zone and site. Derived from the ledger at scrape time (not counted in memory), so a
 * restarted daemon carries on from the same totals instead of starting again from 0, and
 * `rate()`/`increase()` see no reset.
 *
 * A Prometheus counter must never go down, but two of these figures can: emissions priced
 * with a forecast are re-priced when measured intensity arrives (lower, if the forecast was
 * high), and a job's avoided grams fall while its pause overheads outweigh its gains. Each
 * series therefore reports its high-water mark: the ledger's figure when it is the largest
 * yet, otherwise the largest reported before. The marks are kept in
 * `<stateDir>/metrics-counters.json`, so that holds across restarts too. `carbond report`
 * has the exact figures; the counters are for rates over time.
 *
 * @example a zone's emissions 120 g (forecast-priced), then 110 g once measured, then 130 g:
 *          the counter reads 120, 120, 130.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Db } from '../../ledger/db';
import { ledgerChangeMark } from '../../ledger/metrics-totals';
import { loadReportRows } from '../../ledger/report-rows';
import { buildReport } from '../../reports/build';
import { J_PER_KWH } from './exposition';

/** One (zone, site) series of the three counters, in base units. */
export interface CounterTotals {
  zone: string;
  site: string;
  energyJ: number;
  emissionsG: number;
  avoidedG: number;
}

type Figure = 'energyJ' | 'emissionsG' | 'avoidedG';
const FIGURES: readonly Figure[] = ['energyJ', 'emissionsG', 'avoidedG'];

/** The file, relative to the state dir, that keeps each series' high-water marks. */
export const MARKS_FILE = 'metrics-counters.json';

/** Pure: the ledger-derived totals raised to the marks (never below them, never below 0). */
export function raiseToMarks(derived: readonly CounterTotals[], marks: ReadonlyMap<string, CounterTotals>): CounterTotals[] {
  const out = new Map<string, CounterTotals>();
  for (const m of marks.values()) out.set(keyOf(m), { ...m });
  for (const d of derived) {
    const now = out.get(keyOf(d)) ?? { zone: d.zone, site: d.site, energyJ: 0, emissionsG: 0, avoidedG: 0 };
    for (const f of FIGURES) now[f] = Math.max(now[f], d[f], 0);
    out.set(keyOf(d), now);
  }
  return [...out.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

function keyOf(t: Pick<CounterTotals, 'zone' | 'site'>): string {
  return `${t.zone}\u0000${t.site}`;
}

/**
 * Every job's figures (the report's accounting, all of the ledger): energy and emissions by
 * the site (and its zone) where they were used, as `report --group-by site` puts them; avoided
 * grams by the job's home zone and site, where its baseline is (a job moved away would
 * otherwise show negative avoided grams at the site that took its work, which a counter cannot).
 */
export function ledgerTotals(db: Db, nowMs: number, siteZones: Readonly<Record<string, string>>): CounterTotals[] {
  const rows = loadReportRows(db, {}, siteZones);
  const report = buildReport(rows, { nowMs, groupBy: 'site' });
  const by = new Map<string, CounterTotals>();
  const at = (zone: string, site: string): CounterTotals => {
    const key = keyOf({ zone, site });
    let t = by.get(key);
    if (!t) by.set(key, (t = { zone, site, energyJ: 0, emissionsG: 0, avoidedG: 0 }));
    return t;
  };
  for (const g of report.groups) {
    const t = at(rows.siteZones[g.key] ?? siteZones[g.key] ?? 'unknown', g.key);
    t.energyJ += g.figures.energyKWh * J_PER_KWH;
    t.emissionsG += g.figures.actualG;
  }
  for (const j of report.jobs) at(j.homeZone, j.homeSite).avoidedG += j.figures.avoidedG;
  return [...by.values()];
}

/**
 * The counters' source for one daemon: recomputes only when the ledger has changed (see
 * `ledgerChangeMark`), raises to the marks, and saves new marks (write, then rename).
 */
export class LedgerCounters {
  private mark: string | undefined;
  private current: CounterTotals[] = [];
  private readonly marks: Map<string, CounterTotals>;
  private readonly file: string;

  constructor(private readonly db: Db, stateDir: string, private readonly siteZones: Readonly<Record<string, string>>) {
    this.file = path.join(stateDir, MARKS_FILE);
    this.marks = new Map(readMarks(this.file).map((m) => [keyOf(m), m]));
  }

  /** The totals to report now. */
  totals(nowMs: number): CounterTotals[] {
    const mark = ledgerChangeMark(this.db);
    if (mark === this.mark) return this.current;
    const next = raiseToMarks(ledgerTotals(this.db, nowMs, this.siteZones), this.marks);
    const changed = next.some((t) => FIGURES.some((f) => t[f] !== this.marks.get(keyOf(t))?.[f]));
    for (const t of next) this.marks.set(keyOf(t), t);
    // A mark that cannot be saved (disk full, read-only) still holds for this process.
    if (changed) {
      try { writeMarks(this.file, next); } catch { /* kept in memory */ }
    }
    this.mark = mark;
    this.current = next;
    return next;
  }
}

function readMarks(file: string): CounterTotals[] {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter((m): m is CounterTotals => typeof m === 'object' && m !== null && typeof m.zone === 'string' && typeof m.site === 'string'
      && FIGURES.every((f) => typeof (m as Record<string, unknown>)[f] === 'number' && Number.isFinite((m as Record<string, number>)[f])));
  } catch {
    return []; // none yet, or unreadable: the ledger's figures are the marks
  }
}

function writeMarks(file: string, totals: readonly CounterTotals[]): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(totals)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
