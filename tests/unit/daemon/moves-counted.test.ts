/**
 * `show`, `report` and the Prometheus metrics count a checkpointed pause followed by a run on
 * another site as a move, not a pause, as `simulate` does (issue 15).
 */
import * as prom from 'prom-client';
import { renderDetail } from '../../../src/cli/commands/show';
import { jobDetail } from '../../../src/daemon/jobs/views';
import { metricsOf } from '../../../src/daemon/metrics/exposition';
import { CarbondMetrics } from '../../../src/daemon/metrics/registry';
import type { StatusReport } from '../../../src/daemon/status/types';
import type { Db } from '../../../src/ledger/db';
import { loadReportRows } from '../../../src/ledger/report-rows';
import { buildReport } from '../../../src/reports/build';
import { statusEnergy } from '../../../src/reports/status';
import { NOW, SITE_ZONES, writeMovedLedger } from '../reports/moved-ledger';

/** The metrics text a scrape would serve for this ledger's status figures. */
async function scrapeOf(db: Db): Promise<string> {
  const report: StatusReport & { energy: ReturnType<typeof statusEnergy> } = {
    source: 'daemon', daemon: { running: true, pid: 1, startedAt: null, version: '1', socketPath: '/s' }, ledger: { path: '/l', exists: true, schemaVersion: 1 },
    zones: [], jobs: [], notes: [], energy: statusEnergy(db, NOW, SITE_ZONES),
  };
  const m = new CarbondMetrics(prom);
  m.setGauges(metricsOf({ report, startedAtMs: 0, intensity: [] }));
  return m.text();
}

const lines = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));

describe('a move is a move everywhere', () => {
  let db: Db;
  afterEach(() => db.close());

  it.each([
    ['moved', { moved: 'running' as const }, { pauses: 0, moves: 1 }],
    ['paused', { paused: true }, { pauses: 1, moves: 0 }],
  ])('%s: show, report and metrics agree', async (id, jobs, want) => {
    db = writeMovedLedger(jobs);
    const d = jobDetail(db, id, NOW)!;
    expect({ pauses: d.pauses, moves: d.moves }).toEqual(want);
    expect(renderDetail(d)).toContain(`pauses    ${want.pauses}; moves to another site ${want.moves}`);

    const j = buildReport(loadReportRows(db, {}, SITE_ZONES), { nowMs: NOW }).jobs.find((x) => x.id === id)!;
    expect({ pauses: j.figures.pauses, moves: j.figures.moves }).toEqual(want);

    const text = await scrapeOf(db);
    expect(lines(text, 'carbond_recent_pauses')).toEqual([`carbond_recent_pauses ${want.pauses}`]);
    expect(lines(text, 'carbond_recent_moves')).toEqual([`carbond_recent_moves ${want.moves}`]);
  });

  it('gives a running job that moved its own series: 1 move, 0 pauses', async () => {
    db = writeMovedLedger({ moved: 'running', paused: true });
    const text = await scrapeOf(db);
    expect(lines(text, 'carbond_job_moves')).toEqual(['carbond_job_moves{job="moved",name="train-moved"} 1']);
    expect(lines(text, 'carbond_job_pauses')).toEqual(['carbond_job_pauses{job="moved",name="train-moved"} 0']);
    expect(lines(text, 'carbond_recent_pauses')).toEqual(['carbond_recent_pauses 1']);
    expect(lines(text, 'carbond_recent_moves')).toEqual(['carbond_recent_moves 1']);
  });
});
