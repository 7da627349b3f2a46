/**
 * The invariants the crash suite checks after every SIGKILL and restart of the daemon, as
 * pure checkers over plain data (a snapshot of the ledger, a snapshot of the process table),
 * so that each can be shown to fail on a hand-made broken state. Each returns the violations
 * it found, as sentences; [] = the invariant holds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canTransition, isJobState, type JobState } from '../../src/jobs/states';
import { openLedger } from '../../src/ledger/db';
import { WRAPPER_MARKER } from '../../src/executors/local-wrapper';
import { listPids, readArgv, readProcStat } from '../../src/executors/proc';

export interface LedgerSnapshot {
  /** `PRAGMA integrity_check` rows joined: 'ok' when sound. */
  integrity: string;
  jobs: Array<{ id: string }>;
  transitions: Array<{ id: number; jobId: string; from: string | null; to: string }>;
  runs: Array<{ id: number; jobId: string; endedAt: number | null; resumedFrom: number | null; startStep: number; lastStep: number | null; exitKind: string | null }>;
  checkpoints: Array<{ id: number; jobId: string; step: number; status: string }>;
  energy: Array<{ id: number; jobId: string; runId: number | null; start: number; durationMs: number }>;
}

/** One live process that belongs to a job: its environment names the job (`CARBOND_JOB_ID`). */
export interface JobProcess {
  pid: number;
  pgid: number;
  jobId: string;
  /** The run dir when the process is a run wrapper (`carbond-run RUNDIR`), else null. */
  wrapperOf: string | null;
}

/**
 * Reads the ledger read-only (the daemon may be running or dead). A daemon killed in the middle
 * of a write can leave a WAL or a rollback journal that needs recovery, which a read-only
 * connection cannot run (SQLITE_READONLY_RECOVERY / _ROLLBACK: "attempt to write a readonly
 * database", seen 2 in 100 kills during a graceful stop) — not damage: the next daemon
 * recovers it. With `copyToRecover`
 * (only while no daemon runs, so the files are still) the ledger and its WAL or journal are then copied
 * to `copyToRecover` and the copy is read after SQLite's recovery; the real ledger is never
 * opened for writing. `recovered` tells that this happened.
 */
export function snapshotLedger(file: string, copyToRecover?: string): LedgerSnapshot & { recovered: boolean } {
  try {
    return { ...readSnapshot(file, true), recovered: false };
  } catch (err) {
    if (!copyToRecover || !String((err as { code?: unknown }).code).startsWith('SQLITE_READONLY')) throw err;
  }
  fs.rmSync(copyToRecover, { recursive: true, force: true });
  fs.mkdirSync(copyToRecover, { recursive: true });
  const copy = path.join(copyToRecover, path.basename(file));
  fs.copyFileSync(file, copy);
  // Its WAL, or the hot rollback journal of a write cut short after the daemon's shutdown switched the ledger out of WAL mode.
  for (const side of ['-wal', '-journal']) if (fs.existsSync(`${file}${side}`)) fs.copyFileSync(`${file}${side}`, `${copy}${side}`);
  return { ...readSnapshot(copy, false), recovered: true };
}

function readSnapshot(file: string, readonly: boolean): LedgerSnapshot {
  // Read-write only for a recovery copy (its migrations are all applied already: none runs).
  const db = openLedger(file, { readonly, nowMs: 0 });
  try {
    // A ledger too broken to read fails the integrity check with the error, whichever query hit it.
    const problems: string[] = [];
    const rows = <T>(sql: string): T[] => {
      try {
        return db.prepare(sql).all() as T[];
      } catch (err) {
        if (String((err as { code?: unknown }).code).startsWith('SQLITE_READONLY')) throw err; // needs recovery: see snapshotLedger
        problems.push(`${(err as Error).message} (${sql.split(/\s+/).slice(0, 4).join(' ')})`);
        return [];
      }
    };
    const integrity = rows<{ integrity_check: string }>('PRAGMA integrity_check').map((r) => r.integrity_check).join('; ');
    return {
      integrity: [integrity, ...problems].filter(Boolean).join('; ') || 'no answer',
      jobs: rows('SELECT id FROM jobs ORDER BY id'),
      transitions: rows('SELECT id, job_id AS jobId, from_state AS "from", to_state AS "to" FROM transitions ORDER BY id'),
      runs: rows(`SELECT id, job_id AS jobId, ended_at AS endedAt, resumed_from AS resumedFrom, start_step AS startStep,
        last_step AS lastStep, exit_kind AS exitKind FROM runs ORDER BY id`),
      checkpoints: rows('SELECT id, job_id AS jobId, step, status FROM checkpoints ORDER BY id'),
      energy: rows('SELECT id, job_id AS jobId, run_id AS runId, start, duration_ms AS durationMs FROM energy_samples ORDER BY id'),
    };
  } finally {
    db.close();
  }
}

