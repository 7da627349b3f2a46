/**
 * `carbond status`: asks the daemon (2 s timeout); when none answers, reads the ledger
 * read-only and says `daemon: not running`; with no ledger at all it still answers and
 * creates nothing. Exit 0 in every case where it could answer.
 */
import type { StatusReport } from '../../daemon/status/types';
import type { CliCommand } from '../command';
import { withJson } from '../command';
import type { CliContext } from '../context';
import { callDaemon, DaemonUnavailableError } from '../daemon-client';
import { renderStatus } from './status-render';

async function fetchStatus(ctx: CliContext): Promise<StatusReport> {
  const where = ctx.locations();
  try {
    return await callDaemon<StatusReport>(where.socketPath, { path: '/v1/status' });
  } catch (err) {
    if (!(err instanceof DaemonUnavailableError)) throw err;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ledgerStatus } = require('../../daemon/status/build') as typeof import('../../daemon/status/build');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { lockOwner } = require('../../daemon/lock') as typeof import('../../daemon/lock');
  return ledgerStatus(where, { nowMs: ctx.clock.now(), config: () => ctx.configForReading(), logger: ctx.logger, lockHolderPid: lockOwner(where.stateDir) });
}

export const statusCommand: CliCommand = {
  command: 'status',
  describe: 'show the daemon, the ledger, zones and jobs (works when the daemon is down)',
  builder: withJson,
  run: async (_args, ctx) => {
    const report = await fetchStatus(ctx);
    return { data: report, text: () => renderStatus(report, { nowMs: ctx.clock.now(), width: Math.min(100, process.stdout.columns || 100) }) };
  },
};
