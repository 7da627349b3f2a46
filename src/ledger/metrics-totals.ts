/**
 * What the Prometheus counters (src/daemon/metrics/counters.ts) read from the ledger: a
 * mark that changes whenever anything their figures are priced from may have changed, so
 * a scrape recomputes the cumulative totals only then. Read-only.
 */
import type { Db } from './db';

/**
 * `energy samples/transitions/intensity points` as one text: the newest energy sample and
 * transition ids, and the intensity points' count and newest fetch time (their key is not a
 * rowid). Equal marks: nothing the totals are computed from has been added.
 * @example ledgerChangeMark(db) === '1042/77/9120@1893996000000'
 */
export function ledgerChangeMark(db: Db): string {
  const row = db.prepare(`SELECT
      (SELECT COALESCE(MAX(id), 0) FROM energy_samples) AS samples,
      (SELECT COALESCE(MAX(id), 0) FROM transitions) AS transitions,
      (SELECT COUNT(*) FROM intensity_points) AS points,
      (SELECT COALESCE(MAX(fetched_at), 0) FROM intensity_points) AS fetched`).get() as { samples: number; transitions: number; points: number; fetched: number };
  return `${row.samples}/${row.transitions}/${row.points}@${row.fetched}`;
}
