import { metricsOf, renderExposition } from '../../../src/daemon/metrics/exposition';
import { parseListen } from '../../../src/daemon/metrics/extension';
import type { StatusReport } from '../../../src/daemon/status/types';
import type { StatusEnergy } from '../../../src/reports/status';

const report = (over: Partial<StatusReport & { energy: StatusEnergy }> = {}): StatusReport & { energy?: StatusEnergy } => ({
  source: 'daemon',
  daemon: { running: true, pid: 42, startedAt: '2030-01-07T06:00:00.000Z', version: '1.2.3', socketPath: '/run/carbond/carbond.sock' },
  ledger: { path: '/var/lib/carbond/ledger.sqlite', exists: true, schemaVersion: 7 },
  zones: [], jobs: [], notes: [],
  ...over,
});

const lineOf = (text: string, prefix: string): string | undefined => text.split('\n').find((l) => l.startsWith(prefix));

describe('Prometheus text exposition', () => {
  it('writes HELP and TYPE, escapes label values and HELP text, and spells non-finite numbers', () => {
    const text = renderExposition([
      { name: 'x_total', help: 'a \\ help\nline', type: 'counter', samples: [{ labels: { name: 'say "hi"\\\n' }, value: 2.5 }, { value: NaN }, { value: Infinity }, { value: -Infinity }] },
      { name: 'empty', help: 'no samples', type: 'gauge', samples: [] },
    ]);
    expect(text).toBe([
      '# HELP x_total a \\\\ help\\nline', '# TYPE x_total counter',
      'x_total{name="say \\"hi\\"\\\\\\n"} 2.5', 'x_total NaN', 'x_total +Inf', 'x_total -Inf',
      '# HELP empty no samples', '# TYPE empty gauge', '',
    ].join('\n'));
  });

  it('counts unfinished jobs per state, listing every open state at 0 so series do not vanish', () => {
    const text = renderExposition(metricsOf({ report: report({ jobs: [{ id: 'a', state: 'running' }, { id: 'b', state: 'running' }, { id: 'c', state: 'paused' }] }), startedAtMs: 1_893_996_000_000, intensity: [] }));
    const jobs = text.split('\n').filter((l) => l.startsWith('carbond_jobs{'));
    expect(jobs).toEqual(['carbond_jobs{state="queued"} 0', 'carbond_jobs{state="running"} 2', 'carbond_jobs{state="pausing"} 0', 'carbond_jobs{state="paused"} 1', 'carbond_jobs{state="suspended"} 0']);
    expect(lineOf(text, 'carbond_build_info')).toBe('carbond_build_info{version="1.2.3"} 1');
    expect(lineOf(text, 'carbond_start_time_seconds ')).toBe('carbond_start_time_seconds 1893996000');
    expect(text).not.toContain('carbond_recent_'); // no energy contributor, no figures
  });

  it('gives each zone its intensity now, signal age and staleness', () => {
    const text = renderExposition(metricsOf({
      report: report({ zones: [{ zone: 'GB', dataAgeMs: 90_000, stale: false }, { zone: 'DE', dataAgeMs: null, stale: true }] }),
      startedAtMs: 0, intensity: [{ zone: 'GB', gPerKWh: 182.5, kind: 'measured', provider: 'uk' }],
    }));
    expect(lineOf(text, 'carbond_zone_intensity_grams_per_kwh{')).toBe('carbond_zone_intensity_grams_per_kwh{zone="GB",kind="measured",provider="uk"} 182.5');
    expect(text.split('\n').filter((l) => l.startsWith('carbond_zone_signal_age_seconds{'))).toEqual(['carbond_zone_signal_age_seconds{zone="GB"} 90']);
    expect(text.split('\n').filter((l) => l.startsWith('carbond_zone_signal_stale{'))).toEqual(['carbond_zone_signal_stale{zone="GB"} 0', 'carbond_zone_signal_stale{zone="DE"} 1']);
  });

  it('exposes the status window\'s energy, emissions and avoided emissions, and each running job\'s', () => {
    const energy: StatusEnergy = {
      since: '2030-01-01T00:00:00.000Z',
      running: [{ jobId: 'j1', name: 'train', energyKWh: 1.5, actualG: 300, baselineG: 420, avoidedG: 120, provisionalG: 0, status: 'settled', actualBasis: 'measured' }],
      total: { jobs: 4, energyKWh: 12.25, actualG: 2000, baselineG: 2600, avoidedG: 600, avoidedPct: 23.1, provisionalG: 50, status: 'provisional' },
    } as StatusEnergy;
    const text = renderExposition(metricsOf({ report: report({ energy }), startedAtMs: 0, intensity: [] }));
    expect(lineOf(text, 'carbond_recent_since_seconds ')).toBe(`carbond_recent_since_seconds ${Date.parse('2030-01-01T00:00:00Z') / 1000}`);
    expect(['jobs 4', 'energy_kilowatt_hours 12.25', 'emissions_grams 2000', 'baseline_grams 2600', 'avoided_grams 600', 'provisional_grams 50']
      .map((s) => lineOf(text, `carbond_recent_${s.split(' ')[0]} `))).toEqual(['jobs 4', 'energy_kilowatt_hours 12.25', 'emissions_grams 2000', 'baseline_grams 2600', 'avoided_grams 600', 'provisional_grams 50'].map((s) => `carbond_recent_${s}`));
    expect(lineOf(text, 'carbond_job_avoided_grams{')).toBe('carbond_job_avoided_grams{job="j1",name="train"} 120');
    expect(lineOf(text, 'carbond_job_energy_kilowatt_hours{')).toBe('carbond_job_energy_kilowatt_hours{job="j1",name="train"} 1.5');
  });

  it('reads metrics.listen as host and port, IPv6 in brackets', () => {
    expect(parseListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });
});
