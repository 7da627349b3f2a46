/**
 * Migration 2: the carbon signal's bookkeeping. Append-only: never edit once landed.
 * - `intensity_points.estimated`: Electricity Maps flags modelled "measured" values; the
 *   static yearly average is always estimated.
 * - `zone_status`: per zone, which provider served it last, when it last succeeded and why
 *   it is stale (what `carbond status` shows; survives daemon restarts).
 */
export const migration0002 = {
  version: 2,
  name: 'signal',
  sql: `
ALTER TABLE intensity_points ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0 CHECK (estimated IN (0, 1));

CREATE TABLE zone_status (
  zone            TEXT    PRIMARY KEY,
  provider        TEXT,
  last_ok_at      INTEGER,
  last_attempt_at INTEGER NOT NULL,
  stale           INTEGER NOT NULL CHECK (stale IN (0, 1)),
  reason          TEXT
);
`,
};
