import * as prom from 'prom-client';
import { metricsOf, type Metric } from '../../../src/daemon/metrics/exposition';
import { parseListen } from '../../../src/daemon/metrics/extension';
import { CarbondMetrics } from '../../../src/daemon/metrics/registry';
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
/** The gauges as prom-client writes them, in a registry of their own. */
function renderExposition(metrics: readonly Metric[]): Promise<string> {
  const m = new CarbondMetrics(prom);
  m.setGauges(metrics);
  return m.text();
}

describe('Prometheus text exposition', () => {
  it('writes HELP and TYPE through prom-client, escaping label values and HELP text', async () => {
    const text = await renderExposition([
      { name: 'x_seconds', help: 'a \\ help\nline', labelNames: ['name'], samples: [{ labels: { name: 'say "hi"\\\n' }, value: 2.5 }] },
      { name: 'empty', help: 'no samples', labelNames: ['zone'], samples: [] },
    ]);
    expect(text).toContain('# HELP x_seconds a \\\\ help\\nline\n# TYPE x_seconds gauge\nx_seconds{name="say \\"hi\\"\\\\\\n"} 2.5\n');
    expect(text).toContain('# HELP empty no samples\n# TYPE empty gauge\n');
    expect(text).not.toMatch(/^empty/m);
  });

  it('counts unfinished jobs per state, listing every open state at 0 so series do not vanish', async () => {
    const text = await renderExposition(metricsOf({ report: report({ jobs: [{ id: 'a', state: 'running' }, { id: 'b', state: 'running' }, { id: 'c', state: 'paused' }] }), startedAtMs: 1_893_996_000_000, intensity: [] }));
    const jobs = text.split('\n').filter((l) => l.startsWith('carbond_jobs{'));
    expect(jobs).toEqual(['carbond_jobs{state="queued"} 0', 'carbond_jobs{state="running"} 2', 'carbond_jobs{state="pausing"} 0', 'carbond_jobs{state="paused"} 1', 'carbond_jobs{state="suspended"} 0']);
    expect(lineOf(text, 'carbond_build_info')).toBe('carbond_build_info{version="1.2.3"} 1');
    expect(lineOf(text, 'carbond_start_time_seconds ')).toBe('carbond_start_time_seconds 1893996000');
    expect(text).not.toContain('carbond_recent_'); // no energy contributor, no figures
  });

  it('gives each zone its intensity now, signal age and staleness', async () => {
    const text = await renderExposition(metricsOf({
      report: report({ zones: [{ zone: 'GB', dataAgeMs: 90_000, stale: false }, { zone: 'DE', dataAgeMs: null, stale: true }] }),
      startedAtMs: 0, intensity: [{ zone: 'GB', gPerKWh: 182.5, kind: 'measured', provider: 'uk' }],
    }));
    expect(lineOf(text, 'carbond_zone_intensity_grams_per_kwh{')).toBe('carbond_zone_intensity_grams_per_kwh{zone="GB",kind="measured",provider="uk"} 182.5');
    expect(text.split('\n').filter((l) => l.startsWith('carbond_zone_signal_age_seconds{'))).toEqual(['carbond_zone_signal_age_seconds{zone="GB"} 90']);
    expect(text.split('\n').filter((l) => l.startsWith('carbond_zone_signal_stale{'))).toEqual(['carbond_zone_signal_stale{zone="GB"} 0', 'carbond_zone_signal_stale{zone="DE"} 1']);
  });

  it('exposes the status window\'s energy, emissions and avoided emissions, and each running job\'s', async () => {
    const energy: StatusEnergy = {
      since: '2030-01-01T00:00:00.000Z',
      running: [{ jobId: 'j1', name: 'train', energyKWh: 1.5, actualG: 300, baselineG: 420, avoidedG: 120, provisionalG: 0, status: 'settled', actualBasis: 'measured', pauses: 2, moves: 1 }],
      total: { jobs: 4, energyKWh: 12.25, actualG: 2000, baselineG: 2600, avoidedG: 600, avoidedPct: 23.1, provisionalG: 50, status: 'provisional', pauses: 3, moves: 1 },
    } as StatusEnergy;
    const text = await renderExposition(metricsOf({ report: report({ energy }), startedAtMs: 0, intensity: [] }));
    expect(lineOf(text, 'carbond_recent_since_seconds ')).toBe(`carbond_recent_since_seconds ${Date.parse('2030-01-01T00:00:00Z') / 1000}`);
    const recent = ['jobs 4', 'energy_joules 44100000', 'emissions_grams 2000', 'baseline_grams 2600', 'avoided_grams 600', 'provisional_grams 50', 'pauses 3', 'moves 1'];
    expect(recent.map((s) => lineOf(text, `carbond_recent_${s.split(' ')[0]} `))).toEqual(recent.map((s) => `carbond_recent_${s}`));
    expect(lineOf(text, 'carbond_job_avoided_grams{')).toBe('carbond_job_avoided_grams{job="j1",name="train"} 120');
    expect(lineOf(text, 'carbond_job_energy_joules{')).toBe('carbond_job_energy_joules{job="j1",name="train"} 5400000'); // 1.5 kWh
    expect([lineOf(text, 'carbond_job_pauses{'), lineOf(text, 'carbond_job_moves{')]).toEqual(['carbond_job_pauses{job="j1",name="train"} 2', 'carbond_job_moves{job="j1",name="train"} 1']);
    expect(text).not.toMatch(/kilowatt_hours/);
  });

  it('reads metrics.listen as host and port, IPv6 in brackets', () => {
    expect(parseListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });
});
