/**
 * "A month of simulated jobs on real traces": 40 jobs over the two weeks of the simulate
 * fixtures' traces (zones A and B), run by the built `carbond simulate --state-dir`, then
 * tagged with a project and a team (as `carbond submit --tag` would) so the report has
 * breakdowns to show.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openLedger, ledgerPath } from '../../../src/ledger/db';
import { isolatedEnv, runCli } from '../../helpers/processes';

const FIX = path.join(__dirname, '../../fixtures/jobs/simulate');
const H = 3_600_000;
const T0 = Date.parse('2021-07-01T00:00:00Z');
export const PROJECTS = ['llm', 'vision', 'speech', 'recsys'];

/** Jobs whose deadline the test tightens after the simulation (simulate refuses one that cannot fit), so some are missed. */
export const LATE_JOBS = ['job-01', 'job-10', 'job-19', 'job-28', 'job-37'];

/** 40 jobs: 2–15 h, 0.7–2.3 kW, some only in A. */
export function monthJobs(): unknown[] {
  return Array.from({ length: 40 }, (_, i) => {
    const submit = T0 + ((i * 7.7) % 300) * H + (i % 3) * H;
    const dur = 2 + ((i * 5) % 14);
    const slack = dur + 6 + (i % 4) * 6;
    return {
      id: `job-${String(i + 1).padStart(2, '0')}`, submitAt: new Date(submit).toISOString(), deadline: new Date(submit + slack * H).toISOString(),
      durationHours: dur, powerW: 700 + (i % 5) * 400, sites: i % 3 === 0 ? ['A'] : ['A', 'B'], homeSite: i % 3 === 0 || i % 2 ? 'A' : 'B', gpus: 1 + (i % 4),
    };
  });
}

/** Simulates the month into `stateDir` and tags the jobs; returns the env the CLI ran with. */
export async function writeMonthLedger(dir: string, stateDir: string): Promise<NodeJS.ProcessEnv> {
  const env = isolatedEnv(dir);
  const jobsFile = path.join(dir, 'jobs.json');
  fs.writeFileSync(jobsFile, JSON.stringify(monthJobs()));
  const sim = await runCli(['simulate', '--trace', `A=${path.join(FIX, 'A_trace.csv')}`, '--trace', `B=${path.join(FIX, 'B_trace.csv')}`, '--forecast', 'perfect',
    '--jobs', jobsFile, '--state-dir', stateDir, '--json'], env, 120_000);
  if (sim.code !== 0) throw new Error(`simulate failed (${sim.code}): ${sim.stderr}`);
  const db = openLedger(ledgerPath(stateDir), { nowMs: T0 });
  try {
    const ids = db.prepare('SELECT id FROM jobs ORDER BY id').pluck().all() as string[];
    const set = db.prepare('UPDATE jobs SET tags_json = ? WHERE id = ?');
    ids.forEach((id, i) => set.run(JSON.stringify({ simulated: 'true', project: PROJECTS[i % PROJECTS.length], team: i % 2 ? 'research' : 'platform' }), id));
    const tighten = db.prepare('UPDATE jobs SET deadline_at = submitted_at + ? WHERE id = ?');
    for (const id of LATE_JOBS) tighten.run(H, id);
  } finally {
    db.close();
  }
  return env;
}
