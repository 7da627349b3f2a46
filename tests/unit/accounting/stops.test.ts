import { stopOf, stopsOf } from '../../../src/accounting/stops';

type Run = { site: string; startedAtMs: number; exitKind: 'finished' | 'paused' | 'failed' | 'killed' | 'lost' | null };
const run = (site: string, startedAtMs: number, exitKind: Run['exitKind']): Run => ({ site, startedAtMs, exitKind });

describe('pauses and moves (one definition for simulate, show, report and metrics)', () => {
  it.each([
    ['a checkpointed pause, then a run on the same site', run('a', 0, 'paused'), run('a', 1, 'finished'), 'pause'],
    ['a checkpointed pause, then a run on another site', run('a', 0, 'paused'), run('b', 1, 'finished'), 'move'],
    ['a checkpointed pause with no run after it yet', run('a', 0, 'paused'), undefined, 'pause'],
    ['a lost run, then a run on another site', run('a', 0, 'lost'), run('b', 1, 'finished'), null],
    ['a killed run', run('a', 0, 'killed'), run('a', 1, 'finished'), null],
    ['a finished run', run('a', 0, 'finished'), undefined, null],
  ] as const)('%s: %s', (_name, r, next, want) => expect(stopOf(r, next)).toBe(want));

  it('counts a job\'s runs in the order they started, whatever order they come in', () => {
    const runs = [run('b', 3, 'paused'), run('a', 0, 'paused'), run('b', 5, 'finished'), run('a', 1, 'paused')];
    // a→a pause, a→b move, b→b pause
    expect(stopsOf(runs)).toEqual({ pauses: 2, moves: 1 });
    expect(stopsOf([])).toEqual({ pauses: 0, moves: 0 });
  });
});
