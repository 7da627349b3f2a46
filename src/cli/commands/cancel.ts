/** `carbond cancel JOB`: kill the job's run (if any) and stop it for good. */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs } from '../command';
import { jobAction } from './pause';

export const cancelCommand: CliCommand = {
  command: 'cancel <job>',
  describe: 'cancel a job (kills its run)',
  builder: (y: Argv) => y.positional('job', { type: 'string' }),
  run: (args: CommandArgs, ctx) => jobAction(ctx, String(args['job']), 'cancel'),
};
