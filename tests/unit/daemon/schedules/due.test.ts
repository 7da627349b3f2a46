/** The missed-occurrence policy: what a tick at `now` does with one schedule (a manual clock's times). */
import { Issues } from '../../../../src/core/validation';
import { compileCron } from '../../../../src/daemon/schedules/cron-time';
import { decide } from '../../../../src/daemon/schedules/due';
import type { ScheduleRecord } from '../../../../src/ledger/schedules';

const at = (iso: string): number => Date.parse(iso);
const H = 3_600_000;
const schedule = (over: Partial<ScheduleRecord> = {}): ScheduleRecord => ({
  id: 's1', owner: 'u', uid: 1000, cron: '30 1 * * *', tz: 'Europe/London', finishBy: '07:00', withinMs: null,
  template: { command: ['true'], cwd: '/' }, createdAtMs: at('2026-06-01T12:00:00Z'), removedAtMs: null, lastOccurrenceMs: null, ...over,
});
const cron = compileCron('30 1 * * *', 'cron', new Issues())!;

describe('the tick\'s decision for a schedule', () => {
  it('does nothing before the first occurrence, and names it', () => {
    expect(decide(schedule(), cron, at('2026-06-01T23:00:00Z'), 4 * H)).toEqual({ kind: 'idle', nextMs: at('2026-06-02T00:30:00Z') }); // 01:30 BST
  });

  it('submits an occurrence at the first tick at or after it, due by the next 07:00 in the zone', () => {
    expect(decide(schedule(), cron, at('2026-06-02T00:30:00Z'), 4 * H)).toMatchObject({ kind: 'submit', occurrenceMs: at('2026-06-02T00:30:00Z'), deadlineMs: at('2026-06-02T06:00:00Z'), missedOlder: 0 });
    expect(decide(schedule(), cron, at('2026-06-02T00:31:00Z'), 4 * H)).toMatchObject({ kind: 'submit', reason: expect.stringMatching(/1m late/) });
  });

  it('does not submit an occurrence already handled', () => {
    const handled = schedule({ lastOccurrenceMs: at('2026-06-02T00:30:00Z') });
    expect(decide(handled, cron, at('2026-06-02T05:00:00Z'), 4 * H)).toEqual({ kind: 'idle', nextMs: at('2026-06-03T00:30:00Z') });
  });

  it('after days down submits only the newest missed occurrence, when it can still finish, and counts the older ones as skipped', () => {
    const down = schedule({ lastOccurrenceMs: at('2026-06-02T00:30:00Z') });
    // Back at 02:00 BST on the 6th: the 3rd, 4th and 5th are older; the 6th's job (4 h + margin) still fits before 07:00.
    expect(decide(down, cron, at('2026-06-06T01:00:00Z'), 4 * H)).toMatchObject({ kind: 'submit', occurrenceMs: at('2026-06-06T00:30:00Z'), deadlineMs: at('2026-06-06T06:00:00Z'), missedOlder: 3 });
  });

  it('skips the newest missed occurrence too when its deadline can no longer be met', () => {
    const down = schedule({ lastOccurrenceMs: at('2026-06-02T00:30:00Z') });
    const d = decide(down, cron, at('2026-06-06T03:00:00Z'), 4 * H); // 04:00 BST + 4 h > 07:00
    expect(d).toMatchObject({ kind: 'skip', occurrenceMs: at('2026-06-06T00:30:00Z'), missedOlder: 3 });
    expect(d.kind === 'skip' && d.reason).toMatch(/cannot finish by its deadline 2026-06-06T06:00:00.000Z: needs 4h .* only 3h is left/);
  });

  it('uses --within from the occurrence, not from the late tick', () => {
    const within = schedule({ finishBy: null, withinMs: 8 * H });
    expect(decide(within, cron, at('2026-06-02T02:30:00Z'), 4 * H)).toMatchObject({ kind: 'submit', deadlineMs: at('2026-06-02T08:30:00Z') });
    expect(decide(within, cron, at('2026-06-02T05:00:00Z'), 4 * H)).toMatchObject({ kind: 'skip' });
  });
});
