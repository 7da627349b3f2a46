/**
 * `carbond submit [--name N] (--deadline ISO | --finish-by HH:MM [--tz Z]) [--estimate 6h]
 * [--sites A,B] [--gpus N] [--power-w W] [--mode checkpoint|suspend] [--pause-signal SIG] [--retries N]
 * [--tag k=v ...] [--env KEY[=VALUE] ...] [--export default|none|all|K1,K2] [--file JOB.json] [--wait [--timeout 8h]] -- COMMAND [ARGS...]`
 *
 * The command runs as you (the daemon learns who you are from the kernel), in the current
 * directory, with the variables `src/jobs/env.ts` keeps (not your whole environment: tokens
 * stay out unless you name them). Bad input exits 2 naming every problem; nothing is recorded.
 *
 * A flag overrides the same field of `--file`; `--deadline` or `--finish-by` overrides the
 * file's deadline of either kind, but both on the command line is a usage error. A flag given
 * twice is an error, not "last one wins"; `--gpus abc` is an error, not 0.
 *
 * `--wait` then blocks until the job ends and exits as `carbond wait` does (./wait): a
 * pipeline step that waits for its job, like `sbatch --wait`. The job's id goes to stderr
 * at once (without `--json`), so a log shows it while the step waits.
 */
import type { Argv } from 'yargs';
import type { CliCommand, CommandArgs, CommandOutput } from '../command';
import type { CliContext } from '../context';

