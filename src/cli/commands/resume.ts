/** `carbond resume JOB [--auto]`: resume and hold running; `--auto` releases the job to the plan. */
import type { Argv } from 'yargs';
import { withJson, type CliCommand, type CommandArgs } from '../command';
import { jobAction } from './pause';

export const resumeCommand: CliCommand = {
  command: 'resume <job>',
  describe: 'resume a job and hold it running (overrides the plan); --auto gives it back to the plan',
  builder: (y: Argv) => withJson(y).positional('job', { type: 'string' }).option('auto', { type: 'boolean', default: false, describe: 'release the manual override' }),
  run: (args: CommandArgs, ctx) => jobAction(ctx, String(args['job']), 'resume', { auto: args['auto'] === true }),
};
