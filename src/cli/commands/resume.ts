/** `carbond resume JOB [--auto] [--wait]`: resume and hold running; `--auto` releases the job to the plan. */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs } from '../command';
import { actionOptions, jobAction } from './pause';

export const resumeCommand: CliCommand = {
  command: 'resume <job>',
  describe: 'resume a job and hold it running (overrides the plan); --auto gives it back to the plan',
  builder: (y: Argv) => actionOptions(y, 'the job is running (with --auto: once the plan runs it)').option('auto', { type: 'boolean', default: false, describe: 'release the manual override' }),
  run: (args: CommandArgs, ctx) => jobAction(ctx, args, 'resume', { auto: args['auto'] === true }),
};
