/**
 * A schedule's occurrences and deadlines across DST changes, in America/New_York and
 * Europe/London, computed from UTC instants only: the machine's TZ plays no part (the suite
 * also runs with TZ=America/New_York).
 */
import { Issues } from '../../../../src/core/validation';
import { compileCron, countOccurrencesBetween, latestOccurrenceIn, nextOccurrenceAfter, occurrenceDeadlineMs, type CronTimes } from '../../../../src/daemon/schedules/cron-time';

const at = (iso: string): number => Date.parse(iso);
const isoOf = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function cron(expr: string): CronTimes {
  const issues = new Issues();
  const c = compileCron(expr, 'cron', issues);
  expect(issues.all).toEqual([]);
  return c!;
}

/** The first `n` occurrences after `fromIso`. */
function series(expr: string, zone: string, fromIso: string, n: number): string[] {
  const c = cron(expr);
  const out: string[] = [];
  let t = at(fromIso);
  for (let i = 0; i < n; i++) {
    t = nextOccurrenceAfter(c, zone, t)!;
    out.push(isoOf(t)!);
  }
  return out;
}

describe('next occurrence in the schedule\'s zone', () => {
  it('runs a skipped 02:30 (New York spring-forward, 2026-03-08) at 03:00 EDT, the instant the clocks jump', () => {
    expect(series('30 2 * * *', 'America/New_York', '2026-03-06T12:00:00Z', 4)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist → 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('runs a repeated 01:30 (New York fall-back, 2026-11-01) once, at its first instance (EDT)', () => {
    expect(series('30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z', 3)).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, the first of two; 01:30 EST (06:30Z) is not a second occurrence
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  it('does not run the repeated 01:30 again when asked from between its two instances', () => {
    const next = nextOccurrenceAfter(cron('30 1 * * *'), 'America/New_York', at('2026-11-01T06:00:00Z')); // 01:00 EST, after 01:30 EDT
    expect(isoOf(next)).toBe('2026-11-02T06:30:00.000Z');
  });

  it('runs a skipped 01:30 (London spring-forward, 2026-03-29) at 02:00 BST, and a repeated one (2026-10-25) once', () => {
    expect(series('30 1 * * *', 'Europe/London', '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 01:30 GMT
      '2026-03-29T01:00:00.000Z', // 01:30 skipped → 02:00 BST
      '2026-03-30T00:30:00.000Z', // 01:30 BST
    ]);
    expect(series('30 1 * * *', 'Europe/London', '2026-10-24T00:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z', // 01:30 BST
      '2026-10-25T00:30:00.000Z', // 01:30 BST, once
      '2026-10-26T01:30:00.000Z', // 01:30 GMT
    ]);
  });

  it('collapses every skipped time of a gap into one occurrence at the jump', () => {
    // London 2026-03-29: 01:00, 01:20, 01:40 GMT do not exist; they and 02:00 BST are one instant (01:00Z).
    expect(series('*/20 1-3 * * *', 'Europe/London', '2026-03-29T00:30:00Z', 4)).toEqual([
      '2026-03-29T01:00:00.000Z', '2026-03-29T01:20:00.000Z', '2026-03-29T01:40:00.000Z', '2026-03-29T02:00:00.000Z',
    ]);
  });

  it('keeps weekday and day-of-month rules in the zone\'s calendar', () => {
    // 23:30 on Fridays in New York is Saturday in UTC.
    expect(series('30 23 * * 5', 'America/New_York', '2026-03-01T00:00:00Z', 2)).toEqual(['2026-03-07T04:30:00.000Z', '2026-03-14T03:30:00.000Z']);
    expect(series('0 6 L * *', 'Europe/London', '2026-02-01T00:00:00Z', 2)).toEqual(['2026-02-28T06:00:00.000Z', '2026-03-31T05:00:00.000Z']);
  });
});

describe('the latest occurrence and missed ones', () => {
  it('finds the newest occurrence at or before now, and counts the older ones', () => {
    const c = cron('30 2 * * *');
    const since = at('2026-03-05T00:00:00Z');
    const now = at('2026-03-09T12:00:00Z');
    expect(isoOf(latestOccurrenceIn(c, 'America/New_York', since, now))).toBe('2026-03-09T06:30:00.000Z');
    expect(countOccurrencesBetween(c, 'America/New_York', since, at('2026-03-09T06:30:00Z'), 100)).toBe(4); // 5th, 6th, 7th, 8th (03:00 EDT)
    expect(latestOccurrenceIn(c, 'America/New_York', at('2026-03-09T06:30:00Z'), now)).toBeUndefined();
  });

  it('counts no further than the cap', () => {
    expect(countOccurrencesBetween(cron('* * * * *'), 'UTC', at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'), 50)).toBe(50);
  });
});

describe('the deadline of an occurrence', () => {
  const finishBy = { finishBy: { hour: 7, minute: 0 } };
  it('is the next --finish-by wall time after the occurrence, in the zone, across a spring-forward', () => {
    // London 2026-03-29: an occurrence at 00:30 GMT; 07:00 that morning is BST (06:00Z): a window an hour shorter.
    expect(isoOf(occurrenceDeadlineMs(at('2026-03-29T00:30:00Z'), 'Europe/London', finishBy))).toBe('2026-03-29T06:00:00.000Z');
    // New York 2026-03-08: occurrence 03:00 EDT (07:00Z); 07:00 EDT = 11:00Z.
    expect(isoOf(occurrenceDeadlineMs(at('2026-03-08T07:00:00Z'), 'America/New_York', finishBy))).toBe('2026-03-08T11:00:00.000Z');
  });

  it('is the next --finish-by wall time across a fall-back, and the next day when the occurrence is after it', () => {
    expect(isoOf(occurrenceDeadlineMs(at('2026-11-01T05:30:00Z'), 'America/New_York', finishBy))).toBe('2026-11-01T12:00:00.000Z'); // 07:00 EST
    expect(isoOf(occurrenceDeadlineMs(at('2026-10-25T21:00:00Z'), 'Europe/London', finishBy))).toBe('2026-10-26T07:00:00.000Z'); // 22:00 → 07:00 GMT next day
  });

  it('is the occurrence plus --within, in real time whatever the clocks do', () => {
    expect(isoOf(occurrenceDeadlineMs(at('2026-11-01T05:30:00Z'), 'America/New_York', { withinMs: 8 * 3_600_000 }))).toBe('2026-11-01T13:30:00.000Z');
  });
});

describe('cron validation', () => {
  it.each([
    ['30 2 * *', /5 fields/],
    ['0 30 2 * * *', /5 fields/],
    ['61 2 * * *', /not a valid cron expression: .*61/],
    ['0 0 31 2 *', /not a valid cron expression/],
  ])('refuses %s naming the field and the value', (expr, message) => {
    const issues = new Issues();
    expect(compileCron(expr, 'cron', issues)).toBeUndefined();
    expect(issues.all).toEqual([expect.objectContaining({ path: 'cron', value: expr, message: expect.stringMatching(message) })]);
  });
});
