/** The daemon's own tick steps. */
import { checkpointWal } from '../ledger/db';
import { pruneSupersededPlans, type PrunedUpTo } from '../ledger/plans';
import type { DaemonContext } from './context';
import type { TickStep } from './tick';

/** Ticks between two `wal_checkpoint(TRUNCATE)`: with the default 1-minute tick, every 15 min. */
export const WAL_CHECKPOINT_EVERY_TICKS = 15;

/**
 * Every `everyTicks` ticks: deletes the superseded plans no decision refers to (the daemon
 * stores a plan every tick; src/ledger/plans.ts says what is kept), then folds the WAL back
 * into the ledger so the `-wal` file does not grow without bound (SQLite's automatic
 * checkpoints never truncate it). The space the deleted plans held is reused by new rows,
 * so the ledger's size follows the jobs, not the ticks.
 */
export function walCheckpointStep(ctx: DaemonContext, everyTicks = WAL_CHECKPOINT_EVERY_TICKS): TickStep {
  let ticks = 0;
  let pruned: PrunedUpTo | undefined;
  return {
    name: 'wal-checkpoint',
    phase: 'housekeeping',
    run: async () => {
      ticks += 1;
      if (ticks % everyTicks !== 0) return;
      const { deleted, upTo } = pruneSupersededPlans(ctx.db, pruned);
      pruned = upTo;
      checkpointWal(ctx.db);
      ctx.logger.debug('wal checkpoint', { step: 'wal-checkpoint', prunedPlans: deleted });
    },
  };
}
