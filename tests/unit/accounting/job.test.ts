import { accountJob, usefulFraction } from '../../../src/accounting/job';
import type { EnergySample, JobRow, RunRow } from '../../../src/accounting/rows';
import { embodiedG, sciOfRun } from '../../../src/accounting/sci';
import { buildTimelines } from '../../../src/accounting/timeline';

const H = 3_600_000;
const T = Date.parse('2026-11-29T00:00:00Z');
const job: JobRow = { id: 'j', name: 'train', owner: 'ann', submittedAtMs: T, deadlineMs: T + 24 * H, gpus: 2, homeSite: 'home', tags: {}, state: 'finished' };
const run = (startH: number, endH: number | null, startStep: number, lastStep: number, exitKind: RunRow['exitKind']): RunRow => ({
  id: startH, jobId: 'j', site: 'home', startedAtMs: T + startH * H, endedAtMs: endH === null ? null : T + endH * H, startStep, lastStep, exitKind, lostSteps: 0,
});
const sample = (startH: number, kWh: number, overhead = false, zone = 'HOME'): EnergySample => ({ jobId: 'j', runId: 1, site: 'home', zone, startMs: T + startH * H, durationMs: H, energyKWh: kWh, meter: 'fixed', overhead });
// home zone: 400 g for the first 2 h, then 100 g
const timelines = buildTimelines([
  { zone: 'HOME', startMs: T, durationMs: 2 * H, gPerKWh: 400, kind: 'measured', issuedAtMs: T, provider: 'p', signal: 'average' },
  { zone: 'HOME', startMs: T + 2 * H, durationMs: 10 * H, gPerKWh: 100, kind: 'measured', issuedAtMs: T, provider: 'p', signal: 'average' },
]);
const ctx = { nowMs: T + 12 * H, timelines, siteZones: { home: 'HOME' } };

describe('accounting one job', () => {
  it('lays the baseline out from submission without pauses or overheads, and avoided = baseline − actual', () => {
    // waited 2 h for the clean hours, 0.1 kWh resume overhead, then 2 h of 1 kWh work
    const runs = [run(2, 5, 0, 100, 'finished')];
    const a = accountJob(job, runs, [sample(2, 0.1, true), sample(3, 1), sample(4, 1)], ctx);
    expect(a.actual.g).toBeCloseTo(0.1 * 100 + 2 * 100, 9);
    expect(a.baseline.g).toBeCloseTo(2 * 400, 9); // the same 2 kWh at 00:00–02:00
    expect(a.avoidedG).toBeCloseTo(800 - 210, 9);
    expect(a.avoidedPct).toBeCloseTo((590 / 800) * 100, 9);
    expect(a.overheadKWh).toBeCloseTo(0.1, 12);
    expect(a.baselineEndMs).toBe(T + 2 * H);
    expect(a.delayMs).toBe(3 * H); // finished 05:00 vs 02:00
    expect(a.state).toBe('finished');
  });

  it('counts a pause after which the job went on at another site as a move, not a pause (as simulate does)', () => {
    const runs = [run(0, 1, 0, 30, 'paused'), { ...run(1, 2, 30, 60, 'paused'), site: 'away' }, { ...run(2, 3, 60, 90, 'paused'), site: 'away' }, { ...run(4, 5, 90, 100, 'finished'), site: 'away' }];
    const a = accountJob({ ...job, state: 'finished' }, runs, [sample(0, 1)], { ...ctx, siteZones: { home: 'HOME', away: 'HOME' } });
    expect(a).toMatchObject({ pauses: 2, moves: 1 });
  });

  it('counts pauses and paused time, and leaves the delay open while unfinished', () => {
    const runs = [run(0, 1, 0, 50, 'paused'), run(3, null, 50, 80, null)];
    const a = accountJob({ ...job, state: 'running' }, runs, [sample(0, 1), sample(3, 1)], ctx);
    expect(a).toMatchObject({ pauses: 1, pausedMs: 2 * H, state: 'running', delayMs: null, finishedAtMs: null });
    expect(a.runningMs).toBe(1 * H + 9 * H);
  });

  it('leaves work redone after a lost checkpoint out of the baseline', () => {
    const runs = [run(0, 1, 0, 60, 'killed'), run(1, 2, 50, 100, 'finished')];
    expect(usefulFraction(runs)).toBeCloseTo(100 / 110, 12);
    const a = accountJob(job, runs, [sample(2, 1.1)], ctx);
    expect(a.baseline.energyKWh).toBeCloseTo(1, 9);
    expect(a.actual.energyKWh).toBeCloseTo(1.1, 12);
  });

  it('uses the zone of the first sample when the home site is unknown', () => {
    const a = accountJob({ ...job, homeSite: 'gone', state: 'queued' }, [], [sample(3, 1)], { ...ctx, siteZones: {} });
    expect(a.homeZone).toBe('HOME');
    expect(a.state).toBe('queued');
  });
});

describe('a job\'s state in accounting is the ledger\'s, not a guess from its runs', () => {
  it('reports a job cancelled mid-run as cancelled, unfinished, though its last run ended killed like a pause', () => {
    const runs = [run(0, 1, 0, 50, 'paused'), run(2, 3, 50, 70, 'killed')];
    const a = accountJob({ ...job, state: 'cancelled' }, runs, [sample(0, 1), sample(2, 1)], ctx);
    expect(a).toMatchObject({ state: 'cancelled', finishedAtMs: null, delayMs: null, pauses: 1 });
  });

  it('reports a job whose last run was lost in the state the ledger moved it to (paused, to resume), not failed', () => {
    const runs = [run(0, 1, 0, 50, 'lost')];
    expect(accountJob({ ...job, state: 'paused' }, runs, [sample(0, 1)], ctx).state).toBe('paused');
  });

  it('reports a job that failed after its retries as failed, and a finished one with the end of its last run', () => {
    expect(accountJob({ ...job, state: 'failed' }, [run(0, 1, 0, 5, 'failed')], [], ctx).state).toBe('failed');
    const a = accountJob(job, [run(0, 1, 0, 50, 'paused'), run(2, 4, 50, 100, 'finished')], [], ctx);
    expect(a.finishedAtMs).toBe(T + 4 * H);
  });
});

describe('SCI per training run', () => {
  it('is the operational emissions alone, and says so, when no embodied figure is configured', () => {
    const s = sciOfRun(1234.5, 4, 10 * H);
    expect(s).toMatchObject({ operationalG: 1234.5, embodiedG: 0, perRunG: 1234.5, embodiedConfigured: false, functionalUnit: 'training run' });
    expect(s.note).toMatch(/not configured.*M = 0/);
  });

  it('adds the GPUs’ embodied emissions amortised over their lifetime', () => {
    expect(embodiedG(150, 4, 2, 10 * H)).toBeCloseTo((150_000 * 2 * 10) / (4 * 365.25 * 24), 9);
    const s = sciOfRun(100, 2, 10 * H, { gpuKgCO2e: 150 });
    expect(s.embodiedG).toBeCloseTo(85.557837, 5);
    expect(s.perRunG).toBeCloseTo(185.557837, 5);
  });
});
