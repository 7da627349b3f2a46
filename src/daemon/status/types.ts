/**
 * The shape of `carbond status --json` (and of `GET /v1/status`). `zones` and `jobs` are
 * filled by status contributors (./contributors), the same way whether the daemon answers
 * or the CLI reads the ledger read-only while it is down.
 */

export interface DaemonStatus {
  running: boolean;
  /** The live daemon's pid, or the last run's pid when stopped; null if it never ran. */
  pid: number | null;
  /** ISO-8601 UTC. */
  startedAt: string | null;
  version: string | null;
  /** ISO-8601 UTC, when not running and the last run recorded a stop. */
  stoppedAt?: string | null;
  stopReason?: string | null;
  socketPath: string;
}

export interface LedgerStatus {
  path: string;
  exists: boolean;
  /** Newest applied migration; null when there is no ledger. */
  schemaVersion: number | null;
}

/** One zone's line in status; contributors add fields (signal, freshness, provider…). */
export interface ZoneStatus {
  zone: string;
  [field: string]: unknown;
}

/** One job's line in status; contributors add fields (deadline, progress, plan…). */
export interface JobStatus {
  id: string;
  state: string;
  [field: string]: unknown;
}

export interface StatusReport {
  /** Who answered: the live daemon, the ledger read-only, or nothing (no ledger yet). */
  source: 'daemon' | 'ledger' | 'none';
  daemon: DaemonStatus;
  ledger: LedgerStatus;
  zones: ZoneStatus[];
  jobs: JobStatus[];
  /** Things a person should know (stale signal, failing open, a contributor failed). */
  notes: string[];
}
