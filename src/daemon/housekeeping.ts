/** The daemon's own tick steps. */
import { checkpointWal } from '../ledger/db';
import type { DaemonContext } from './context';
import type { TickStep } from './tick';

/** Ticks between two `wal_checkpoint(TRUNCATE)`: with the default 1-minute tick, every 15 min. */
export const WAL_CHECKPOINT_EVERY_TICKS = 15;

/**
 * Folds the WAL back into the ledger every `everyTicks` ticks so the `-wal` file does
 * not grow without bound (SQLite's automatic checkpoints never truncate it).
 */
export function walCheckpointStep(ctx: DaemonContext, everyTicks = WAL_CHECKPOINT_EVERY_TICKS): TickStep {
  let ticks = 0;
  return {
    name: 'wal-checkpoint',
    phase: 'housekeeping',
    run: async () => {
      ticks += 1;
      if (ticks % everyTicks !== 0) return;
      checkpointWal(ctx.db);
      ctx.logger.debug('wal checkpoint', { step: 'wal-checkpoint' });
    },
  };
}
