/**
 * `carbond demo`, end to end: a REAL daemon (child process, time-compressed clock), the REAL
 * TF.js GRU trainer submitted to it, plan decisions, pauses and resumes printed live, then
 * the job's energy and avoided emissions. Everything goes through the control API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemClock } from '../../core/clock';
import { callDaemon } from '../daemon-client';
import { specFromInput } from '../../jobs/submit-args';
import { DEMO_DEADLINE_ISO, DEMO_ORIGIN_ISO, demoEstimate, repoRoot, trainerCommand, writeDemoConfig } from './setup';

export interface DemoOptions {
  dir: string;
  /** Simulated ms per wall ms. Default 600 (1 s = 10 min). */
  timeScale: number;
  steps: number;
  /** Wall ms per training step (compute + pacing sleep): × timeScale it is the step's sample time. */
  stepPeriodMs: number;
  /** Live lines (stdout). */
  print: (line: string) => void;
}

export interface DemoTransition { at: string; from: string | null; to: string; reason: string }
export interface DemoRun { id: number; startedAtMs: number; endedAtMs: number | null; startStep: number; lastStep: number | null; exitKind: string | null }

export interface DemoResult {
  jobId: string;
  state: string;
  /** Plan pauses in mid-training (see `planStops`). */
  pauses: number;
  /** Plan resumes with training left (see `planStops`). */
  resumes: number;
  totalSteps: number;
  transitions: DemoTransition[];
  runs: DemoRun[];
  energyKWh: number;
  actualG: number;
  baselineG: number;
  avoidedG: number;
  avoidedPct: number | null;
  daemonExit: number | null;
  wallMs: number;
  lossLog: string;
  dir: string;
}

interface JobView { state: string; step: number; totalSteps: number | null; transitions: DemoTransition[]; runs: DemoRun[]; decisions: Array<{ at: string; action: string; reason: string }> }

/**
 * The plan's stops and restarts in mid-training. A pause counts when its `running → pausing`
 * transition carries a plan pause reason (`paused HH:MM: …`) and the run it stopped exited
 * `paused` with steps left; a resume counts when its `paused → running` transition carries a
 * plan resume reason (`resumed HH:MM …`) and the run it started began with steps left. So the
 * deadline guard, a manual override, or a stop after the last step is not counted.
 * @example planStops(job.transitions, job.runs, 108) // { pauses: 2, resumes: 2 }
 */
export function planStops(transitions: readonly DemoTransition[], runs: readonly DemoRun[], totalSteps: number): { pauses: number; resumes: number } {
  const runAt = (atMs: number): DemoRun | undefined => runs.find((r) => r.startedAtMs <= atMs && (r.endedAtMs === null || atMs <= r.endedAtMs));
  let pauses = 0;
  let resumes = 0;
  for (const t of transitions) {
    const atMs = Date.parse(t.at);
    if (t.from === 'running' && t.to === 'pausing' && t.reason.startsWith('paused ')) {
      const run = runAt(atMs);
      if (run?.exitKind === 'paused' && run.lastStep !== null && run.lastStep < totalSteps) pauses += 1;
    }
    if (t.from === 'paused' && t.to === 'running' && t.reason.startsWith('resumed ')) {
      const run = runs.find((r) => r.startedAtMs === atMs);
      if (run !== undefined && run.startStep > 0 && run.startStep < totalSteps) resumes += 1;
    }
  }
  return { pauses, resumes };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const hhmm = (iso: string): string => iso.slice(11, 16);

async function waitForSocket(socketPath: string, daemon: ChildProcess, limitMs: number): Promise<void> {
  for (let waited = 0; waited < limitMs; waited += 100) {
    if (daemon.exitCode !== null) throw new Error(`the demo daemon exited early (${daemon.exitCode})`);
    try { await callDaemon(socketPath, { path: '/v1/status', timeoutMs: 2_000 }); return; } catch { await sleep(100); }
  }
  throw new Error('the demo daemon did not answer within the start-up limit');
}

function startDaemon(configPath: string, dir: string, timeScale: number): ChildProcess {
  const args = [path.join(repoRoot(), 'bin', 'carbond'), 'daemon', '--config', configPath, '--time-scale', String(timeScale), '--time-origin', DEMO_ORIGIN_ISO];
  const log = fs.openSync(path.join(dir, 'daemon.log'), 'a');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CARBOND_')));
  return spawn(process.execPath, args, { stdio: ['ignore', log, log], env });
}

/** Sample-time "now" as the daemon sees it (same origin and factor). */
function simNowOf(wallStartMs: number, timeScale: number, wallNowMs: number): number {
  return Date.parse(DEMO_ORIGIN_ISO) + (wallNowMs - wallStartMs) * timeScale;
}

async function submit(o: DemoOptions, socketPath: string, simNowMs: number, lossLog: string): Promise<string> {
  const spec = specFromInput(
    { name: 'gru-demo', deadline: DEMO_DEADLINE_ISO, estimate: demoEstimate(o.steps, o.stepPeriodMs, o.timeScale), powerW: 250, command: trainerCommand(o.steps, o.stepPeriodMs, lossLog) },
    { nowMs: simNowMs, localZone: 'UTC', cwd: o.dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } },
  );
  const detail = await callDaemon<{ id: string }>(socketPath, { method: 'POST', path: '/v1/jobs', body: spec, timeoutMs: 10_000 });
  return detail.id;
}

