/**
 * A burst of 1,000 jobs into a real daemon on 16 GPUs under a signal that never changes, so
 * that no pause is caused by the signal (bench/burst.ts: `startDaemon` in-process under a
 * manual clock with the simulated executor, the real planner, the WAL/prune housekeeping).
 * It runs in its own Node process, the built `dist/bench/burst.js` (`npm run build` first;
 * `npm run test:reliability` does), so that its RSS is a daemon's and not jest's. The
 * planner must not thrash: at most 2 pauses per job on average, none before a run's first
 * progress event; the ledger must grow with jobs, not with ticks. Prints one summary line
 * for docs/reliability.md. About 2 min on 2 cores.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { BURST_TARGETS, burstSummary, type BurstFigures } from '../../bench/burst';

const BENCH = path.resolve(__dirname, '..', '..', 'dist', 'bench', 'burst.js');

describe('a burst of 1,000 jobs on 16 GPUs under a signal that never changes', () => {
  let figures: BurstFigures;

  beforeAll(async () => {
    if (!fs.existsSync(BENCH)) throw new Error(`${BENCH} is missing: run \`npm run build\` first`);
    const { stdout } = await promisify(execFile)(process.execPath, [BENCH, '--jobs', '1000', '--gpus', '16', '--wall-seconds', '300', '--json'], { timeout: 420_000, maxBuffer: 1 << 20 });
    figures = JSON.parse(stdout.trim().split('\n').pop()!) as BurstFigures;
    // The line for docs/reliability.md.
    console.log(burstSummary(figures));
  }, 450_000);

  it('finishes every job before the deadline', () => {
    expect(figures.finished).toBe(1_000);
    expect(figures.deadlineMisses).toBe(0);
  });

  it('pauses jobs at most twice each on average, and none more than 4 times, when no pause is caused by the signal', () => {
    expect(figures.pausesPerJob).toBeLessThanOrEqual(BURST_TARGETS.pausesPerJob);
    expect(figures.maxPausesOfAJob).toBeLessThanOrEqual(4);
  });

  it('never pauses a run before its first progress event', () => {
    expect(figures.pausedBeforeFirstProgress).toBe(0);
  });

  it('keeps the ledger growing with jobs, not with ticks: a few kB a job, one decision row per change of a job\'s action', () => {
    // Before retention: 0.7 MB a job after 53 simulated minutes, 12.7 MB more every minute.
    expect(figures.ledgerPeakBytes / figures.jobs).toBeLessThan(20_000);
    expect(figures.ledgerGrowthBytesPerMinute).toBeLessThan(20_000);
    // keep (waiting), start, keep (running), and per pause: pause, keep (waiting), resume, keep (running).
    expect(figures.decisionRows).toBeLessThanOrEqual(figures.jobs * 3 + figures.pauses * 4);
  });

  it('records tick time and the daemon\'s resident memory (target 150 MB; asserted with room: a leak or a thrash doubles it)', () => {
    expect(figures.ticks).toBeGreaterThan(0);
    expect(figures.tickMs.p95).toBeLessThan(2_000);
    expect(figures.rssMB).toBeLessThan(2 * BURST_TARGETS.rssMB);
  });
});
