/**
 * `carbond pause JOB`, `carbond resume JOB [--auto]`, `carbond cancel JOB`: a manual pause
 * or resume overrides the plan until `resume --auto` hands the job back to it. Only the
 * job's owner or root may act.
 */
import type { Argv } from 'yargs';
import { withJson, type CliCommand, type CommandArgs, type CommandOutput } from '../command';
import type { CliContext } from '../context';
import { renderDetail, type JobDetailView } from './show';

export async function jobAction(ctx: CliContext, id: string, action: 'pause' | 'resume' | 'cancel', body?: unknown): Promise<CommandOutput> {
  const { callDaemon } = await import('../daemon-client');
  const detail = await callDaemon<JobDetailView>(ctx.locations().socketPath, { method: 'POST', path: `/v1/jobs/${encodeURIComponent(id)}/${action}`, body, timeoutMs: 30_000 });
  return { data: detail, text: renderDetail(detail) };
}

const positional = (y: Argv): Argv => withJson(y).positional('job', { type: 'string', describe: 'job id (or a unique prefix)' });

export const pauseCommand: CliCommand = {
  command: 'pause <job>',
  describe: 'checkpoint and pause a job, and hold it paused (overrides the plan)',
  builder: positional,
  run: (args: CommandArgs, ctx) => jobAction(ctx, String(args['job']), 'pause'),
};
