/**
 * `carbond pause JOB`, `carbond resume JOB [--auto]`, `carbond cancel JOB`: a manual pause
 * or resume overrides the plan until `resume --auto` hands the job back to it. Only the
 * job's owner or root may act.
 *
 * Each returns once the daemon has taken the request; with `--wait`, once the job has got
 * there (pause: paused or suspended, or held in the queue; resume: running; cancel:
 * cancelled with its process gone), or `--timeout` has expired (exit 5). A job that ends
 * otherwise while waited for exits with the code `carbond wait` gives that end.
 */
import type { Argv } from 'yargs';
import { withJson, type CliCommand, type CommandArgs, type CommandOutput } from '../command';
import type { CliContext } from '../context';
import type { JobView } from '../job-wait';
import { renderDetail, type JobDetailView } from './show';
import { withTimeout } from './wait';

export type JobAction = 'pause' | 'resume' | 'cancel';

/** The state each action waits for (`--wait`). */
const REACHED: Record<JobAction, { what: string; test(v: JobView): boolean }> = {
  pause: { what: 'the pause', test: (v) => v.state === 'paused' || v.state === 'suspended' || (v.state === 'queued' && v.manualOverride === 'pause') },
  resume: { what: 'the resume', test: (v) => v.state === 'running' },
  cancel: { what: 'the cancel', test: (v) => v.state === 'cancelled' && (v.runs as Array<{ endedAt: string | null }>).every((r) => r.endedAt !== null) },
};

async function waitForAction(ctx: CliContext, id: string, action: JobAction, timeoutMs: number | undefined): Promise<CommandOutput> {
  const { endsOf, waitUntil } = await import('./wait');
  const { isEnded } = await import('../job-wait');
  const reached = REACHED[action];
  const outcome = await waitUntil(ctx, [id], (v) => reached.test(v) || isEnded(v), timeoutMs);
  const detail = outcome.views[0] as JobDetailView;
  if (reached.test(detail)) return { data: detail, text: renderDetail(detail) };
  const [end] = (await endsOf(outcome, reached.what)).ends;
  return { data: detail, text: `${renderDetail(detail)}\n\n${end!.reason}`, exitCode: end!.code };
}

export async function jobAction(ctx: CliContext, args: CommandArgs, action: JobAction, body?: unknown): Promise<CommandOutput> {
  const { callDaemon } = await import('../daemon-client');
  const { timeoutMsOf } = await import('./wait');
  const id = String(args['job']);
  const timeoutMs = await timeoutMsOf(args);
  const detail = await callDaemon<JobDetailView>(ctx.locations().socketPath, { method: 'POST', path: `/v1/jobs/${encodeURIComponent(id)}/${action}`, body, timeoutMs: 30_000 });
  if (args['wait'] !== true) return { data: detail, text: renderDetail(detail) };
  return waitForAction(ctx, detail.id, action, timeoutMs);
}

/** `<job>`, `--json`, `--wait` and `--timeout`: what pause, resume and cancel share. */
export function actionOptions(y: Argv, waitsFor: string): Argv {
  return withTimeout(withJson(y).positional('job', { type: 'string', describe: 'job id (or a unique prefix)' })
    .option('wait', { type: 'boolean', default: false, describe: `return once ${waitsFor}` }), 'none (with --wait)');
}

export const pauseCommand: CliCommand = {
  command: 'pause <job>',
  describe: 'checkpoint and pause a job, and hold it paused (overrides the plan)',
  builder: (y: Argv) => actionOptions(y, 'the job is paused (checkpointed, or suspended)'),
  run: (args: CommandArgs, ctx) => jobAction(ctx, args, 'pause'),
};
