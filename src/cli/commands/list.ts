/** `carbond list [--json]`: every job with its state and progress (reads the ledger when the daemon is down). */
import { withJson, type CliCommand, type CommandOutput } from '../command';
import type { CliContext } from '../context';
import { fromDaemonOrLedger, lateText, type JobSummaryView } from './show';

export const listCommand: CliCommand = {
  command: 'list',
  describe: 'list jobs',
  builder: withJson,
  run: async (_args, ctx: CliContext): Promise<CommandOutput> => {
    const { jobSummaries } = await import('../../daemon/jobs/views');
    const { table } = await import('../render');
    const { data, note } = await fromDaemonOrLedger(ctx, '/v1/jobs', (db) => ({ jobs: jobSummaries(db, ctx.clock.now()) }));
    const jobs: JobSummaryView[] = data.jobs;
    const rows = jobs.map((j) => [j.id, j.name, j.owner, j.state + (j.manualOverride ? ` (manual ${j.manualOverride})` : ''), `${j.step}${j.totalSteps ? `/${j.totalSteps}` : ''}`, j.site ?? '', j.deadline + lateText(j)]);
    return { data: jobs, text: (note ? `(${note})\n` : '') + (jobs.length === 0 ? 'no jobs' : table(['id', 'name', 'owner', 'state', 'step', 'site', 'deadline'], rows)) };
  },
};
