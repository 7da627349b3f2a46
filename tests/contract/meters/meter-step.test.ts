import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { nullLogger } from '../../../src/core/logger';
import type { Config } from '../../../src/config/types';
import { openLedger, type Db } from '../../../src/ledger/db';
import { energySamplesBetween } from '../../../src/ledger/energy';
import { meterTickStep } from '../../../src/meters/extension';

const FAKE_SMI = path.join(__dirname, '../../fixtures/nvidia-smi/nvidia-smi');
const T0 = Date.parse('2026-11-29T03:00:00Z');
const sites = {
  box1: { executor: 'local', zone: 'GB', gpus: 4, idlePowerW: 60, gpuPowerW: 300, cpuPowerW: 50 },
} as unknown as Config['sites'];

function addRun(db: Db, jobId: string, gpuIds: string, startStep: number, powerW: number | null = null): void {
  db.prepare(`INSERT INTO jobs (id, name, owner, command_json, cwd, submitted_at, deadline_at, estimate_ms, power_w, gpus, sites_json, home_site, mode,
    checkpoint_timeout_ms, pause_overhead_ms, checkpoint_dir) VALUES (?, ?, 'ann', '[]', '/', ?, ?, 3600000, ?, 2, '["box1"]', 'box1', 'checkpoint', 120000, 90000, '/ck')`)
    .run(jobId, jobId, T0, T0 + 86_400_000, powerW);
  db.prepare(`INSERT INTO runs (job_id, site, started_at, gpu_ids, start_step) VALUES (?, 'box1', ?, ?, ?)`).run(jobId, T0, gpuIds, startStep);
}

describe('the daemon meter step', () => {
  let db: Db;
  beforeEach(() => { db = openLedger(':memory:', { nowMs: T0 }); });
  afterEach(() => db.close());

  it('appends a sample per open run and minute: nvidia-smi for GPU runs, fixed watts for the rest, resumed runs as overhead first', async () => {
    addRun(db, 'gpu-job', '0,1', 0);
    addRun(db, 'resumed', '3', 500);
    addRun(db, 'cpu-job', '', 0, 120);
    const clock = new ManualClock(T0);
    const step = meterTickStep({ db, clock, logger: nullLogger, sites, nvidiaSmi: { command: FAKE_SMI, env: { PATH: process.env['PATH'] } }, powercapRoot: '/nonexistent' });
    expect(step.phase).toBe('meter');
    for (let i = 0; i < 3; i++) {
      await step.run(clock.now());
      clock.advance(60_000);
    }
    const samples = energySamplesBetween(db, T0, T0 + 600_000);
    const of = (job: string): Array<[number, number, boolean, string]> => samples.filter((s) => s.jobId === job).map((s) => [s.startMs - T0, s.powerW, s.overhead, s.meter]);
    expect(of('gpu-job')).toEqual([[0, 610.55, false, 'nvidia-smi'], [60_000, 610.55, false, 'nvidia-smi']]);
    expect(of('resumed')).toEqual([[0, 655, true, 'nvidia-smi'], [60_000, 655, false, 'nvidia-smi']]);
    expect(of('cpu-job')).toEqual([[0, 120, false, 'fixed'], [60_000, 120, false, 'fixed']]);
    expect(samples.every((s) => s.zone === 'GB' && s.durationMs === 60_000)).toBe(true);
    expect(samples.find((s) => s.jobId === 'gpu-job')!.energyKWh).toBeCloseTo((610.55 * 60) / 3.6e6, 12);
  });

  it('charges the tail of a run that ended between ticks at its last power, then stops sampling it', async () => {
    addRun(db, 'gpu-job', '0', 0);
    const clock = new ManualClock(T0);
    const step = meterTickStep({ db, clock, logger: nullLogger, sites, nvidiaSmi: { command: FAKE_SMI, env: { PATH: process.env['PATH'] } }, powercapRoot: '/nonexistent' });
    await step.run(clock.now());
    clock.advance(60_000);
    await step.run(clock.now());
    db.prepare('UPDATE runs SET ended_at = ?, exit_kind = ?').run(clock.now() + 20_000, 'paused');
    clock.advance(60_000);
    await step.run(clock.now());
    clock.advance(60_000);
    await step.run(clock.now());
    expect(energySamplesBetween(db, T0, T0 + 600_000).map((s) => [s.startMs - T0, s.durationMs, s.powerW])).toEqual([[0, 60_000, 312.45], [60_000, 20_000, 312.45]]);
  });
});
