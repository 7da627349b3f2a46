/**
 * `carbond demo [--dir D] [--time-scale 600] [--steps 108] [--step-period-ms 250] [--json]`:
 * the end-to-end demo (issue 5). A real daemon with a time-compressed clock replays a
 * GENERATED SAMPLE carbon trace (not real data), runs the real TF.js GRU trainer, pauses it
 * in dirty hours and resumes it in clean ones, then prints its energy and avoided emissions.
 * Each training step is paced to a fixed wall time, so on the scaled clock the job needs the
 * same sample time (steps × period × scale: 4.5 h by default) whatever the CPU speed.
 * Exit 0 when the job finished and the daemon stopped cleanly, 1 otherwise.
 */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs, CommandOutput } from '../command';

function builder(y: Argv): Argv {
  return y
    .option('dir', { type: 'string', describe: 'work folder (default: a new temp folder, kept for inspection)' })
    .option('time-scale', { type: 'number', default: 600, describe: 'sample ms per wall ms (600: 1 s = 10 min)' })
    .option('steps', { type: 'number', default: 108, describe: 'training steps of the GRU' })
    .option('step-period-ms', { type: 'number', default: 250, describe: 'wall time per training step (compute + pacing), ms' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' });
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

async function run(args: CommandArgs): Promise<CommandOutput> {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { runDemo } = await import('../demo/run');
  const dir = typeof args['dir'] === 'string' ? path.resolve(args['dir']) : fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-demo-'));
  const json = args['json'] === true;
  const print = json ? (line: string): void => void process.stderr.write(`${line}\n`) : (line: string): void => void process.stdout.write(`${line}\n`);
  const r = await runDemo({ dir, timeScale: Number(args['timeScale']), steps: Number(args['steps']), stepPeriodMs: Number(args['stepPeriodMs']), print });
  const ok = r.state === 'finished' && r.daemonExit === 0;
  const text = [
    `job ${r.jobId} ${r.state}: ${r.pauses} pause(s), ${r.resumes} resume(s) driven by the plan in mid-training`,
    `energy ${round(r.energyKWh, 3)} kWh; emissions ${round(r.actualG)} g actual vs ${round(r.baselineG)} g baseline (run at once, no pauses)`,
    `avoided ${round(r.avoidedG)} g${r.avoidedPct === null ? '' : ` (${round(r.avoidedPct)}%)`} — on the SAMPLE trace (not real data)`,
    `daemon stopped (exit ${r.daemonExit}); wall time ${round(r.wallMs / 1000)} s; files in ${r.dir}`,
  ].join('\n');
  const { ExitCode } = await import('../../core/errors');
  return { data: r, text, exitCode: ok ? ExitCode.Ok : ExitCode.Failure };
}

export const demoCommand: CliCommand = {
  command: 'demo',
  describe: 'end-to-end demo: a real daemon pauses and resumes a real TF.js trainer on a SAMPLE carbon trace',
  builder,
  run,
};
