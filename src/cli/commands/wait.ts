/**
 * `carbond wait JOB… [--timeout 8h]`: blocks until every job has ended, like `sbatch --wait`,
 * and exits with what the jobs came to: 0 when all finished on time, else the code of the
 * first one (in the order given) that did not — its own exit status when it failed with
 * one, or a documented code (../job-wait `WaitExit`: cancelled, failed, lost, deadline
 * missed, timeout). On a terminal, a progress line (state, step) updates on stderr.
 */
import type { Argv } from 'yargs';
import { withJson, type CliCommand, type CommandArgs, type CommandOutput } from '../command';
import type { CliContext } from '../context';
import type { JobView, WaitEnd, WaitOutcome } from '../job-wait';

/** `--timeout` for the commands that wait. */
export function withTimeout(y: Argv, what: string): Argv {
  return y.option('timeout', { type: 'string', requiresArg: true, describe: `stop waiting after this long (e.g. 90s, 10m, 8h) and exit 5; default: ${what}` });
}

/** `--timeout` in ms, or undefined when absent; a bad value is an input error (exit 2). */
export async function timeoutMsOf(args: CommandArgs): Promise<number | undefined> {
  if (args['timeout'] === undefined) return undefined;
  const { requireDurationMs } = await import('../../core/units');
  return requireDurationMs('timeout', String(args['timeout']));
}

/**
 * Waits until `done` holds for every job (see ../job-wait). A job that the daemon does not
 * know is an input error naming it (exit 2); another user's job is refused by the daemon (403, exit 2).
 */
export async function waitUntil(ctx: CliContext, ids: readonly string[], done: (v: JobView) => boolean, timeoutMs: number | undefined): Promise<WaitOutcome> {
  const { callDaemon, DaemonRequestError, DaemonUnavailableError } = await import('../daemon-client');
  const { InputError } = await import('../../core/errors');
  const { progressText, waitForJobs } = await import('../job-wait');
  const { ttyStatusLine } = await import('../render');
  const socketPath = ctx.locations().socketPath;
  const get = async (id: string): Promise<JobView> => {
    try {
      return await callDaemon<JobView>(socketPath, { path: `/v1/jobs/${encodeURIComponent(id)}` });
    } catch (err) {
      if (err instanceof DaemonRequestError && err.status === 404) throw new InputError([{ path: 'job', message: 'no such job (carbond list shows the jobs)', value: id }]);
      throw err;
    }
  };
  const line = ttyStatusLine();
  try {
    return await waitForJobs(ids, done, {
      get, clock: ctx.clock, sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      isUnavailable: (err) => err instanceof DaemonUnavailableError,
      progress: (views) => line(progressText(views)),
    }, timeoutMs === undefined ? {} : { timeoutMs });
  } finally {
    line(null);
  }
}

/** Each job's end and the CLI's exit code: 0 when all finished on time, else the first job's code that is not 0. */
export async function endsOf(outcome: WaitOutcome, waitedFor: string): Promise<{ ends: WaitEnd[]; code: number }> {
  const os = await import('node:os');
  const { endOf, isEnded, WaitExit } = await import('../job-wait');
  const ends = outcome.views.map((v): WaitEnd => {
    if (isEnded(v)) return endOf(v, os.constants.signals);
    const still = { id: v.id, name: v.name, state: v.state, exitStatus: null, exitSignal: null, deadlineMissed: v.deadlineMissed, lateByMs: v.lateByMs };
    if (outcome.lost) return { ...still, code: WaitExit.Lost, reason: `the daemon stopped answering while the job was ${v.state}` };
    if (outcome.timedOut) return { ...still, code: WaitExit.Timeout, reason: `still ${v.state} when --timeout expired, waiting for ${waitedFor}` };
    return { ...still, code: 0, reason: v.state };
  });
  return { ends, code: ends.find((e) => e.code !== 0)?.code ?? 0 };
}

/** `j1a2b (nightly): finished` · `j1a2b (nightly): failed with exit status 3` */
export function renderEnds(ends: readonly WaitEnd[]): string {
  return ends.map((e) => `${e.id} (${e.name}): ${e.reason}`).join('\n');
}

async function run(args: CommandArgs, ctx: CliContext): Promise<CommandOutput> {
  const ids = ((args['jobs'] as unknown[] | undefined) ?? []).map(String);
  const timeoutMs = await timeoutMsOf(args);
  const { isEnded } = await import('../job-wait');
  const { ends, code } = await endsOf(await waitUntil(ctx, ids, isEnded, timeoutMs), 'the end');
  return { data: { jobs: ends, exitCode: code }, text: renderEnds(ends), exitCode: code };
}

export const waitCommand: CliCommand = {
  command: 'wait <jobs..>',
  describe: 'wait until jobs end; exit with their status (0 finished, the job\'s own code when it failed, 5 timeout, 6 cancelled, 7 failed, 8 lost, 9 deadline missed)',
  builder: (y: Argv) => withTimeout(withJson(y).positional('jobs', { type: 'string', array: true, describe: 'job ids (or unique prefixes)' }), 'none'),
  run,
};
