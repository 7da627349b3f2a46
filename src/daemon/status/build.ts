/**
 * Builds the status report, either inside the daemon (live) or from the ledger opened
 * read-only while the daemon is down. Creates nothing: with no ledger file, it answers
 * from the paths alone.
 */
import * as fs from 'node:fs';
import { isoUtc } from '../../core/clock';
import type { Logger } from '../../core/logger';
import type { Config } from '../../config/types';
import type { ResolvedLocations } from '../../config/locations';
import type { DaemonContext } from '../context';
import { runStatusContributors } from './contribute';
import type { StatusReport } from './types';

/** The report of the running daemon (`GET /v1/status`). */
export async function liveStatus(ctx: DaemonContext): Promise<StatusReport> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { schemaVersion } = require('../../ledger/daemon-runs') as typeof import('../../ledger/daemon-runs');
  const report: StatusReport = {
    source: 'daemon',
    daemon: { running: true, pid: ctx.pid, startedAt: isoUtc(ctx.startedAtMs), version: ctx.version, socketPath: ctx.config.socketPath },
    ledger: { path: ctx.ledgerPath, exists: true, schemaVersion: schemaVersion(ctx.db) },
    zones: [],
    jobs: [],
    notes: [],
  };
  return runStatusContributors({ db: ctx.db, config: () => ctx.config, nowMs: ctx.clock.now(), live: true, logger: ctx.logger }, report);
}

export interface LedgerStatusOptions {
  nowMs: number;
  /** Loads the full configuration on demand (only contributors that need it call it). */
  config(): Config;
  logger: Logger;
  /** Pid of a live process holding the state-dir lock, if any (it did not answer the socket). */
  lockHolderPid?: number;
}

/** The report while the daemon is down: read-only ledger, or nothing at all. */
export async function ledgerStatus(where: ResolvedLocations, options: LedgerStatusOptions): Promise<StatusReport> {
  const report: StatusReport = {
    source: 'none',
    daemon: { running: false, pid: null, startedAt: null, version: null, stoppedAt: null, stopReason: null, socketPath: where.socketPath },
    ledger: { path: where.ledgerPath, exists: false, schemaVersion: null },
    zones: [],
    jobs: [],
    notes: [],
  };
  if (options.lockHolderPid !== undefined) {
    report.notes.push(`a daemon (pid ${options.lockHolderPid}) holds ${where.stateDir} but does not answer on ${where.socketPath}`);
  }
  if (!fs.existsSync(where.ledgerPath)) {
    report.notes.push(`no ledger at ${where.ledgerPath}: the daemon has never run with this state dir`);
    return report;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openLedger } = require('../../ledger/db') as typeof import('../../ledger/db');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runs = require('../../ledger/daemon-runs') as typeof import('../../ledger/daemon-runs');
  const db = openLedger(where.ledgerPath, { readonly: true, nowMs: options.nowMs });
  try {
    report.source = 'ledger';
    report.ledger = { path: where.ledgerPath, exists: true, schemaVersion: runs.schemaVersion(db) };
    const last = runs.lastDaemonRun(db);
    if (last) {
      report.daemon = {
        ...report.daemon,
        pid: last.pid,
        startedAt: isoUtc(last.startedAtMs),
        version: last.version,
        stoppedAt: last.stoppedAtMs === null ? null : isoUtc(last.stoppedAtMs),
        stopReason: last.stopReason,
      };
    }
    return await runStatusContributors({ db, config: options.config, nowMs: options.nowMs, live: false, logger: options.logger }, report);
  } finally {
    db.close();
  }
}
