/**
 * Where the signal service keeps what it learned. Implemented by the ledger
 * (`src/ledger/intensity.ts`, `src/ledger/zone-status.ts`) and, for tests and one-shot CLI
 * commands, by `MemorySignalStore` below.
 */
import type { IntensityPoint } from './types';

export interface PointStore {
  /** Keeps `points` (duplicates of a known point are ignored). Returns how many were new. */
  savePoints(points: readonly IntensityPoint[], fetchedAtMs: number): number;
  /** Every known point of `zone` with `startMs` in `[fromMs, toMs)`, any provider, any issuedAt. */
  loadPoints(zone: string, fromMs: number, toMs: number): IntensityPoint[];
  /** The latest `startMs + durationMs` of a measured point of `zone`, or undefined. */
  measuredUntilMs(zone: string): number | undefined;
}

/** What `carbond status` shows per zone. */
export interface ZoneStatus {
  zone: string;
  /** The provider whose data the zone is using (last successful one; `static` when only that). */
  provider: string | null;
  /** Last successful refresh, UTC ms; null when never. */
  lastOkAtMs: number | null;
  /** Last refresh attempt, UTC ms. */
  lastAttemptAtMs: number;
  /** Age of the zone's data at `lastAttemptAtMs`… recomputed by `zoneStatuses(now)`; null when none. */
  dataAgeMs: number | null;
  /** True when the last good data is older than the zone's `staleAfterMs` or only the static average is left. */
  stale: boolean;
  /** Why it is stale (each provider's failure), or null. */
  reason: string | null;
}

export interface ZoneStatusStore {
  saveZoneStatus(status: ZoneStatus): void;
  loadZoneStatuses(): ZoneStatus[];
}

export type SignalStore = PointStore & ZoneStatusStore;

/** An in-memory store: for tests, `carbond forecast` and `simulate`. */
export class MemorySignalStore implements SignalStore {
  private readonly points = new Map<string, IntensityPoint>();
  private readonly statuses = new Map<string, ZoneStatus>();

  savePoints(points: readonly IntensityPoint[], _fetchedAtMs?: number): number {
    let added = 0;
    for (const p of points) {
      const key = [p.zone, p.provider, p.signal, p.kind, p.startMs, p.issuedAtMs].join('|');
      if (!this.points.has(key)) added++;
      this.points.set(key, p);
    }
    return added;
  }

  loadPoints(zone: string, fromMs: number, toMs: number): IntensityPoint[] {
    return [...this.points.values()].filter((p) => p.zone === zone && p.startMs >= fromMs && p.startMs < toMs).sort((a, b) => a.startMs - b.startMs);
  }

  measuredUntilMs(zone: string): number | undefined {
    let until: number | undefined;
    for (const p of this.points.values()) {
      if (p.zone === zone && p.kind === 'measured') until = Math.max(until ?? -Infinity, p.startMs + p.durationMs);
    }
    return until;
  }

  saveZoneStatus(status: ZoneStatus): void {
    this.statuses.set(status.zone, { ...status });
  }

  loadZoneStatuses(): ZoneStatus[] {
    return [...this.statuses.values()].sort((a, b) => a.zone.localeCompare(b.zone));
  }
}
