/** `carbond report --group-by site|zone` puts each part of a job where it ran (issue 15). */
import type { Db } from '../../../src/ledger/db';
import { loadReportRows } from '../../../src/ledger/report-rows';
import { buildReport } from '../../../src/reports/build';
import { CSV_HEADER, renderCsv } from '../../../src/reports/csv';
import type { GroupBy, Report } from '../../../src/reports/model';
import { insertEnergySamples } from '../../../src/ledger/energy';
import { NOW, SITE_ZONES, T0, writeMovedLedger } from './moved-ledger';

const H = 3_600_000;

function reportOf(db: Db, groupBy: GroupBy): Report {
  return buildReport(loadReportRows(db, {}, SITE_ZONES), { nowMs: NOW, groupBy });
}

function group(r: Report, key: string): Report['groups'][number]['figures'] {
  const g = r.groups.find((x) => x.key === key);
  if (!g) throw new Error(`no group ${key} in ${r.groups.map((x) => x.key).join(', ')}`);
  return g.figures;
}

describe('grouping by where a job ran', () => {
  let db: Db;
  afterEach(() => db.close());

  it.each([
    ['zone', 'GB', 'FR'],
    ['site', 'box1', 'box2'],
  ] as const)('by %s: the first segment\'s energy and emissions go to %s, the second\'s to %s, the baseline stays home', (groupBy, home, away) => {
    db = writeMovedLedger({ moved: 'finished' });
    const r = reportOf(db, groupBy);
    // 2 kWh at 300 g/kWh at home, then 2 kWh at 50 g/kWh away; the baseline is all 4 kWh at home from submission.
    expect(r.groups.map((g) => g.key)).toEqual([home, away]);
    expect(group(r, home)).toMatchObject({ jobs: 1, energyKWh: 2, actualG: 600, baselineG: 1200, avoidedG: 600, moves: 1, pauses: 0, pausedMs: H });
    expect(group(r, away)).toMatchObject({ jobs: 1, energyKWh: 2, actualG: 100, baselineG: 0, avoidedG: -100, avoidedPct: null, moves: 0, pauses: 0, pausedMs: 0 });
    expect(r.totals).toMatchObject({ jobs: 1, energyKWh: 4, actualG: 700, baselineG: 1200, avoidedG: 500, moves: 1, pauses: 0, pausedMs: H });
    expect(r.notes.join(' ')).toMatch(/baseline stays with the job's home (site|zone).*negative/i);
  });

  it('books a checkpoint copy\'s energy (a sample without a run, in the destination\'s zone) to the destination site', () => {
    db = writeMovedLedger({ moved: 'finished' });
    // The copy to box2 took 30 min at 100 W, before the run there (3 h).
    insertEnergySamples(db, [{ jobId: 'moved', runId: null, site: 'box2', zone: 'FR', startMs: T0 + 2.5 * H, durationMs: H / 2, energyKWh: 0.05, powerW: 100, meter: 'transfer', overhead: true }]);
    const bySite = reportOf(db, 'site');
    expect(group(bySite, 'box2')).toMatchObject({ energyKWh: 2.05, actualG: 102.5 });
    expect(group(bySite, 'box1')).toMatchObject({ energyKWh: 2, actualG: 600 });
    expect(reportOf(db, 'zone').groups.map((g) => g.key)).toEqual(['GB', 'FR']);
  });

  it('keeps the totals of every grouping equal, and the groups of site and zone add up to them', () => {
    db = writeMovedLedger({ moved: 'finished', paused: true });
    const byJob = reportOf(db, 'job');
    for (const groupBy of ['zone', 'site', 'owner'] as const) {
      const r = reportOf(db, groupBy);
      expect(r.totals).toEqual(byJob.totals);
      for (const f of ['energyKWh', 'actualG', 'baselineG', 'avoidedG', 'pauses', 'moves', 'pausedMs', 'sciG'] as const) {
        expect(r.groups.reduce((s, g) => s + g.figures[f], 0)).toBeCloseTo(r.totals[f], 6);
      }
    }
    // both jobs ran in GB; only the moved one in FR: a job counts in every group where it ran
    const z = reportOf(db, 'zone');
    expect(group(z, 'GB')).toMatchObject({ jobs: 2, energyKWh: 4, actualG: 1200, baselineG: 1800, pauses: 1, moves: 1, deadlinesMet: 2 });
    expect(group(z, 'FR')).toMatchObject({ jobs: 1, energyKWh: 2, actualG: 100, baselineG: 0, pauses: 0, moves: 0, deadlinesMet: 1 });
    expect(z.zonesUsed.map((u) => [u.zone, u.energyKWh, u.actualG])).toEqual([['GB', 4, 1200], ['FR', 2, 100]]);
    expect(reportOf(db, 'owner').groups).toEqual([{ key: 'ann', figures: byJob.totals }]);
  });

  it('counts a job that ran only away from home there, and a job that never ran at home; the baseline stays home', () => {
    db = writeMovedLedger({ away: true, queued: true });
    const r = reportOf(db, 'site');
    expect(group(r, 'box1')).toMatchObject({ jobs: 1, energyKWh: 0, actualG: 0, baselineG: 600, avoidedG: 600, deadlinesOpen: 1, deadlinesMet: 0, sciPerRunG: null });
    expect(group(r, 'box2')).toMatchObject({ jobs: 1, energyKWh: 2, actualG: 100, baselineG: 0, avoidedG: -100, deadlinesMet: 1, sciPerRunG: 100 });
    expect(r.totals).toMatchObject({ jobs: 2, energyKWh: 2, actualG: 100, baselineG: 600, avoidedG: 500 });
  });

  it('says nothing about moved work when every job ran at home', () => {
    db = writeMovedLedger({ paused: true });
    const r = reportOf(db, 'zone');
    expect(r.groups).toEqual([{ key: 'GB', figures: r.totals }]);
    expect(r.notes.join(' ')).not.toMatch(/negative/);
  });
});

describe('moves and pauses in the report', () => {
  let db: Db;
  afterEach(() => db.close());

  it('counts a pause followed by a run on another site as a move, and one resumed on the same site as a pause, in JSON and CSV', () => {
    db = writeMovedLedger({ moved: 'finished', paused: true });
    const r = reportOf(db, 'job');
    const figures = Object.fromEntries(r.jobs.map((j) => [j.id, { pauses: j.figures.pauses, moves: j.figures.moves }]));
    expect(figures).toEqual({ moved: { pauses: 0, moves: 1 }, paused: { pauses: 1, moves: 0 } });
    const lines = renderCsv(r).trim().split('\n').map((l) => l.split(','));
    const col = (name: string): number => CSV_HEADER.indexOf(name);
    expect(CSV_HEADER[CSV_HEADER.length - 1]).toBe('moves'); // appended: older columns keep their places
    const row = (key: string): string[] => lines.find((l) => l[1] === key)!;
    expect([row('moved')[col('pauses')], row('moved')[col('moves')]]).toEqual(['0', '1']);
    expect([row('paused')[col('pauses')], row('paused')[col('moves')]]).toEqual(['1', '0']);
    expect([row('all')[col('pauses')], row('all')[col('moves')]]).toEqual(['1', '1']);
  });
});
