/**
 * The demo's world: a temp state dir, a config with one local site in zone `SAMPLE` fed by
 * the shipped SAMPLE trace (generated, not real data: demo/sample-*-NOT-REAL-DATA.csv), and
 * the GRU demo trainer as the job.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repo root from dist/src/cli/demo/ (or src/cli/demo/ under ts-jest). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** The demo's sample day: 2030-01-07, the daemon's clock starts at 06:00 (a clean period begins). */
export const DEMO_ORIGIN_ISO = '2030-01-07T06:00:00Z';
/**
 * The job must finish by 16:00 sample time. Its steps are paced (`--step-period-ms`), so with
 * the defaults it needs 4.5 sample hours whatever the CPU: more than the two clean periods
 * 06–08 and 10–12 hold, well within the three (14–16 is the third), so the plan pauses it twice.
 */
export const DEMO_DEADLINE_ISO = '2030-01-07T16:00:00Z';

export interface DemoFiles {
  dir: string;
  stateDir: string;
  configPath: string;
  socketPath: string;
  lossLog: string;
}

/** Writes the config into `dir` (created when missing). */
export function writeDemoConfig(dir: string): DemoFiles {
  const root = repoRoot();
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(stateDir, { recursive: true });
  const configPath = path.join(dir, 'carbond.toml');
  const q = (s: string): string => JSON.stringify(s);
  fs.writeFileSync(configPath, [
    '# carbond demo: SAMPLE zone replayed from a generated trace (sample, not real data)',
    `stateDir = ${q(stateDir)}`,
    `socketPath = ${q(path.join(stateDir, 'carbond.sock'))}`,
    'tickInterval = "* * * * * *"',
    '[providers.sample]', 'type = "file"',
    `path = ${q(path.join(root, 'demo', 'sample-trace-NOT-REAL-DATA.csv'))}`,
    `forecastPath = ${q(path.join(root, 'demo', 'sample-forecast-NOT-REAL-DATA.csv'))}`,
    '[zones.SAMPLE]', 'providers = ["sample"]', 'staleAfter = "2h"',
    '[sites.local]', 'executor = "local"', 'zone = "SAMPLE"', 'gpus = 1', 'cpuPowerW = 50', 'gpuPowerW = 200', 'idlePowerW = 20',
    '[scheduler]', 'policy = "carbond"', 'slotMinutes = 10', 'safetyMargin = "20m"', 'pauseOverhead = "10m"', 'checkpointTimeout = "2m"',
    '',
  ].join('\n'));
  return { dir, stateDir, configPath, socketPath: path.join(stateDir, 'carbond.sock'), lossLog: path.join(dir, 'loss.tsv') };
}

/** The trainer's command line (the real TF.js GRU on the harness), each step paced to `stepPeriodMs` of wall time. */
export function trainerCommand(steps: number, stepPeriodMs: number, lossLog: string): string[] {
  return [process.execPath, path.join(repoRoot(), 'dist', 'checkpoints', 'demo', 'train-gru.js'),
    '--steps', String(steps), '--seed', '1', '--step-period-ms', String(stepPeriodMs), '--loss-log', lossLog];
}

/** The job's running time in sample time: paced steps × period × time scale, as whole minutes, e.g. `270m`. */
export function demoEstimate(steps: number, stepPeriodMs: number, timeScale: number): string {
  return `${Math.ceil((steps * stepPeriodMs * timeScale) / 60_000)}m`;
}
