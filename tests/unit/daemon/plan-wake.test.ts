/** The daemon's tick at the plan's next decision time (src/daemon/jobs/wake.ts, ADR 0013). */
import { systemClock } from '../../../src/core/clock';
import { PlanWake } from '../../../src/daemon/jobs/wake';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('PlanWake', () => {
  it('asks for a tick at the armed time, once; a new arm replaces the old; cancel and Infinity arm nothing', async () => {
    const reasons: string[] = [];
    const wake = new PlanWake(systemClock, (r) => void reasons.push(r));
    wake.arm(Date.now() + 2_000);
    wake.arm(Date.now() + 40); // replaces the 2-s wake
    expect(wake.atMs).toBeGreaterThan(Date.now());
    await sleep(150);
    expect(reasons).toEqual(['the plan\'s next decision time']);
    expect(wake.atMs).toBe(Infinity);
    wake.arm(Date.now() + 40);
    wake.cancel();
    wake.arm(Infinity);
    await sleep(150);
    expect(reasons).toHaveLength(1);
    wake.arm(Date.now() - 1_000); // already due: at once
    await sleep(20);
    expect(reasons).toHaveLength(2);
    wake.arm(Date.now() + 40 * 86_400_000); // past setTimeout's range: left to cron
    expect(wake.atMs).toBe(Infinity);
  });
});
