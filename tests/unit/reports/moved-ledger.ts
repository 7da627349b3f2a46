/**
 * A small ledger for "where it ran" tests (issue 15), written through the ledger's own
 * functions: site box1 in zone GB (300 g/kWh, measured), site box2 in zone FR (50 g/kWh,
 * measured), hourly energy samples of 1 kWh.
 * - `moved` (home box1): runs 00:00–02:00 on box1, ends paused (checkpointed), then runs on
 *   box2 from 03:00 (finished at 05:00, or still running at NOW): a move, not a pause.
 * - `paused` (home box1): runs 00:00–01:00 on box1, ends paused, resumes on box1 02:00–03:00: a pause.
 * - `away` (home box1): runs only on box2, 00:00–02:00. `queued` (home box1): never runs.
 */
import { openLedger, type Db } from '../../../src/ledger/db';
import { insertEnergySamples, type EnergySampleRow } from '../../../src/ledger/energy';
import { insertIntensityPoints } from '../../../src/ledger/intensity';
import { appendTransition, insertJob } from '../../../src/ledger/jobs';
import { endRun, insertRun, recordProgress } from '../../../src/ledger/runs';

export const H = 3_600_000;
export const T0 = Date.parse('2026-11-02T00:00:00Z');
export const NOW = T0 + 6 * H;
export const SITE_ZONES: Readonly<Record<string, string>> = { box1: 'GB', box2: 'FR' };
export const G_PER_KWH: Readonly<Record<string, number>> = { GB: 300, FR: 50 };

function job(db: Db, id: string): void {
  insertJob(db, {
    id, name: `train-${id}`, owner: 'ann', uid: null, gid: null, command: ['python', 'train.py'], useShell: false, cwd: '/srv', env: {},
    submittedAtMs: T0, deadlineMs: T0 + 24 * H, estimateMs: 4 * H, totalSteps: null, powerW: null, gpus: 1, sites: ['box1', 'box2'], homeSite: 'box1',
    mode: 'checkpoint', pauseSignal: 'SIGTERM', checkpointTimeoutMs: 120_000, pauseOverheadMs: 0, tags: { project: 'p' }, manualOverride: null, checkpointDir: '/srv/ck',
  });
}

/** One run from `startH` to `endH` (null: still going) on `site`, with a 1 kWh sample an hour. */
function run(db: Db, id: string, site: string, startH: number, endH: number | null, exitKind: 'paused' | 'finished', startStep: number): EnergySampleRow[] {
  const r = insertRun(db, { jobId: id, site, startedAtMs: T0 + startH * H, gpuIds: '0', resumedFrom: null, startStep });
  appendTransition(db, id, 'running', T0 + startH * H, startStep === 0 ? 'plan: start' : `plan: resume on ${site}`);
  const lastH = endH ?? (NOW - T0) / H;
  recordProgress(db, r.id, T0 + lastH * H, startStep + (lastH - startH) * 100, null);
  if (endH !== null) {
    endRun(db, r.id, { endedAtMs: T0 + endH * H, exitKind, exitCode: 0, exitSignal: null, lostSteps: 0 });
    appendTransition(db, id, exitKind, T0 + endH * H, exitKind === 'paused' ? 'checkpoint verified' : 'exit 0');
  }
  const samples: EnergySampleRow[] = [];
  for (let h = startH; h < lastH; h++) {
    samples.push({ jobId: id, runId: r.id, site, zone: SITE_ZONES[site]!, startMs: T0 + h * H, durationMs: H, energyKWh: 1, powerW: 1000, meter: 'nvidia-smi', overhead: false });
  }
  return samples;
}

/** Writes the jobs asked for into a new in-memory ledger and returns it open (close it after). */
export function writeMovedLedger(jobs: { moved?: 'finished' | 'running'; paused?: boolean; away?: boolean; queued?: boolean }): Db {
  const db = openLedger(':memory:', { nowMs: T0 });
  db.transaction(() => {
    insertIntensityPoints(db, Object.entries(G_PER_KWH).flatMap(([zone, gPerKWh]) => Array.from({ length: 24 }, (_, h) => ({
      zone, startMs: T0 - 2 * H + h * H, durationMs: H, gPerKWh, kind: 'measured' as const, issuedAtMs: T0 - H + h * H, provider: 'p', signal: 'average' as const,
    }))), T0);
    const samples: EnergySampleRow[] = [];
    if (jobs.moved) {
      job(db, 'moved');
      samples.push(...run(db, 'moved', 'box1', 0, 2, 'paused', 0), ...run(db, 'moved', 'box2', 3, jobs.moved === 'finished' ? 5 : null, 'finished', 200));
    }
    if (jobs.paused) {
      job(db, 'paused');
      samples.push(...run(db, 'paused', 'box1', 0, 1, 'paused', 0), ...run(db, 'paused', 'box1', 2, 3, 'finished', 100));
    }
    if (jobs.away) {
      job(db, 'away');
      samples.push(...run(db, 'away', 'box2', 0, 2, 'finished', 0));
    }
    if (jobs.queued) job(db, 'queued');
    insertEnergySamples(db, samples);
  })();
  return db;
}
