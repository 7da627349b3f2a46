/**
 * `carbond simulate --state-dir D`: keeps the simulated history in a ledger in D through the
 * normal `src/ledger` modules — jobs, transitions, runs, energy samples (meter `simulated`,
 * at most one hour each, overhead flagged), the intensity points of the traces over the
 * simulated period (provider `replay`), and every plan with its decisions — so `status`
 * and the reports read a simulation like a real history.
 */
import * as fs from 'node:fs';
import type { IntensityPoint } from '../../forecasts/types';
import type { Plan } from '../../scheduler';
import { insertEnergySamples, type EnergySampleRow } from '../ledger/energy';
import { closeLedger, ledgerPath, openLedger } from '../ledger/db';
import { insertIntensityPoints } from '../ledger/intensity';
import { appendTransition, insertJob, type JobRecord } from '../ledger/jobs';
import { recordPlan, type PlanRow } from '../ledger/plans';
import { endRun, insertRun } from '../ledger/runs';
import type { JobState } from './executor';
import type { ZoneSignal } from './signal';

const HOUR_MS = 3_600_000;

/** Collects plans during a simulation (the engine's `onPlan`). */
export class PlanCollector {
  readonly rows: PlanRow[] = [];
  readonly onPlan = (plan: Plan, nowMs: number): void => {
    this.rows.push({
      createdAtMs: nowMs, policy: plan.policy, nextWakeMs: plan.nextWakeMs,
      planJson: JSON.stringify({ jobs: plan.jobs, nextWakeMs: plan.nextWakeMs }),
      decisions: plan.decisions.map((d) => ({ jobId: d.jobId, action: d.action, site: d.site ?? null, reason: d.reason })),
    });
  };
}

function jobRecord(s: JobState): JobRecord {
  const j = s.job;
  return {
    id: j.id, name: j.id, owner: 'simulation', uid: null, gid: null, command: ['(simulated)'], useShell: false, cwd: '/',
    env: {}, submittedAtMs: j.submitAtMs, deadlineMs: j.deadlineMs, estimateMs: j.durationMs, totalSteps: null,
    powerW: j.powerW, gpus: 1, sites: j.sites, homeSite: j.homeSite, mode: 'checkpoint', pauseSignal: 'SIGTERM',
    checkpointTimeoutMs: 0, pauseOverheadMs: j.pauseOverheadMs, tags: { simulated: 'true' }, manualOverride: null, checkpointDir: '',
  };
}

/** Energy samples of one segment, cut at hour boundaries; the overhead at its start flagged. */
function samplesOf(s: JobState, seg: JobState['segments'][number], runId: number): EnergySampleRow[] {
  const out: EnergySampleRow[] = [];
  const cuts = [seg.startMs, seg.startMs + seg.overheadMs];
  for (let h = Math.floor(seg.startMs / HOUR_MS + 1) * HOUR_MS; h < seg.endMs; h += HOUR_MS) cuts.push(h);
  cuts.push(seg.endMs);
  const sorted = [...new Set(cuts)].filter((t) => t >= seg.startMs && t <= seg.endMs).sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b <= a) continue;
    out.push({
      jobId: s.job.id, runId, site: seg.site, zone: seg.site, startMs: a, durationMs: b - a,
      energyKWh: (s.job.powerW * (b - a)) / HOUR_MS / 1000, powerW: s.job.powerW, meter: 'simulated', overhead: b <= seg.startMs + seg.overheadMs,
    });
  }
  return out;
}

function writeJob(db: ReturnType<typeof openLedger>, s: JobState): void {
  insertJob(db, jobRecord(s));
  const segs = s.segments;
  let k = 0;
  for (const t of s.transitions) {
    if (t.to === 'running') {
      if (t.from === 'running') appendTransition(db, s.job.id, 'paused', t.atMs, 'migrating: checkpoint moves to another site');
      appendTransition(db, s.job.id, 'running', t.atMs, t.reason);
      const seg = segs[k++];
      if (!seg || seg.endMs <= seg.startMs) continue;
      const run = insertRun(db, { jobId: s.job.id, site: seg.site, startedAtMs: seg.startMs, gpuIds: '', resumedFrom: null, startStep: 0 });
      const finished = seg === segs[segs.length - 1] && s.finishedAtMs !== undefined;
      endRun(db, run.id, { endedAtMs: seg.endMs, exitKind: finished ? 'finished' : 'paused', exitCode: finished ? 0 : null, exitSignal: null, lostSteps: 0 });
      insertEnergySamples(db, samplesOf(s, seg, run.id));
    } else if (t.to === 'paused') appendTransition(db, s.job.id, 'paused', t.atMs, t.reason);
    else if (t.to === 'done') appendTransition(db, s.job.id, 'finished', t.atMs, t.reason);
  }
}

/** The measured points of each zone over the simulated period, as the replay served them. */
function tracePoints(zones: ReadonlyMap<string, ZoneSignal>, fromMs: number, toMs: number): IntensityPoint[] {
  const out: IntensityPoint[] = [];
  for (const [zone, z] of zones) {
    const m = z.measured;
    for (let i = 0; i < m.startMs.length; i++) {
      const start = m.startMs[i]!;
      if (start + m.stepMs <= fromMs || start >= toMs) continue;
      out.push({ zone, startMs: start, durationMs: m.stepMs, gPerKWh: m.gPerKWh[i]!, kind: 'measured', issuedAtMs: start + m.stepMs, provider: 'replay', signal: 'average' });
    }
  }
  return out;
}

/**
 * Writes a finished simulation into the ledger of `stateDir` (created when missing).
 * `nowMs` is the time recorded for migrations (the simulation's end).
 */
export function writeSimulationLedger(stateDir: string, states: readonly JobState[], zones: ReadonlyMap<string, ZoneSignal>, plans: PlanCollector, nowMs: number): string {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = ledgerPath(stateDir);
  const db = openLedger(file, { nowMs });
  try {
    const fromMs = states.reduce((m, s) => Math.min(m, s.job.submitAtMs), Infinity);
    const toMs = states.reduce((m, s) => Math.max(m, s.finishedAtMs ?? s.job.deadlineMs), 0);
    db.transaction(() => {
      for (const s of states) writeJob(db, s);
      insertIntensityPoints(db, tracePoints(zones, fromMs - HOUR_MS, toMs + HOUR_MS), nowMs);
      for (const row of plans.rows) recordPlan(db, row);
    })();
  } finally {
    closeLedger(db);
  }
  return file;
}
