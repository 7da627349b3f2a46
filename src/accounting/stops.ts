/**
 * Pauses and moves: the one definition `report`, `show`, the metrics and `carbond simulate`'s
 * outcome count with. A run that ended paused (checkpointed) is a
 * **move** when the job's next run is on another site, otherwise a **pause** — including a
 * pause with no run after it yet. Runs that were lost, killed or failed are neither: they
 * are not checkpointed pauses, whatever site the job went on at.
 */
import type { RunRow } from './rows';

export type Stop = 'pause' | 'move';

/** What counting needs of a run: accounting's `RunRow` and the ledger's `RunRecord` both fit. */
export type StopRun = Pick<RunRow, 'site' | 'startedAtMs' | 'exitKind'>;

/**
 * How `run` stopped, given the job's next run (undefined: none yet); null when it did not end paused.
 * @example stopOf({ site: 'a', exitKind: 'paused' }, { site: 'b' }) === 'move'
 */
export function stopOf(run: Pick<StopRun, 'site' | 'exitKind'>, next: Pick<StopRun, 'site'> | undefined): Stop | null {
  if (run.exitKind !== 'paused') return null;
  return next !== undefined && next.site !== run.site ? 'move' : 'pause';
}

/** A job's runs in the order they started (a copy; ties keep their order). */
export function byStart<R extends Pick<StopRun, 'startedAtMs'>>(runs: readonly R[]): R[] {
  return [...runs].sort((a, b) => a.startedAtMs - b.startedAtMs);
}

/** The pauses and moves of one job's runs, in any order. */
export function stopsOf(runs: readonly StopRun[]): { pauses: number; moves: number } {
  const sorted = byStart(runs);
  let pauses = 0;
  let moves = 0;
  sorted.forEach((r, i) => {
    const stop = stopOf(r, sorted[i + 1]);
    if (stop === 'pause') pauses += 1;
    else if (stop === 'move') moves += 1;
  });
  return { pauses, moves };
}
