/**
 * Status contributors: each adds its part (`zones`, `jobs`, `notes`, or a new top-level
 * key) to a `StatusReport`. They run inside the daemon for `GET /v1/status` (live: true)
 * and inside the CLI on a read-only ledger when the daemon is down (live: false), so they
 * must only READ the ledger. A contributor that throws becomes a note; status still answers.
 */
import type { Logger } from '../../core/logger';
import type { Config } from '../../config/types';
import type { Db } from '../../ledger/db';
import { statusContributors } from './contributors';
import type { StatusReport } from './types';

export interface StatusInput {
  /** The ledger (writable in the daemon, read-only in the CLI fallback). */
  db: Db;
  /** The configuration, loaded on first call (in the CLI fallback this costs zod; call only if needed). */
  config(): Config;
  nowMs: number;
  /** True inside the running daemon. */
  live: boolean;
  logger: Logger;
}

export interface StatusContributor {
  name: string;
  contribute(input: StatusInput, report: StatusReport): void | Promise<void>;
  /** Extra text lines for people (`carbond status` without --json); optional. */
  render?(report: StatusReport): string[];
}

/** Runs every registered contributor (or `contributors`) on `report`, in order. */
export async function runStatusContributors(input: StatusInput, report: StatusReport, contributors: readonly StatusContributor[] = statusContributors): Promise<StatusReport> {
  for (const c of contributors) {
    try {
      await c.contribute(input, report);
    } catch (err) {
      report.notes.push(`status part "${c.name}" failed: ${err instanceof Error ? err.message : String(err)}`);
      input.logger.warn('status contributor failed', { contributor: c.name, err });
    }
  }
  return report;
}
