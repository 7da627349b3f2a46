import { classifyExit, type RunExit } from '../../../src/executors/types';
import type { RunExitKind } from '../../../src/ledger/runs';

const exit0: RunExit = { code: 0, signal: null, known: true };
const exit1: RunExit = { code: 1, signal: null, known: true };
const unknown: RunExit = { code: null, signal: null, known: false };

describe('how a run ended (classifyExit)', () => {
  it.each<[string, RunExitKind, RunExit, { pauseRequested: boolean; killedByCarbond: boolean; newVerifiedCheckpoint: boolean; reachedTotalSteps: boolean }]>([
    ['exit 0 on its own', 'finished', exit0, { pauseRequested: false, killedByCarbond: false, newVerifiedCheckpoint: false, reachedTotalSteps: false }],
    ['exit 1 on its own', 'failed', exit1, { pauseRequested: false, killedByCarbond: false, newVerifiedCheckpoint: false, reachedTotalSteps: false }],
    ['vanished without a status', 'lost', unknown, { pauseRequested: false, killedByCarbond: false, newVerifiedCheckpoint: false, reachedTotalSteps: false }],
    ['killed by carbond', 'killed', exit0, { pauseRequested: true, killedByCarbond: true, newVerifiedCheckpoint: true, reachedTotalSteps: true }],
    ['a verified checkpoint after the pause request', 'paused', exit0, { pauseRequested: true, killedByCarbond: false, newVerifiedCheckpoint: true, reachedTotalSteps: false }],
    ['exit 0 after a pause request, no verified checkpoint, short of its total steps', 'killed', exit0, { pauseRequested: true, killedByCarbond: false, newVerifiedCheckpoint: false, reachedTotalSteps: false }],
    ['exit 0 after a pause request, no verified checkpoint, at its total steps', 'finished', exit0, { pauseRequested: true, killedByCarbond: false, newVerifiedCheckpoint: false, reachedTotalSteps: true }],
    ['exit 1 after a pause request, at its total steps', 'killed', exit1, { pauseRequested: true, killedByCarbond: false, newVerifiedCheckpoint: false, reachedTotalSteps: true }],
  ])('%s → %s', (_what, kind, exit, ctx) => {
    const context = ctx; // a variable, not a literal: the test compiles against the old signature too
    expect(classifyExit(exit, context)).toBe(kind);
  });
});
