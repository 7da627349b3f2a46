/**
 * Read-only queries for `carbond status` for people: each job's newest planned action and
 * when its step was last reported, and — when the CLI reads a state dir without a daemon —
 * the ledger's own zones and newest jobs (a ledger written by `carbond simulate` has its own
 * zones, not the config's). Every query is bounded by the jobs asked for or a LIMIT.
 */
import type { Db } from './db';
import { currentStates } from './jobs';

export interface PlannedAction {
  /** When the decision was made, ms UTC. */
  atMs: number;
  action: string;
  site: string | null;
  reason: string;
}

/** The newest stored decision of each job in `jobIds` (a decision is stored when the action or site changes). */
export function latestDecisions(db: Db, jobIds: readonly string[]): Map<string, PlannedAction> {
  const stmt = db.prepare('SELECT at, action, site, reason FROM decisions WHERE job_id = ? ORDER BY id DESC LIMIT 1');
  const out = new Map<string, PlannedAction>();
  for (const id of jobIds) {
    const r = stmt.get(id) as { at: number; action: string; site: string | null; reason: string } | undefined;
    if (r) out.set(id, { atMs: r.at, action: r.action, site: r.site, reason: r.reason });
  }
  return out;
}

/** When each job's newest progress report arrived (the "as of" of its step), ms UTC. */
export function lastProgressAt(db: Db, jobIds: readonly string[]): Map<string, number> {
  const stmt = db.prepare('SELECT MAX(p.at) AS at FROM progress p JOIN runs r ON r.id = p.run_id WHERE r.job_id = ?');
  const out = new Map<string, number>();
  for (const id of jobIds) {
    const r = stmt.get(id) as { at: number | null };
    if (r.at !== null) out.set(id, r.at);
  }
  return out;
}

/** When the newest plan asked to be woken (the next planned change), ms UTC; null when none. */
export function nextWakeAt(db: Db): number | null {
  const r = db.prepare('SELECT next_wake_at FROM plans ORDER BY id DESC LIMIT 1').get() as { next_wake_at: number | null } | undefined;
  return r?.next_wake_at ?? null;
}

export interface LedgerZone {
  zone: string;
  /** Provider of the newest measured point (or the newest point when none is measured). */
  provider: string;
  /** Start of that point, ms UTC. */
  lastPointMs: number;
  gPerKWh: number;
  kind: 'measured' | 'forecast';
  estimated: boolean;
}

/** Each zone with intensity points in the ledger, with its newest point (measured preferred). */
export function ledgerZones(db: Db): LedgerZone[] {
  const zones = db.prepare('SELECT DISTINCT zone FROM intensity_points ORDER BY zone').all() as Array<{ zone: string }>;
  const newest = db.prepare(`SELECT provider, start, g_per_kwh, kind, estimated FROM intensity_points WHERE zone = ?
    ORDER BY (kind = 'measured') DESC, start DESC, issued_at DESC LIMIT 1`);
  return zones.map(({ zone }) => {
    const r = newest.get(zone) as { provider: string; start: number; g_per_kwh: number; kind: 'measured' | 'forecast'; estimated: number };
    return { zone, provider: r.provider, lastPointMs: r.start, gPerKWh: r.g_per_kwh, kind: r.kind, estimated: r.estimated === 1 };
  });
}

export interface RecentJob {
  id: string;
  name: string;
  owner: string;
  state: string;
  homeSite: string;
  submittedAtMs: number;
  /** When it reached its current state, ms UTC. */
  stateAtMs: number | null;
  tags: Record<string, string>;
}

/** The `limit` newest jobs by submission, any state. */
export function recentJobs(db: Db, limit = 10): RecentJob[] {
  const rows = db.prepare(`SELECT id, name, owner, home_site, submitted_at, tags_json,
      (SELECT MAX(at) FROM transitions t WHERE t.job_id = jobs.id) AS state_at
    FROM jobs ORDER BY submitted_at DESC, id DESC LIMIT ?`).all(limit) as Array<{ id: string; name: string; owner: string; home_site: string; submitted_at: number; tags_json: string; state_at: number | null }>;
  const states = currentStates(db);
  return rows.map((r) => ({
    id: r.id, name: r.name, owner: r.owner, state: states.get(r.id) ?? 'queued', homeSite: r.home_site,
    submittedAtMs: r.submitted_at, stateAtMs: r.state_at, tags: JSON.parse(r.tags_json) as Record<string, string>,
  }));
}
