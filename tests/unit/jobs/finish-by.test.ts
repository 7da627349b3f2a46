import { isValidZone, nextOccurrenceMs, parseHhMm } from '../../../src/jobs/finish-by';
import { specFromInput } from '../../../src/jobs/submit-args';
import { InputError } from '../../../src/core/errors';

const at = (iso: string): number => Date.parse(iso);

describe('--finish-by HH:MM: the next occurrence in a zone', () => {
  it.each([
    ['later the same day', '2026-11-29T03:00:00Z', 7, 0, 'Europe/London', '2026-11-29T07:00:00.000Z'],
    ['tomorrow when the time has passed', '2026-11-29T08:00:00Z', 7, 0, 'Europe/London', '2026-11-30T07:00:00.000Z'],
    ['across the spring-forward night (EST → EDT)', '2026-03-08T04:00:00Z', 7, 0, 'America/New_York', '2026-03-08T11:00:00.000Z'],
    ['across the fall-back night (EDT → EST)', '2026-11-01T03:00:00Z', 7, 0, 'America/New_York', '2026-11-01T12:00:00.000Z'],
    ['the day after a DST change keeps the wall time', '2026-03-28T12:00:00Z', 7, 0, 'Europe/Berlin', '2026-03-29T05:00:00.000Z'],
    ['a time inside the spring-forward gap moves forward by the gap', '2026-03-08T05:00:00Z', 2, 30, 'America/New_York', '2026-03-08T07:30:00.000Z'],
  ])('%s', (_what, now, h, m, zone, expected) => {
    expect(new Date(nextOccurrenceMs(at(now), h, m, zone)).toISOString()).toBe(expected);
  });

  it('parses 24-hour HH:MM and knows IANA zones', () => {
    expect(parseHhMm('07:05')).toEqual({ hour: 7, minute: 5 });
    expect(parseHhMm('24:00')).toBeUndefined();
    expect(parseHhMm('7pm')).toBeUndefined();
    expect(isValidZone('Europe/London')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
  });
});

describe('submit flags', () => {
  const ctx = { nowMs: at('2026-11-29T03:00:00Z'), localZone: 'Europe/London', cwd: '/home/a', env: {} };

  it('turns --finish-by with --tz into a deadline', () => {
    const spec = specFromInput({ finishBy: '07:00', tz: 'America/New_York', estimate: '2h', command: ['python', 'train.py'] }, ctx);
    expect(new Date(spec.deadlineMs).toISOString()).toBe('2026-11-29T12:00:00.000Z');
    expect(spec).toMatchObject({ estimateMs: 7_200_000, cwd: '/home/a', command: ['python', 'train.py'] });
  });

  it('names every problem at once: no command, no deadline, a bad estimate', () => {
    let err: unknown;
    try { specFromInput({ estimate: 'soon' }, ctx); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues.map((i) => i.path)).toEqual(['deadline', 'estimate', 'command']);
  });

  it('rejects a deadline in the past', () => {
    expect(() => specFromInput({ deadline: '2026-11-28T00:00:00Z', command: ['x'] }, ctx)).toThrow(/deadline: is in the past/);
  });
});