function builder(y: Argv): Argv {
  return y
    .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false, 'dot-notation': false })
    .option('name', { type: 'string', describe: 'a name for people' })
    .option('deadline', { type: 'string', describe: 'finish before this ISO-8601 time (with zone)' })
    .option('finish-by', { type: 'string', describe: 'finish by the next HH:MM (local time or --tz)' })
    .conflicts('deadline', 'finish-by')
    .option('tz', { type: 'string', describe: 'IANA zone for --finish-by (default: local)' })
    .option('estimate', { type: 'string', describe: 'running time needed, e.g. 6h (default 1h)' })
    .option('sites', { type: 'string', describe: 'allowed sites, comma-separated; the first is home' })
    .option('gpus', { type: 'string', describe: 'GPUs the job needs (0-4096)' }) // text: yargs's number type turns "abc" into NaN
    .option('power-w', { type: 'string', describe: 'the job\'s power draw, W (default: the site model)' })
    .option('mode', { type: 'string', choices: ['checkpoint', 'suspend'], describe: 'how it pauses' })
    .option('pause-signal', { type: 'string', describe: 'signal that asks for a checkpoint (default SIGTERM)' })
    .option('checkpoint-timeout', { type: 'string', describe: 'time allowed to checkpoint and exit (default from config)' })
    .option('retries', { type: 'number', describe: 'retry a run that fails on its own up to N times (0-20, default 0), from the last verified checkpoint after 1 min, doubling, at most 30 min' })
    .option('tag', { type: 'string', array: true, describe: 'k=v label (repeatable)' })
    .option('env', { type: 'string', array: true, describe: 'KEY (from your environment) or KEY=VALUE for the job (repeatable)' })
    .option('export', { type: 'string', default: 'default', describe: 'base environment: default (PATH, locale, Python/CUDA/HF settings), none, all, or K1,K2' })
    .option('file', { type: 'string', describe: 'JOB.json with the same fields; flags override it' })
    .option('shell', { type: 'boolean', describe: 'run the command through /bin/sh -c' })
    .option('wait', { type: 'boolean', describe: 'block until the job ends; exit as carbond wait does' })
    .option('timeout', { type: 'string', describe: 'with --wait: stop waiting after this long (e.g. 8h) and exit 5' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts' });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Flags that take one value each (camel-cased as yargs gives them), and the on/off ones. */
const VALUE_FLAGS = ['name', 'deadline', 'finishBy', 'tz', 'estimate', 'sites', 'gpus', 'powerW', 'mode', 'pauseSignal', 'checkpointTimeout', 'retries', 'export', 'file', 'timeout'];
const SWITCHES = ['shell', 'wait'];

/** Most bytes of a JOB.json: the daemon takes no larger request. */
const MAX_JOB_FILE_BYTES = 1_048_576;

/**
 * The text of `--file` (a pipe such as `<(jq …)` too); a file that cannot be read or is too
 * large is an input error naming it (exit 2), not a raw ENOENT.
 */
async function readJobFile(file: string): Promise<string> {
  const fs = await import('node:fs');
  const { InputError } = await import('../../core/errors');
  const refuse = (message: string): never => { throw new InputError([{ path: 'file', message, value: file }], 'job file'); };
  try {
    if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_JOB_FILE_BYTES) refuse(`is larger than ${MAX_JOB_FILE_BYTES} bytes`);
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    return refuse(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

async function run(argv: CommandArgs, ctx: CliContext): Promise<CommandOutput> {
  const { Issues } = await import('../../core/validation');
  const { mergeTags, numberFlag, oneValueFlags, parseTags, specFromInput, submitInputFromFile } = await import('../../jobs/submit-args');
  const { exportedEnv } = await import('../../jobs/env');
  const { callDaemon } = await import('../daemon-client');
  // Every problem below is collected and reported at once, with the job's own, by specFromInput.
  const issues = new Issues();
  const args: CommandArgs = { ...argv, ...oneValueFlags(argv, VALUE_FLAGS, SWITCHES, issues) };
  const file = str(args['file']);
  const fromFile = file !== undefined ? submitInputFromFile(await readJobFile(file), file) : {};
  const tags = args['tag'] !== undefined ? parseTags((args['tag'] as unknown[]).map(String), issues) : undefined;
  const own = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const env = { ...exportedEnv(own, String(args['export'] ?? 'default'), ((args['env'] as unknown[] | undefined) ?? []).map(String), issues), ...(fromFile.env ?? {}) };
  const rest = (args['--'] as unknown[] | undefined)?.map(String) ?? [];
  const timeoutMs = waitTimeoutMs(args, issues, (await import('../../core/units')).parseDurationMs);
  const input = {
    ...fromFile,
    ...(str(args['name']) !== undefined ? { name: str(args['name']) } : {}),
    ...(str(args['deadline']) !== undefined ? { deadline: str(args['deadline']), finishBy: undefined } : {}),
    ...(str(args['finishBy']) !== undefined ? { finishBy: str(args['finishBy']), deadline: undefined } : {}),
    ...(str(args['tz']) !== undefined ? { tz: str(args['tz']) } : {}),
    ...(str(args['estimate']) !== undefined ? { estimate: str(args['estimate']) } : {}),
    ...(str(args['sites']) !== undefined ? { sites: str(args['sites'])!.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(str(args['gpus']) !== undefined ? { gpus: numberFlag('gpus', str(args['gpus'])!, { whole: true, what: 'a whole number of GPUs' }, issues) } : {}),
    ...(str(args['powerW']) !== undefined ? { powerW: numberFlag('powerW', str(args['powerW'])!, { whole: false, what: 'a number of watts' }, issues) } : {}),
    ...(str(args['mode']) !== undefined ? { mode: str(args['mode']) } : {}),
    ...(str(args['pauseSignal']) !== undefined ? { pauseSignal: str(args['pauseSignal']) } : {}),
    ...(str(args['checkpointTimeout']) !== undefined ? { checkpointTimeout: str(args['checkpointTimeout']) } : {}),
    ...(tags !== undefined ? { tags: mergeTags(fromFile.tags, tags) } : {}),
    ...(rest.length > 0 ? { command: rest } : {}),
    ...(args['shell'] === true ? { useShell: true } : {}),
  };
  const spec = specFromInput(input, { nowMs: ctx.clock.now(), localZone: Intl.DateTimeFormat().resolvedOptions().timeZone, cwd: process.cwd(), env }, issues);
  // --retries (or a JOB.json's "retries"); the daemon checks it with the rest of the job.
  const retries = typeof args['retries'] === 'number' ? args['retries'] : fromFile.retries;
  if (retries !== undefined) spec.retries = retries;
  const detail = await callDaemon<{ id: string; name: string; deadline: string; state: string }>(ctx.locations().socketPath, { method: 'POST', path: '/v1/jobs', body: spec, timeoutMs: 10_000 });
  const submitted = `submitted ${detail.id} (${detail.name}): ${detail.state}, deadline ${detail.deadline}`;
  if (args['wait'] !== true) return { data: detail, text: submitted };
  if (args.json !== true) ctx.stderr(submitted);
  const { endsOf, renderEnds, waitUntil } = await import('./wait');
  const { isEnded } = await import('../job-wait');
  const { ends, code } = await endsOf(await waitUntil(ctx, [detail.id], isEnded, timeoutMs), 'the end');
  return { data: { ...detail, wait: ends[0] }, text: renderEnds(ends), exitCode: code };
}

/** `--timeout` in ms (only with `--wait`); a problem joins the others in `issues`. */
function waitTimeoutMs(args: CommandArgs, issues: import('../../core/validation').Issues, parse: (text: string) => number | undefined): number | undefined {
  const text = str(args['timeout']);
  if (text === undefined) return undefined;
  if (args['wait'] !== true) issues.add('timeout', 'is only for --wait', text);
  const ms = parse(text);
  if (ms === undefined || ms < 0) issues.add('timeout', 'not a duration like 90s, 5m, 6h or 1h30m', text);
  return ms;
}

export const submitCommand: CliCommand = {
  command: 'submit',
  describe: 'submit a training job: carbond submit --finish-by 07:00 --estimate 6h -- python train.py',
  builder,
  run,
};
