/** `carbond cancel JOB [--wait]`: kill the job's run (if any) and stop it for good. */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs } from '../command';
import { actionOptions, jobAction } from './pause';

export const cancelCommand: CliCommand = {
  command: 'cancel <job>',
  describe: 'cancel a job (kills its run)',
  builder: (y: Argv) => actionOptions(y, 'the job is cancelled and its process is gone'),
  run: (args: CommandArgs, ctx) => jobAction(ctx, args, 'cancel'),
};
