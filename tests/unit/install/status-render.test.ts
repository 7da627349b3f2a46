import { duration, plural, relative, renderStatus } from '../../../src/cli/commands/status-render';
import type { StatusReport } from '../../../src/daemon/status/types';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function report(): StatusReport {
  return {
    source: 'daemon',
    daemon: { running: true, pid: 42, startedAt: '2026-03-01T09:00:00Z', version: '0.1.0', socketPath: '/run/carbond/carbond.sock' },
    ledger: { path: '/var/lib/carbond/ledger.sqlite', exists: true, schemaVersion: 4 },
    zones: [{ zone: 'GB', provider: 'uk', lastOkAt: '2026-03-01T11:57:00Z', dataAgeMs: 180_000, stale: false, reason: null, intensity: { gPerKWh: 143.4, kind: 'forecast', provider: 'uk' } }],
    jobs: [{
      id: 'j-0123456789', name: 'train-a-very-long-model-name-indeed', state: 'running', site: 'local', step: 120, totalSteps: 1000, stepAt: '2026-03-01T11:59:00Z',
      deadline: '2026-03-02T07:00:00Z', manualOverride: null, energyKWh: 1.234, emissionsG: 180.2,
      nextAction: { at: '2026-03-01T11:50:00Z', action: 'pause', site: 'local', reason: 'the next 6 h are cleaner by 35 % than now, more than the pause cost of 5 min at 300 W, so pausing until 14:00 '.repeat(2) },
    }],
    notes: [],
  };
}

describe('status text for people', () => {
  it('has a header, human headers and units, the next planned action, and no line over 100 columns', () => {
    const text = renderStatus(report(), { nowMs: NOW });
    expect(text).toMatch(/^carbond: daemon running, pid 42, up 3 h, version 0\.1\.0$/m);
    expect(text).toMatch(/^GB +143 g\/kWh +forecast, uk +uk +3 min ago +fresh$/m);
    expect(text).toMatch(/^Jobs \(1 unfinished\)$/m);
    expect(text).toContain('120/1000 (1 min ago)');
    expect(text).toContain('1.23 kWh');
    expect(text).toMatch(/^ {2}train-a-very-long-model-name-indeed: pause on local \(decided 10 min ago\): the next 6 h/m);
    expect(text).toMatch(/^ {4}\S/m); // the long reason wraps, indented, rather than being cut
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    for (const key of ['lastOkAt', 'dataAgeMs', 'manualOverride', '{"']) expect(text).not.toContain(key);
  });

  it('shows a stale zone\'s provider error once, and "never" for a zone never refreshed', () => {
    const r = report();
    r.zones.push({ zone: 'DE', provider: null, lastOkAt: null, dataAgeMs: null, stale: true, reason: 'provider em: HTTP 503', intensity: null });
    r.notes.push('zone DE signal is stale: provider em: HTTP 503', 'something else worth knowing');
    const text = renderStatus(r, { nowMs: NOW });
    expect(text.match(/HTTP 503/g)).toHaveLength(1);
    expect(text).toMatch(/^DE +- +- +- +never +stale: provider em: HTTP 503$/m);
    expect(text).toContain('  - something else worth knowing');
  });

  it.each([[1, '1 job'], [0, '0 jobs'], [2, '2 jobs']])('plural(%d) is %s', (n, text) => expect(plural(n, 'job')).toBe(text));
  it.each([[45_000, '45 s'], [180_000, '3 min'], [7_500_000, '2 h 5 min'], [3 * 86_400_000, '3 days']])('duration(%d) is %s', (ms, text) => expect(duration(ms)).toBe(text));
  it('says "in" for the future and "ago" for the past', () => {
    expect(relative('2026-03-01T12:03:00Z', NOW)).toBe('in 3 min');
    expect(relative('2026-03-01T11:57:00Z', NOW)).toBe('3 min ago');
    expect(relative(null, NOW)).toBe('never');
  });
});
