import { emissionsGOf, energyKWhOf, MS_PER_HOUR, parseDurationMs, parseIsoMs, formatDurationMs } from '../../../src/core/units';
import { ManualClock } from '../../../src/core/clock';
import { Issues } from '../../../src/core/validation';
import { ConfigError, ExitCode, exitCodeOf } from '../../../src/core/errors';

describe('units', () => {
  it.each([
    ['90s', 90_000], ['5m', 300_000], ['6h', 6 * MS_PER_HOUR], ['1h30m', 5_400_000], ['2d', 48 * MS_PER_HOUR], ['250', 250], ['1.5h', 5_400_000],
  ])('parses the duration %s as %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', 'h', '5x', '-5m', '5m junk'])('rejects the duration %j', (text) => expect(parseDurationMs(text)).toBeUndefined());

  it('computes 0.3 kWh for 300 W over one hour and 60 g at 200 g/kWh', () => {
    expect(energyKWhOf(300, MS_PER_HOUR)).toBeCloseTo(0.3, 12);
    expect(emissionsGOf(0.3, 200)).toBeCloseTo(60, 12);
  });

  it('accepts ISO times only with an explicit zone', () => {
    expect(parseIsoMs('2021-01-01T00:00:00Z')).toBe(Date.UTC(2021, 0, 1));
    expect(parseIsoMs('2021-01-01T01:00:00+01:00')).toBe(Date.UTC(2021, 0, 1));
    expect(parseIsoMs('2021-01-01T00:00:00')).toBeUndefined();
  });

  it('renders durations for people', () => expect(formatDurationMs(5_400_000)).toBe('1h 30m'));
});

describe('ManualClock', () => {
  it('moves only forward when told', () => {
    const c = new ManualClock(1000);
    c.advance(500);
    expect(c.now()).toBe(1500);
    expect(() => c.set(10)).toThrow(RangeError);
  });
});

describe('Issues', () => {
  it('collects every issue and throws them together with exit code 2', () => {
    const issues = new Issues();
    issues.add('a.b', 'must be positive', -1);
    issues.add('c', 'unknown key');
    let caught: unknown;
    try { issues.throwIfAny((list) => new ConfigError(list)); } catch (err) { caught = err; }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues).toHaveLength(2);
    expect((caught as ConfigError).message).toContain('a.b: must be positive (got -1)');
    expect(exitCodeOf(caught)).toBe(ExitCode.Usage);
  });
});

describe('scaledClock', () => {
  it('runs factor times faster than its base clock from the origin', () => {
    const { scaledClock } = jest.requireActual<typeof import('../../../src/core/clock')>('../../../src/core/clock');
    const base = new ManualClock(5_000);
    const c = scaledClock(1_000_000, 600, base);
    expect(c.now()).toBe(1_000_000);
    base.advance(1_000);
    expect(c.now()).toBe(1_600_000);
  });
});
