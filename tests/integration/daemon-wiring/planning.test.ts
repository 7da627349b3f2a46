import { callDaemon } from '../../../src/cli/daemon-client';
import type { DaemonHandle } from '../../../src/daemon/daemon';
import { planSignalOf } from '../../../src/daemon/planning/plan-signal';
import { specFromInput } from '../../../src/jobs/submit-args';
import { sampleDaemonPerTest, T0_SAMPLE as T0 } from '../../helpers/sample-daemon';

const SLOT_MS = 10 * 60_000;

describe('the daemon as registered: file provider → signal service → plan signal → scheduler', () => {
  const daemon = sampleDaemonPerTest();
  const start = (zones = 'SAMPLE'): Promise<DaemonHandle> => daemon.start({ siteZone: zones, extra: ['[scheduler]', 'slotMinutes = 10'] });

  async function submit(h: DaemonHandle, deadline: string): Promise<string> {
    const spec = specFromInput({ name: 'w', deadline, estimate: '3h', powerW: 200, command: ['/bin/sleep', '600'] }, { nowMs: T0, localZone: 'UTC', cwd: daemon.dir(), env: {} });
    const job = await callDaemon<{ id: string }>(h.ctx.config.socketPath, { method: 'POST', path: '/v1/jobs', body: spec });
    return job.id;
  }

  it('plans on the replayed trace: slot series from now to the deadline, clean then dirty, no fail-open', async () => {
    const h = await start();
    await submit(h, '2030-01-07T16:00:00Z');
    const s = await planSignalOf(h.ctx, T0);
    expect(s.failOpenReason).toBeUndefined();
    const sample = s.series['SAMPLE']!;
    expect([sample.startMs, sample.slotMs, sample.gPerKWh.length]).toEqual([T0, SLOT_MS, 60]);
    expect(Math.max(...sample.gPerKWh.slice(0, 12))).toBeLessThan(100); // 06–08 clean
    expect(Math.min(...sample.gPerKWh.slice(12, 24))).toBeGreaterThan(400); // 08–10 dirty
  });

  it('extends the series past the trace with the local forecaster up to a later deadline', async () => {
    const h = await start();
    await submit(h, '2030-01-08T12:00:00Z');
    const s = await planSignalOf(h.ctx, T0);
    const sample = s.series['SAMPLE']!;
    expect(sample.gPerKWh).toHaveLength(180); // 30 h of 10-min slots
    expect(sample.gPerKWh.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });

  it('fails open naming a site zone that no provider serves', async () => {
    const h = await start('NOWHERE-ZONE');
    await submit(h, '2030-01-07T16:00:00Z');
    const s = await planSignalOf(h.ctx, T0);
    expect(s.series['NOWHERE-ZONE']).toBeUndefined();
    expect(s.failOpenReason).toBe('no carbon signal for zone NOWHERE-ZONE');
  });

  it('gives no series when no job is waiting (nothing to plan)', async () => {
    const h = await start();
    expect(await planSignalOf(h.ctx, T0)).toEqual({ series: {} });
  });
});
