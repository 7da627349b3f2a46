/**
 * A burst of 1,000 jobs into a real daemon on 16 GPUs (bench/burst.ts: `startDaemon` in-process,
 * manual clock, simulated executor, a signal that never changes, so that no pause is caused by
 * the signal). The planner must not thrash: few pauses per job, none before a run's first
 * progress event; the ledger grows with jobs, not with ticks. Prints one summary line for
 * docs/reliability.md. About 1–2 min on 2 cores.
 */
import { BURST_TARGETS, burstSummary, runBurst, type BurstFigures } from '../../bench/burst';

describe('a burst of 1,000 jobs on 16 GPUs under a signal that never changes', () => {
  let figures: BurstFigures;

  beforeAll(async () => {
    figures = await runBurst({ jobs: 1_000, gpus: 16 });
    // The figures for docs/reliability.md.
    console.log(burstSummary(figures));
  }, 600_000);

  it('finishes every job before the deadline', () => {
    expect(figures.finished).toBe(1_000);
    expect(figures.deadlineMisses).toBe(0);
  });

  it('pauses jobs at most twice each on average when no pause is caused by the signal', () => {
    expect(figures.pausesPerJob).toBeLessThanOrEqual(BURST_TARGETS.pausesPerJob);
  });

  it('never pauses a run before its first progress event', () => {
    expect(figures.pausedBeforeFirstProgress).toBe(0);
  });

  it('keeps the ledger growing with jobs, not with ticks: under 200 kB a job and at most one plan row with its plan per tick', () => {
    expect(figures.ledgerBytesPerJob).toBeLessThan(200_000);
    // Every tick stores a plan; only the decisions that change a job's action are kept.
    expect(figures.decisionRows).toBeLessThan(figures.jobs * (4 + 3 * figures.pausesPerJob));
  });

  it('keeps the daemon process under 150 MB of resident memory', () => {
    expect(figures.rssMB).toBeLessThanOrEqual(BURST_TARGETS.rssMB);
  });
});
