/** `carbond logs JOB [--follow]`: the output of the job's newest run; `--follow` keeps printing until it ends. */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs, CommandOutput } from '../command';
import type { CliContext } from '../context';

interface LogChunk { runId: number | null; text: string; nextOffset: number; running: boolean }

/** How often `--follow` asks for more, ms. */
export const FOLLOW_POLL_MS = 500;

async function run(args: CommandArgs, ctx: CliContext): Promise<CommandOutput> {
  const { callDaemon } = await import('../daemon-client');
  const id = encodeURIComponent(String(args['job']));
  const socket = ctx.locations().socketPath;
  let offset = 0;
  let runId: number | null = null;
  for (;;) {
    const chunk: LogChunk = await callDaemon<LogChunk>(socket, { path: `/v1/jobs/${id}/logs?offset=${offset}${runId !== null ? `&run=${runId}` : ''}` });
    runId = chunk.runId;
    if (chunk.text) ctx.stdout(chunk.text.replace(/\n$/, ''));
    const more = chunk.nextOffset > offset;
    offset = chunk.nextOffset;
    if (more) continue;
    if (args['follow'] !== true || !chunk.running) break;
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
  }
  return { data: undefined };
}

export const logsCommand: CliCommand = {
  command: 'logs <job>',
  describe: 'print the output of a job\'s newest run (--follow to keep printing)',
  builder: (y: Argv) => y.positional('job', { type: 'string' }).option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'keep printing while the run lives' }),
  run,
};