/** Every live (not zombie) process whose environment names a carbond job. */
export function snapshotJobProcesses(procRoot = '/proc'): JobProcess[] {
  const out: JobProcess[] = [];
  for (const pid of listPids(procRoot)) {
    const stat = readProcStat(pid, procRoot);
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    let environ: string[];
    try {
      environ = fs.readFileSync(path.join(procRoot, String(pid), 'environ'), 'utf8').split('\0');
    } catch {
      continue; // gone, or a kernel thread
    }
    const jobId = environ.find((e) => e.startsWith('CARBOND_JOB_ID='))?.slice('CARBOND_JOB_ID='.length);
    if (jobId === undefined) continue;
    const argv = readArgv(pid, procRoot) ?? [];
    const at = argv.indexOf(WRAPPER_MARKER);
    out.push({ pid, pgid: stat.pgid, jobId, wrapperOf: at >= 0 && at < argv.length - 1 ? argv[at + 1]! : null });
  }
  return out;
}

/** `PRAGMA integrity_check` is ok. */
export function checkIntegrity(s: Pick<LedgerSnapshot, 'integrity'>): string[] {
  return s.integrity === 'ok' ? [] : [`integrity_check: ${s.integrity}`];
}

/** Every submitted job is in the ledger exactly once, and no other. */
export function checkJobsOnce(s: Pick<LedgerSnapshot, 'jobs'>, submitted: readonly string[]): string[] {
  const out: string[] = [];
  const counts = new Map<string, number>();
  for (const j of s.jobs) counts.set(j.id, (counts.get(j.id) ?? 0) + 1);
  for (const id of submitted) if ((counts.get(id) ?? 0) !== 1) out.push(`job ${id} is in the ledger ${counts.get(id) ?? 0} times`);
  for (const id of counts.keys()) if (!submitted.includes(id)) out.push(`job ${id} is in the ledger but was never submitted`);
  return out;
}

/** Each job's transitions form one chain from `(none) → queued`, every step legal per src/jobs/states.ts. */
export function checkTransitions(s: Pick<LedgerSnapshot, 'transitions'>): string[] {
  const out: string[] = [];
  const last = new Map<string, string | null>();
  for (const t of s.transitions) {
    const before = last.has(t.jobId) ? last.get(t.jobId)! : null;
    if (t.from !== before) out.push(`job ${t.jobId}: transition ${t.id} starts from ${t.from ?? '(none)'}, but the job was ${before ?? '(none)'}`);
    if (!isJobState(t.to) || (t.from !== null && !isJobState(t.from)) || !canTransition(t.from as JobState | null, t.to as JobState)) {
      out.push(`job ${t.jobId}: transition ${t.id} ${t.from ?? '(none)'} → ${t.to} is illegal`);
    }
    last.set(t.jobId, t.to);
  }
  return out;
}

/**
 * No run resumed from anything but a verified checkpoint of its own job (pruned ones were
 * verified; a corrupt one never is), at that checkpoint's step; a run without one starts at 0.
 * `resumeSteps`: the steps each job says it resumed from (its starts.log), which must be 0 or
 * a verified checkpoint's step.
 */
