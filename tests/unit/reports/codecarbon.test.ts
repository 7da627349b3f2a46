import type { ReportRows } from '../../../src/accounting/rows';
import { buildReport } from '../../../src/reports/build';
import { CODECARBON_COLUMNS, renderCodeCarbon } from '../../../src/reports/codecarbon';

const H = 3_600_000;
const T = Date.parse('2026-11-29T00:00:00Z');

/**
 * CodeCarbon 3.3's `EmissionsData` fields in declaration order (codecarbon/output_methods/
 * emissions_data.py, mlco2/codecarbon b05965e): the header its file writer compares before
 * appending. Written out here so a change on either side fails this test.
 */
const CODECARBON_3_HEADER = [
  'timestamp', 'project_name', 'run_id', 'experiment_id', 'duration', 'emissions', 'emissions_rate',
  'cpu_power', 'gpu_power', 'ram_power', 'cpu_energy', 'gpu_energy', 'ram_energy', 'energy_consumed', 'water_consumed',
  'country_name', 'country_iso_code', 'region', 'cloud_provider', 'cloud_region', 'os', 'python_version', 'codecarbon_version',
  'cpu_count', 'cpu_model', 'gpu_count', 'gpu_model', 'longitude', 'latitude', 'ram_total_size', 'tracking_mode',
  'cpu_utilization_percent', 'gpu_utilization_percent', 'ram_utilization_percent', 'ram_used_gb', 'on_cloud', 'pue', 'wue',
];

/** One job of 1 kWh at 200 g/kWh: runs 01:00–02:00 and 04:00–05:00, paused 02:00–04:00. */
function pausedJob(): ReportRows {
  const sample = (runId: number, startMs: number): ReportRows['samples'][number] => ({ jobId: 'j1', runId, site: 'box', zone: 'Z', startMs, durationMs: H, energyKWh: 0.5, meter: 'fixed', overhead: false });
  return {
    jobs: [{ id: 'j1', name: 'gru', owner: 'ann', submittedAtMs: T, deadlineMs: T + 10 * H, gpus: 1, homeSite: 'box', tags: {}, state: 'finished' }],
    runs: [
      { id: 1, jobId: 'j1', site: 'box', startedAtMs: T + H, endedAtMs: T + 2 * H, startStep: 0, lastStep: 5, exitKind: 'paused', lostSteps: 0 },
      { id: 2, jobId: 'j1', site: 'box', startedAtMs: T + 4 * H, endedAtMs: T + 5 * H, startStep: 5, lastStep: 10, exitKind: 'finished', lostSteps: 0 },
    ],
    transitions: [],
    decisions: [],
    samples: [sample(1, T + H), sample(2, T + 4 * H)],
    intensity: [{ zone: 'Z', startMs: T, durationMs: 6 * H, gPerKWh: 200, kind: 'measured', issuedAtMs: T, provider: 'em', signal: 'average' }],
    siteZones: { box: 'Z' },
  };
}

function cellsOf(csv: string): Record<string, string> {
  const [head, line] = csv.trim().split('\n');
  const names = head!.split(',');
  const cells = line!.split(',');
  expect(cells).toHaveLength(names.length);
  return Object.fromEntries(names.map((n, i) => [n, cells[i]!]));
}

describe('CodeCarbon emissions.csv', () => {
  it('has exactly CodeCarbon 3.x\'s columns, in its order', () => {
    expect([...CODECARBON_COLUMNS]).toEqual(CODECARBON_3_HEADER);
    const csv = renderCodeCarbon(buildReport(pausedJob(), { nowMs: T + 6 * H }));
    expect(csv.split('\n')[0]).toBe(CODECARBON_3_HEADER.join(','));
  });

  it('counts only the time the job ran as its duration, so power and rate are per second of work', () => {
    const c = cellsOf(renderCodeCarbon(buildReport(pausedJob(), { nowMs: T + 6 * H })));
    expect(c['duration']).toBe('7200'); // 01:00–05:00 less the 2 h pause
    expect(c['energy_consumed']).toBe('1');
    expect(c['emissions']).toBe('0.2');
    expect(Number(c['gpu_power'])).toBeCloseTo(500, 9); // 1 kWh over 2 h of running, not 250 W over 4 h
    expect(Number(c['emissions_rate'])).toBeCloseTo(0.2 / 7200, 12);
  });

  it('leaves the columns carbond does not measure empty rather than claiming zeros', () => {
    const c = cellsOf(renderCodeCarbon(buildReport(pausedJob(), { nowMs: T + 6 * H })));
    for (const col of ['water_consumed', 'wue', 'cpu_utilization_percent', 'gpu_utilization_percent', 'ram_utilization_percent', 'ram_used_gb']) expect(c[col]).toBe('');
    expect(c).toMatchObject({ tracking_mode: 'carbond', on_cloud: 'N', pue: '1', region: 'Z', gpu_count: '1' });
  });
});
