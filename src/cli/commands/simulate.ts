/**
 * `carbond simulate`: the daemon's loop under a simulated clock over recorded traces
 * (issue 4; the interface is stable, other tools depend on it):
 *
 *   carbond simulate --trace ZONE=FILE [--trace ZONE=FILE ...]
 *                    [--forecast ZONE=FILE ... | --forecast perfect | --forecast local]
 *                    --jobs JOBS.json [--policy carbond|baseline|window|threshold]
 *                    [--slot-minutes 5] [--out RESULT.json] [--json] [--state-dir D]
 *                    [--sites FILE]
 *
 * Prints a summary (or RESULT.json with `--json`); a progress bar on stderr when it is a TTY.
 * Bad input exits 2 naming the job id or the file and line.
 */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs } from '../command';
import type { CliContext } from '../context';

const POLICIES = ['carbond', 'baseline', 'window', 'threshold'] as const;

function builder(y: Argv): Argv {
  return y
    .option('trace', { type: 'string', array: true, demandOption: true, describe: 'ZONE=FILE: a measured trace (CSV of ../shared/data/); repeatable' })
    .option('forecast', { type: 'string', array: true, default: ['local'], describe: 'perfect | local | ZONE=FILE (repeatable): what the planner knows' })
    .option('jobs', { type: 'string', demandOption: true, describe: 'JOBS.json: the jobs to simulate' })
    .option('policy', { choices: POLICIES, default: 'carbond' as const, describe: 'the scheduling policy' })
    .option('slot-minutes', { type: 'number', default: 5, describe: 'planner slot length, minutes' })
    .option('out', { type: 'string', describe: 'write RESULT.json here' })
    .option('json', { type: 'boolean', default: false, describe: 'print RESULT.json on stdout' })
    .option('sites', { type: 'string', describe: 'FILE with [sites.NAME] zone/gpus tables (a carbond config works): GPUs per zone; default unlimited' });
}

function progressBar(ctx: CliContext): ((f: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let shown = -1;
  return (f) => {
    const pct = Math.floor(f * 100);
    if (pct === shown) return;
    shown = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(`\rsimulating [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%${pct >= 100 ? '\n' : ''}`);
    void ctx;
  };
}

async function run(args: CommandArgs, ctx: CliContext): Promise<{ data: unknown; text: string }> {
  // Heavy modules load here, not at CLI start (see ../command.ts).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { InputError } = require('../../core/errors') as typeof import('../../core/errors');
  const sim = require('../../simulate') as typeof import('../../simulate');
  const { simulationLedgerFile, completeSimulationLedger } = require('../../simulate/ledger') as typeof import('../../simulate/ledger');
  const fs = require('node:fs') as typeof import('node:fs');
  const { performance } = require('node:perf_hooks') as typeof import('node:perf_hooks');
  const { table } = require('../render') as typeof import('../render');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const slotMinutes = Number(args['slotMinutes']);
  if (!Number.isFinite(slotMinutes) || slotMinutes <= 0 || 60 % slotMinutes !== 0) {
    throw new InputError([{ path: '--slot-minutes', message: 'must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)', value: args['slotMinutes'] }], 'flags');
  }
  const ledgerFile = typeof args.stateDir === 'string' ? simulationLedgerFile(args.stateDir, ctx.clock.now()) : undefined;
  const progress = progressBar(ctx);
  const { result, zones, states } = await sim.runSimulation({
    traces: (args['trace'] as string[]) ?? [],
    forecasts: (args['forecast'] as string[]) ?? ['local'],
    jobsFile: String(args['jobs']),
    policy: args['policy'] as (typeof POLICIES)[number],
    slotMs: slotMinutes * 60_000,
    stopwatch: () => performance.now(),
    ...(progress ? { onProgress: progress } : {}),
    ...(ledgerFile !== undefined ? { ledgerFile } : {}),
    ...(typeof args['sites'] === 'string' ? { sitesFile: args['sites'] } : {}),
  });
  if (typeof args['out'] === 'string') fs.writeFileSync(args['out'], `${JSON.stringify(result, null, 2)}\n`);
  if (ledgerFile !== undefined) completeSimulationLedger(ledgerFile, states, zones, ctx.clock.now());
  const s = result.summary;
  const rows = result.jobs.map((j) => [j.id, j.deadlineMet ? 'yes' : 'MISSED', String(j.pauses), `${(j.emissionsG / 1000).toFixed(2)}`, `${(j.baselineG / 1000).toFixed(2)}`]);
  const text = [
    table(['job', 'deadline met', 'pauses', 'emissions kg', 'baseline kg'], rows),
    '',
    `policy ${result.policy}: ${(s.emissionsG / 1000).toFixed(2)} kg vs baseline ${(s.baselineG / 1000).toFixed(2)} kg, saved ${s.savedPct.toFixed(1)} %; ` +
      `deadline misses ${s.deadlineMisses}; pauses ${s.pauses}; planner p50 ${s.plannerMsP50} ms, max ${s.plannerMsMax} ms`,
  ].join('\n');
  return { data: result, text };
}

export const simulateCommand: CliCommand = {
  command: 'simulate',
  describe: "run carbond's loop over recorded carbon traces with a simulated clock and print what it saves",
  builder,
  run,
};
