/**
 * `carbond submit [--name N] (--deadline ISO | --finish-by HH:MM [--tz Z]) [--estimate 6h]
 * [--sites A,B] [--gpus N] [--power-w W] [--mode checkpoint|suspend] [--pause-signal SIG]
 * [--tag k=v ...] [--env KEY[=VALUE] ...] [--export default|none|all|K1,K2] [--file JOB.json] -- COMMAND [ARGS...]`
 *
 * The command runs as you (the daemon learns who you are from the kernel), in the current
 * directory, with the variables `src/jobs/env.ts` keeps (not your whole environment: tokens
 * stay out unless you name them). Bad input exits 2 naming every problem; nothing is recorded.
 */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs, CommandOutput } from '../command';
import type { CliContext } from '../context';

function builder(y: Argv): Argv {
  return y
    .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false })
    .option('name', { type: 'string', describe: 'a name for people' })
    .option('deadline', { type: 'string', describe: 'finish before this ISO-8601 time (with zone)' })
    .option('finish-by', { type: 'string', describe: 'finish by the next HH:MM (local time or --tz)' })
    .option('tz', { type: 'string', describe: 'IANA zone for --finish-by (default: local)' })
    .option('estimate', { type: 'string', describe: 'running time needed, e.g. 6h (default 1h)' })
    .option('sites', { type: 'string', describe: 'allowed sites, comma-separated; the first is home' })
    .option('gpus', { type: 'number', describe: 'GPUs the job needs' })
    .option('power-w', { type: 'number', describe: 'the job\'s power draw, W (default: the site model)' })
    .option('mode', { type: 'string', choices: ['checkpoint', 'suspend'], describe: 'how it pauses' })
    .option('pause-signal', { type: 'string', describe: 'signal that asks for a checkpoint (default SIGTERM)' })
    .option('checkpoint-timeout', { type: 'string', describe: 'time allowed to checkpoint and exit (default from config)' })
    .option('tag', { type: 'string', array: true, describe: 'k=v label (repeatable)' })
    .option('env', { type: 'string', array: true, describe: 'KEY (from your environment) or KEY=VALUE for the job (repeatable)' })
    .option('export', { type: 'string', default: 'default', describe: 'base environment: default (PATH, locale, Python/CUDA/HF settings), none, all, or K1,K2' })
    .option('file', { type: 'string', describe: 'JOB.json with the same fields; flags override it' })
    .option('shell', { type: 'boolean', describe: 'run the command through /bin/sh -c' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts' });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

async function run(args: CommandArgs, ctx: CliContext): Promise<CommandOutput> {
  const fs = await import('node:fs');
  const { Issues } = await import('../../core/validation');
  const { InputError } = await import('../../core/errors');
  const { parseTags, specFromInput, submitInputFromFile } = await import('../../jobs/submit-args');
  const { exportedEnv } = await import('../../jobs/env');
  const { callDaemon } = await import('../daemon-client');
  const fromFile = args['file'] !== undefined ? submitInputFromFile(fs.readFileSync(String(args['file']), 'utf8'), String(args['file'])) : {};
  const issues = new Issues();
  const tags = args['tag'] !== undefined ? parseTags((args['tag'] as unknown[]).map(String), issues) : undefined;
  const own = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const env = { ...exportedEnv(own, String(args['export'] ?? 'default'), ((args['env'] as unknown[] | undefined) ?? []).map(String), issues), ...(fromFile.env ?? {}) };
  issues.throwIfAny((list) => new InputError(list, 'submit'));
  const rest = (args['--'] as unknown[] | undefined)?.map(String) ?? [];
  const input = {
    ...fromFile,
    ...(str(args['name']) !== undefined ? { name: str(args['name']) } : {}),
    ...(str(args['deadline']) !== undefined ? { deadline: str(args['deadline']), finishBy: undefined } : {}),
    ...(str(args['finishBy']) !== undefined ? { finishBy: str(args['finishBy']), deadline: undefined } : {}),
    ...(str(args['tz']) !== undefined ? { tz: str(args['tz']) } : {}),
    ...(str(args['estimate']) !== undefined ? { estimate: str(args['estimate']) } : {}),
    ...(str(args['sites']) !== undefined ? { sites: str(args['sites'])!.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(typeof args['gpus'] === 'number' ? { gpus: args['gpus'] } : {}),
    ...(typeof args['powerW'] === 'number' ? { powerW: args['powerW'] } : {}),
    ...(str(args['mode']) !== undefined ? { mode: str(args['mode']) } : {}),
    ...(str(args['pauseSignal']) !== undefined ? { pauseSignal: str(args['pauseSignal']) } : {}),
    ...(str(args['checkpointTimeout']) !== undefined ? { checkpointTimeout: str(args['checkpointTimeout']) } : {}),
    ...(tags !== undefined ? { tags: { ...(fromFile.tags ?? {}), ...tags } } : {}),
    ...(rest.length > 0 ? { command: rest } : {}),
    ...(args['shell'] === true ? { useShell: true } : {}),
  };
  const spec = specFromInput(input, { nowMs: ctx.clock.now(), localZone: Intl.DateTimeFormat().resolvedOptions().timeZone, cwd: process.cwd(), env });
  const detail = await callDaemon<{ id: string; name: string; deadline: string; state: string }>(ctx.locations().socketPath, { method: 'POST', path: '/v1/jobs', body: spec, timeoutMs: 10_000 });
  return { data: detail, text: `submitted ${detail.id} (${detail.name}): ${detail.state}, deadline ${detail.deadline}` };
}

export const submitCommand: CliCommand = {
  command: 'submit',
  describe: 'submit a training job: carbond submit --finish-by 07:00 --estimate 6h -- python train.py',
  builder,
  run,
};