export function checkResumes(s: Pick<LedgerSnapshot, 'runs' | 'checkpoints'>, resumeSteps: ReadonlyMap<string, readonly number[]> = new Map()): string[] {
  const out: string[] = [];
  const byId = new Map(s.checkpoints.map((c) => [c.id, c]));
  for (const r of s.runs) {
    if (r.resumedFrom === null) {
      if (r.startStep !== 0) out.push(`run ${r.id} starts at step ${r.startStep} without a checkpoint`);
      continue;
    }
    const c = byId.get(r.resumedFrom);
    if (!c) out.push(`run ${r.id} resumed from checkpoint ${r.resumedFrom}, which is not in the ledger`);
    else if (c.jobId !== r.jobId) out.push(`run ${r.id} of job ${r.jobId} resumed from checkpoint ${c.id} of job ${c.jobId}`);
    else if (c.status !== 'verified' && c.status !== 'pruned') out.push(`run ${r.id} resumed from checkpoint ${c.id}, which is ${c.status}`);
    else if (c.step !== r.startStep) out.push(`run ${r.id} starts at step ${r.startStep} but its checkpoint ${c.id} is at step ${c.step}`);
  }
  for (const [jobId, steps] of resumeSteps) {
    const good = new Set(s.checkpoints.filter((c) => c.jobId === jobId && (c.status === 'verified' || c.status === 'pruned')).map((c) => c.step));
    for (const step of steps) if (step !== 0 && !good.has(step)) out.push(`job ${jobId} resumed from step ${step}, which is no verified checkpoint of it`);
  }
  return out;
}

/** At most one open run per job in the ledger. */
export function checkOpenRuns(s: Pick<LedgerSnapshot, 'runs'>): string[] {
  const open = new Map<string, number[]>();
  for (const r of s.runs) if (r.endedAt === null) open.set(r.jobId, [...(open.get(r.jobId) ?? []), r.id]);
  return [...open].filter(([, ids]) => ids.length > 1).map(([jobId, ids]) => `job ${jobId} has ${ids.length} open runs (${ids.join(', ')})`);
}

/** Energy is counted once: no two samples of one run (or of one job, without a run) cover the same time. */
export function checkEnergyOnce(s: Pick<LedgerSnapshot, 'energy'>): string[] {
  const out: string[] = [];
  const byRun = new Map<string, LedgerSnapshot['energy']>();
  for (const e of s.energy) {
    const key = e.runId === null ? `job ${e.jobId}` : `run ${e.runId}`;
    byRun.set(key, [...(byRun.get(key) ?? []), e]);
  }
  for (const [key, samples] of byRun) {
    const sorted = [...samples].sort((a, b) => a.start - b.start || a.id - b.id);
    for (let i = 1; i < sorted.length; i += 1) {
      const a = sorted[i - 1]!;
      const b = sorted[i]!;
      if (b.start < a.start + a.durationMs) out.push(`${key}: samples ${a.id} and ${b.id} overlap (${a.start}+${a.durationMs} ms, ${b.start})`);
    }
  }
  return out;
}

/**
 * At most one live process tree per job: its processes (the ones whose environment names it)
 * share one process group, with at most one run wrapper; and none lives for a job whose runs
 * the ledger has all closed (an unsupervised run).
 */
export function checkProcessTrees(processes: readonly JobProcess[], s: Pick<LedgerSnapshot, 'runs'>): string[] {
  const out: string[] = [];
  const byJob = new Map<string, JobProcess[]>();
  for (const p of processes) byJob.set(p.jobId, [...(byJob.get(p.jobId) ?? []), p]);
  for (const [jobId, procs] of byJob) {
    const groups = new Set(procs.map((p) => p.pgid));
    const wrappers = procs.filter((p) => p.wrapperOf !== null);
    if (groups.size > 1) out.push(`job ${jobId} has ${groups.size} live process trees (groups ${[...groups].join(', ')})`);
    if (wrappers.length > 1) out.push(`job ${jobId} has ${wrappers.length} live run wrappers (${wrappers.map((w) => `${w.pid}: ${w.wrapperOf}`).join(', ')})`);
    const runs = s.runs.filter((r) => r.jobId === jobId);
    if (runs.length > 0 && runs.every((r) => r.endedAt !== null)) out.push(`job ${jobId} has live processes (${procs.map((p) => p.pid).join(', ')}) but no open run`);
  }
  return out;
}

/** All the ledger and process checks of one moment, by name; the number of checks made is their count. */
export function checkAll(s: LedgerSnapshot, processes: readonly JobProcess[], submitted: readonly string[], resumeSteps: ReadonlyMap<string, readonly number[]>): Record<string, string[]> {
  return {
    integrity: checkIntegrity(s),
    jobsOnce: checkJobsOnce(s, submitted),
    transitions: checkTransitions(s),
    resumes: checkResumes(s, resumeSteps),
    openRuns: checkOpenRuns(s),
    energyOnce: checkEnergyOnce(s),
    processTrees: checkProcessTrees(processes, s),
  };
}
