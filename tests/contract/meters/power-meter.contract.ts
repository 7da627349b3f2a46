/**
 * The PowerMeter contract suite (CONVENTIONS §3): every implementation, fakes included,
 * runs it. A meter returns at most one reading per target, for targets it was given,
 * with finite non-negative watts and its own name, and never throws for what it cannot
 * measure: it says so in `problems` instead.
 */
import type { MeterTarget, PowerMeter } from '../../../src/meters/types';

export interface MeterUnderTest {
  /** A fresh meter, ready; `prime` is called before the checked read (e.g. RAPL's first delta). */
  make(): PowerMeter;
  prime?(meter: PowerMeter, nowMs: number): Promise<void>;
  /** Targets it can measure. */
  measurable: MeterTarget[];
  /** A target it cannot measure (absent site, GPU that does not exist…). */
  unmeasurable: MeterTarget;
  /** Meter names its readings may carry; default its own (a fallback chain names the meter that answered). */
  names?: string[];
}

export function powerMeterContract(name: string, setup: () => MeterUnderTest): void {
  describe(`PowerMeter contract: ${name}`, () => {
    const T = Date.parse('2026-11-29T03:00:00Z');

    it('reads every measurable target once, with finite non-negative watts and its own name', async () => {
      const s = setup();
      const meter = s.make();
      await s.prime?.(meter, T);
      const r = await meter.read(s.measurable, T + 60_000);
      expect(r.readings.map((x) => x.jobId).sort()).toEqual(s.measurable.map((t) => t.jobId).sort());
      for (const reading of r.readings) {
        expect(Number.isFinite(reading.powerW)).toBe(true);
        expect(reading.powerW).toBeGreaterThanOrEqual(0);
        expect(s.names ?? [meter.name]).toContain(reading.meter);
        expect(reading.runId).toBe(s.measurable.find((t) => t.jobId === reading.jobId)!.runId);
      }
    });

    it('leaves out a target it cannot measure and says why, without throwing', async () => {
      const s = setup();
      const meter = s.make();
      await s.prime?.(meter, T);
      const r = await meter.read([...s.measurable, s.unmeasurable], T + 60_000);
      expect(r.readings.find((x) => x.jobId === s.unmeasurable.jobId)).toBeUndefined();
      expect(r.problems.join('\n')).toContain(s.unmeasurable.jobId);
    });

    it('answers an empty list of targets with nothing', async () => {
      const s = setup();
      const r = await s.make().read([], T);
      expect(r.readings).toEqual([]);
    });
  });
}
