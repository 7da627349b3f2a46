/**
 * `carbond simulate --state-dir D`: the simulation runs on the ledger in D (the daemon's
 * lifecycle writes its jobs, transitions, runs, progress, checkpoints, plans and decisions
 * there as it goes; ./engine). Afterwards this adds what a real daemon's meters and signal
 * service would have stored: energy samples of every run (meter `simulated`, at most one hour
 * each, a resume's overhead flagged) and the intensity points of the traces over the
 * simulated period (provider `replay`), so `status` and the reports read a simulation like
 * a real history.
 */
import * as fs from 'node:fs';
import type { IntensityPoint } from '../../forecasts/types';
import { InputError } from '../core/errors';
import { insertEnergySamples, type EnergySampleRow } from '../ledger/energy';
import { closeLedger, ledgerPath, openLedger } from '../ledger/db';
import { insertIntensityPoints } from '../ledger/intensity';
import { listJobs } from '../ledger/jobs';
import { runsOf } from '../ledger/runs';
import type { JobState } from './outcome';
import type { ZoneSignal } from './signal';

const HOUR_MS = 3_600_000;

/**
 * The ledger file of `stateDir` for a simulation (the dir is created when missing). A ledger
 * that already holds jobs is refused: a simulation never mixes with another history.
 * @throws InputError naming `--state-dir`
 */
export function simulationLedgerFile(stateDir: string, nowMs: number): string {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = ledgerPath(stateDir);
  if (fs.existsSync(file)) {
    const db = openLedger(file, { nowMs, readonly: true });
    try {
      const n = listJobs(db).length;
      if (n > 0) throw new InputError([{ path: '--state-dir', message: `already holds a ledger with ${n} jobs: give an empty or new directory`, value: stateDir }], 'flags');
    } finally {
      closeLedger(db);
    }
  }
  return file;
}

/** Energy samples of one run, cut at hour boundaries; the overhead at its start flagged. */
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

/** Adds the energy samples and intensity points of a finished simulation to its ledger `file`. */
export function completeSimulationLedger(file: string, states: readonly JobState[], zones: ReadonlyMap<string, ZoneSignal>, nowMs: number): void {
  const db = openLedger(file, { nowMs });
  try {
    const fromMs = states.reduce((m, s) => Math.min(m, s.job.submitAtMs), Infinity);
    const toMs = states.reduce((m, s) => Math.max(m, s.finishedAtMs ?? s.job.deadlineMs), 0);
    db.transaction(() => {
      for (const s of states) {
        const runs = runsOf(db, s.job.id);
        s.segments.forEach((seg, i) => { if (runs[i] && seg.endMs > seg.startMs) insertEnergySamples(db, samplesOf(s, seg, runs[i]!.id)); });
      }
      insertIntensityPoints(db, tracePoints(zones, fromMs - HOUR_MS, toMs + HOUR_MS), nowMs);
    })();
  } finally {
    closeLedger(db);
  }
}
