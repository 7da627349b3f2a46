/**
 * A small, realistic ledger for report tests: two zones (GB half-hourly from `uk`, FR
 * hourly from `em`), three jobs (one paused and resumed with an overhead, one migrated to
 * FR, one still running into hours that only have forecasts), minute energy samples that
 * do not align with the intensity intervals, transitions and decisions with reasons.
 * Jobs and transitions are written through the ledger (`insertJob`, `appendTransition`: they
 * keep `jobs.state`); runs with direct SQL (schema v1); energy with `insertEnergySamples`.
 */
import { openLedger, ledgerPath, type Db } from '../../../src/ledger/db';
import { insertEnergySamples, type EnergySampleRow } from '../../../src/ledger/energy';
import { appendTransition, insertJob as insertLedgerJob } from '../../../src/ledger/jobs';
import type { JobState } from '../../../src/jobs/states';

export const T0 = Date.parse('2026-11-02T00:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;
/** The ledger's "now": GB has measured points up to T0 + 40 h, forecasts after. */
export const NOW = T0 + 44 * HOUR;
export const MEASURED_UNTIL = T0 + 40 * HOUR;

export function gbIntensity(startMs: number): number {
  return Math.round(200 + 120 * Math.sin(((startMs - T0) / HOUR / 24) * 2 * Math.PI));
}
export function gbForecast(startMs: number): number {
  return gbIntensity(startMs) + 25;
}
export function frIntensity(startMs: number): number {
  return 40 + ((startMs - T0) / HOUR) % 7;
}

export function insertPoint(db: Db, p: { zone: string; start: number; durationMs: number; g: number; kind: 'measured' | 'forecast'; issuedAt: number; provider: string }): void {
  db.prepare(`INSERT INTO intensity_points (zone, start, duration_ms, g_per_kwh, kind, issued_at, provider, signal, fetched_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'average', ?)`).run(p.zone, p.start, p.durationMs, p.g, p.kind, p.issuedAt, p.provider, p.issuedAt);
}

/** Measured GB points for the forecast-only hours: what settlement brings. */
export function settleGb(db: Db): void {
  for (let t = MEASURED_UNTIL; t < T0 + 48 * HOUR; t += 30 * MIN) {
    insertPoint(db, { zone: 'GB', start: t, durationMs: 30 * MIN, g: gbIntensity(t), kind: 'measured', issuedAt: NOW + HOUR, provider: 'uk' });
  }
}

function insertJob(db: Db, j: { id: string; name: string; owner: string; submittedAt: number; gpus: number; home: string; tags: Record<string, string> }): void {
  insertLedgerJob(db, { id: j.id, name: j.name, owner: j.owner, uid: null, gid: null, command: ['python', 'train.py'], useShell: false, cwd: '/tmp', env: {},
    submittedAtMs: j.submittedAt, deadlineMs: j.submittedAt + 40 * HOUR, estimateMs: 4 * HOUR, totalSteps: null, powerW: null, gpus: j.gpus,
    sites: ['box1', 'box2'], homeSite: j.home, mode: 'checkpoint', pauseSignal: 'SIGTERM', checkpointTimeoutMs: 120_000, pauseOverheadMs: 300_000,
    tags: j.tags, manualOverride: null, checkpointDir: '/tmp/ck' });
}

function insertRun(db: Db, r: { jobId: string; site: string; start: number; end: number | null; startStep: number; lastStep: number; exit: string | null }): number {
  return Number(db.prepare(`INSERT INTO runs (job_id, site, started_at, ended_at, gpu_ids, start_step, last_step, exit_kind) VALUES (?, ?, ?, ?, '0,1', ?, ?, ?)`)
    .run(r.jobId, r.site, r.start, r.end, r.startStep, r.lastStep, r.exit).lastInsertRowid);
}

/** Appends `from → to` through the ledger (which checks the state table and keeps `jobs.state`). */
function transition(db: Db, jobId: string, at: number, from: string, to: JobState, reason: string): void {
  const t = appendTransition(db, jobId, to, at, reason);
  if (t.from !== from) throw new Error(`report ledger: job ${jobId} was ${t.from}, not ${from}`);
}

function decide(db: Db, jobId: string, at: number, action: string, site: string | null, reason: string): void {
  const plan = Number(db.prepare(`INSERT INTO plans (created_at, policy, plan_json) VALUES (?, 'carbond', '{}')`).run(at).lastInsertRowid);
  db.prepare('INSERT INTO decisions (plan_id, job_id, at, action, site, reason) VALUES (?, ?, ?, ?, ?, ?)').run(plan, jobId, at, action, site, reason);
}

/** Minute samples of a run from `start` to `end` (offset 17 s so they straddle interval edges). */
function samplesOf(jobId: string, runId: number, site: string, zone: string, start: number, end: number, overheadMs: number): EnergySampleRow[] {
  const out: EnergySampleRow[] = [];
  for (let t = start + 17_000, i = 0; t < end; t += MIN, i++) {
    const durationMs = Math.min(MIN, end - t);
    const powerW = 600 + (i % 5) * 13.7;
    out.push({ jobId, runId, site, zone, startMs: t, durationMs, energyKWh: (powerW * durationMs) / 3.6e9, powerW, meter: 'nvidia-smi', overhead: t - start < overheadMs });
  }
  return out;
}

/** Writes the ledger into `stateDir` and returns it open. */
export function writeReportLedger(stateDir: string): Db {
  const db = openLedger(ledgerPath(stateDir), { nowMs: T0 });
  db.transaction(() => {
    for (let t = T0 - 24 * HOUR; t < MEASURED_UNTIL; t += 30 * MIN) {
      insertPoint(db, { zone: 'GB', start: t, durationMs: 30 * MIN, g: gbIntensity(t), kind: 'measured', issuedAt: t + 30 * MIN, provider: 'uk' });
      insertPoint(db, { zone: 'GB', start: t, durationMs: 30 * MIN, g: gbForecast(t) + 50, kind: 'forecast', issuedAt: t - 2 * HOUR, provider: 'uk' });
    }
    for (let t = MEASURED_UNTIL; t < T0 + 48 * HOUR; t += 30 * MIN) {
      insertPoint(db, { zone: 'GB', start: t, durationMs: 30 * MIN, g: gbForecast(t) + 40, kind: 'forecast', issuedAt: MEASURED_UNTIL - 3 * HOUR, provider: 'uk' });
      insertPoint(db, { zone: 'GB', start: t, durationMs: 30 * MIN, g: gbForecast(t), kind: 'forecast', issuedAt: MEASURED_UNTIL, provider: 'uk' });
    }
    for (let t = T0 - 24 * HOUR; t < T0 + 48 * HOUR; t += HOUR) insertPoint(db, { zone: 'FR', start: t, durationMs: HOUR, g: frIntensity(t), kind: 'measured', issuedAt: t + HOUR, provider: 'em' });

    insertJob(db, { id: 'job-a', name: 'llm-finetune', owner: 'alice', submittedAt: T0, gpus: 2, home: 'box1', tags: { project: 'llm' } });
    const a1 = insertRun(db, { jobId: 'job-a', site: 'box1', start: T0 + 10 * MIN, end: T0 + 2 * HOUR, startStep: 0, lastStep: 1100, exit: 'paused' });
    const a2 = insertRun(db, { jobId: 'job-a', site: 'box1', start: T0 + 14 * HOUR, end: T0 + 17 * HOUR, startStep: 1100, lastStep: 3000, exit: 'finished' });
    transition(db, 'job-a', T0 + 10 * MIN, 'queued', 'running', 'started: 212 g now is the lowest of the next 2 h');
    decide(db, 'job-a', T0 + 2 * HOUR, 'pause', null, 'paused 02:00: next 6 h average 142 g vs 289 g now; saves 1.9 kg net of 0.1 kg overhead');
    decide(db, 'job-a', T0 + 2 * HOUR + MIN, 'keep', null, 'paused: waiting for the trough');
    transition(db, 'job-a', T0 + 2 * HOUR, 'running', 'paused', 'checkpoint 1100 verified');
    decide(db, 'job-a', T0 + 14 * HOUR, 'resume', 'box1', 'resumed 14:00: 96 g, the trough');
    transition(db, 'job-a', T0 + 14 * HOUR, 'paused', 'running', 'resumed from checkpoint 1100');
    transition(db, 'job-a', T0 + 17 * HOUR, 'running', 'finished', 'exit 0');
    insertEnergySamples(db, [...samplesOf('job-a', a1, 'box1', 'GB', T0 + 10 * MIN, T0 + 2 * HOUR, 0), ...samplesOf('job-a', a2, 'box1', 'GB', T0 + 14 * HOUR, T0 + 17 * HOUR, 5 * MIN)]);

    insertJob(db, { id: 'job-b', name: 'vision-resnet', owner: 'bob', submittedAt: T0 + 6 * HOUR, gpus: 1, home: 'box1', tags: { project: 'vision' } });
    const b1 = insertRun(db, { jobId: 'job-b', site: 'box2', start: T0 + 6 * HOUR + 5 * MIN, end: T0 + 9 * HOUR, startStep: 0, lastStep: 5000, exit: 'finished' });
    decide(db, 'job-b', T0 + 6 * HOUR, 'migrate', 'box2', 'moved to box2 (FR): 45 g vs 260 g in GB');
    transition(db, 'job-b', T0 + 6 * HOUR + 5 * MIN, 'queued', 'running', 'started on box2');
    transition(db, 'job-b', T0 + 9 * HOUR, 'running', 'finished', 'exit 0');
    insertEnergySamples(db, samplesOf('job-b', b1, 'box2', 'FR', T0 + 6 * HOUR + 5 * MIN, T0 + 9 * HOUR, 3 * MIN));

    insertJob(db, { id: 'job-c', name: 'llm-pretrain', owner: 'alice', submittedAt: T0 + 37 * HOUR, gpus: 2, home: 'box1', tags: { project: 'llm' } });
    const c1 = insertRun(db, { jobId: 'job-c', site: 'box1', start: T0 + 38 * HOUR, end: null, startStep: 0, lastStep: 800, exit: null });
    transition(db, 'job-c', T0 + 38 * HOUR, 'queued', 'running', 'deadline guard: must run now');
    insertEnergySamples(db, samplesOf('job-c', c1, 'box1', 'GB', T0 + 38 * HOUR, NOW, 0));
  })();
  return db;
}
