/** `carbond cancel JOB`: kill the job's run (if any) and stop it for good. */
import type { Argv } from 'yargs';
import { withJson, type CliCommand, type CommandArgs } from '../command';
import { jobAction } from './pause';

export const cancelCommand: CliCommand = {
  command: 'cancel <job>',
  describe: 'cancel a job (kills its run)',
  builder: (y: Argv) => withJson(y).positional('job', { type: 'string' }),
  run: (args: CommandArgs, ctx) => jobAction(ctx, String(args['job']), 'cancel'),
};
