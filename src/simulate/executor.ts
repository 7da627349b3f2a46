/**
 * The simulated executor: applies the planner's decisions to simulated jobs and runs them
 * between ticks. A resume or a migration first spends the job's `pauseOverheadMs` running at
 * full power without progress (checkpoint load, restart, warm-up), as issue 4 specifies;
 * a fresh start does not. Segments record what ran, overheads included.
 */
import type { Decision } from '../../scheduler';
import type { ActualIntensity } from './actuals';
import type { SimJob } from './jobs';

export type SimPhase = 'pending' | 'queued' | 'running' | 'paused' | 'done';

export interface SimSegment {
  site: string;
  startMs: number;
  endMs: number;
  /** Resume/migration overhead spent at the start of this segment, ms. */
  overheadMs: number;
}

/** One job's simulated state and its accounting so far. */
export interface JobState {
  readonly job: SimJob;
  phase: SimPhase;
  /** Running site, or where the last checkpoint lives when paused. */
  site?: string;
  remainingMs: number;
  overheadLeftMs: number;
  segments: SimSegment[];
  energyKWh: number;
  emissionsG: number;
  overheadG: number;
  pauses: number;
  migrations: number;
  finishedAtMs?: number;
  /** Every decision that changed something, with its reason (for the ledger and `--json`). */
  transitions: { atMs: number; from: SimPhase; to: SimPhase; site?: string; reason: string }[];
}

export function newJobState(job: SimJob): JobState {
  return {
    job, phase: 'pending', remainingMs: job.durationMs, overheadLeftMs: 0, segments: [],
    energyKWh: 0, emissionsG: 0, overheadG: 0, pauses: 0, migrations: 0, transitions: [],
  };
}

function openSegment(s: JobState, site: string, nowMs: number): void {
  s.segments.push({ site, startMs: nowMs, endMs: nowMs, overheadMs: 0 });
}

function note(s: JobState, to: SimPhase, atMs: number, reason: string): void {
  s.transitions.push({ atMs, from: s.phase, to, ...(s.site !== undefined ? { site: s.site } : {}), reason });
  s.phase = to;
}

/** Applies one decision at `nowMs`. `keep` changes nothing. */
export function applyDecision(s: JobState, d: Decision, nowMs: number): void {
  if (s.phase === 'done' || d.action === 'keep') return;
  const site = d.site ?? s.site ?? s.job.homeSite;
  if (d.action === 'start' && s.phase === 'queued') {
    s.site = site;
    openSegment(s, site, nowMs);
    note(s, 'running', nowMs, d.reason);
  } else if (d.action === 'pause' && s.phase === 'running') {
    s.overheadLeftMs = 0; // an interrupted resume is lost; the next resume pays in full
    s.pauses++;
    note(s, 'paused', nowMs, d.reason);
  } else if ((d.action === 'resume' && s.phase === 'paused') || (d.action === 'migrate' && s.phase === 'running' && site !== s.site)) {
    if (d.action === 'migrate') s.migrations++;
    s.site = site;
    s.overheadLeftMs = s.job.pauseOverheadMs;
    openSegment(s, site, nowMs);
    note(s, 'running', nowMs, d.reason);
  }
}

/** Runs a running job from `fromMs` to `toMs` (or until it finishes), charging actual emissions. */
export function advanceJob(s: JobState, fromMs: number, toMs: number, actual: ActualIntensity): void {
  if (s.phase !== 'running') return;
  const power = s.job.powerW;
  let t = fromMs;
  if (s.overheadLeftMs > 0) {
    const d = Math.min(s.overheadLeftMs, toMs - t);
    const g = actual.emissionsG(power, t, t + d);
    s.emissionsG += g;
    s.overheadG += g;
    s.energyKWh += (power * d) / 3.6e9;
    s.overheadLeftMs -= d;
    s.segments[s.segments.length - 1]!.overheadMs += d;
    t += d;
  }
  if (t < toMs && s.remainingMs > 0) {
    const d = Math.min(s.remainingMs, toMs - t);
    s.emissionsG += actual.emissionsG(power, t, t + d);
    s.energyKWh += (power * d) / 3.6e9;
    s.remainingMs -= d;
    t += d;
  }
  const seg = s.segments[s.segments.length - 1]!;
  seg.endMs = t;
  if (s.remainingMs <= 1e-6 && s.overheadLeftMs <= 0) {
    s.remainingMs = 0;
    s.finishedAtMs = t;
    note(s, 'done', t, 'finished');
  }
}