/** Prints new transitions and decisions; returns the job when it is terminal. */
async function follow(o: DemoOptions, socketPath: string, jobId: string, limitMs: number, simNow: () => number): Promise<JobView> {
  let shownT = 0;
  const shownD = new Set<string>();
  let lastAction = '';
  let lastStep = 0;
  const t0 = systemClock.now();
  for (;;) {
    const job = await callDaemon<JobView>(socketPath, { path: `/v1/jobs/${jobId}`, timeoutMs: 5_000 });
    for (const d of [...job.decisions].reverse()) {
      const key = `${d.at}|${d.action}`;
      if (shownD.has(key) || d.action === 'keep') continue;
      shownD.add(key);
      if (d.action === lastAction) continue; // the same decision again while it is being applied
      lastAction = d.action;
      o.print(`  [${hhmm(d.at)}] plan: ${d.action} — ${d.reason}`);
    }
    for (const t of job.transitions.slice(shownT)) {
      // running/pausing transitions carry the plan's reason, printed with the decision above
      const why = t.to === 'running' || t.to === 'pausing' ? '' : ` (${t.reason})`;
      o.print(`  [${hhmm(t.at)}] ${t.from ?? 'new'} → ${t.to}${why}; step ${job.step}/${job.totalSteps ?? '?'}`);
    }
    shownT = job.transitions.length;
    if (job.step >= lastStep + 20) {
      lastStep = job.step;
      if (job.state === 'running') o.print(`  [${hhmm(new Date(simNow()).toISOString())}] training: step ${job.step}/${job.totalSteps ?? '?'}`);
    }
    if (['finished', 'failed', 'cancelled'].includes(job.state)) return job;
    if (systemClock.now() - t0 > limitMs) throw new Error(`the demo job did not finish within ${limitMs / 1000} s (state ${job.state})`);
    await sleep(250);
  }
}

async function stopDaemon(daemon: ChildProcess): Promise<number | null> {
  if (daemon.exitCode !== null) return daemon.exitCode;
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  daemon.kill('SIGTERM');
  const timer = setTimeout(() => daemon.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const wallStartMs = systemClock.now();
  const files = writeDemoConfig(o.dir);
  o.print(`carbond demo — zone SAMPLE replays a GENERATED SAMPLE trace (not real data): demo/sample-trace-NOT-REAL-DATA.csv`);
  o.print(`  clean 06–08, 10–12, 14–16; dirty otherwise. Clock: ${o.timeScale}× (1 s = ${o.timeScale / 60} sample minutes) from ${DEMO_ORIGIN_ISO}`);
  const daemon = startDaemon(files.configPath, o.dir, o.timeScale);
  let daemonExit: number | null = null;
  try {
    await waitForSocket(files.socketPath, daemon, 30_000);
    const jobId = await submit(o, files.socketPath, simNowOf(wallStartMs, o.timeScale, systemClock.now()), files.lossLog);
    o.print(`submitted ${jobId}: GRU trainer (TF.js, ${o.steps} steps paced to ${o.stepPeriodMs} ms = ${(o.stepPeriodMs * o.timeScale) / 60_000} sample minutes each, `
      + `${demoEstimate(o.steps, o.stepPeriodMs, o.timeScale)} in all), deadline ${hhmm(DEMO_DEADLINE_ISO)} sample time`);
    const job = await follow(o, files.socketPath, jobId, 170_000, () => simNowOf(wallStartMs, o.timeScale, systemClock.now()));
    const status = await callDaemon<{ energy?: { total: { energyKWh: number; actualG: number; baselineG: number; avoidedG: number; avoidedPct: number | null } } }>(files.socketPath, { path: '/v1/status', timeoutMs: 10_000 });
    daemonExit = await stopDaemon(daemon);
    const e = status.energy?.total ?? { energyKWh: 0, actualG: 0, baselineG: 0, avoidedG: 0, avoidedPct: null };
    const totalSteps = job.totalSteps ?? o.steps;
    const runs = job.runs.map((r) => ({ id: r.id, startedAtMs: r.startedAtMs, endedAtMs: r.endedAtMs, startStep: r.startStep, lastStep: r.lastStep, exitKind: r.exitKind }));
    const { pauses, resumes } = planStops(job.transitions, runs, totalSteps);
    return { jobId, state: job.state, pauses, resumes, totalSteps, transitions: job.transitions, runs, ...e, daemonExit, wallMs: systemClock.now() - wallStartMs, lossLog: files.lossLog, dir: o.dir };
  } finally {
    if (daemon.exitCode === null) await stopDaemon(daemon);
  }
}
