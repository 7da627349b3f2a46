/**
 * `carbond schedule add --cron EXPR [--tz ZONE] (--finish-by HH:MM | --within 8h) [submit options] -- COMMAND [ARGS...]`,
 * `carbond schedule list`, `carbond schedule show ID`, `carbond schedule remove ID`.
 *
 * A schedule submits one job per occurrence of its cron expression, read in `--tz` (default: the
 * local zone, stored by name), each due by the next `--finish-by` in that zone or `--within` of
 * the occurrence, and tagged `schedule=<id>` (`carbond report --group-by tag:schedule`). The job
 * template takes the submit options (as `carbond submit`, without `--deadline`, `--file`, `--wait`)
 * and runs as you. Bad input exits 2 naming every field and value; nothing is recorded.
 */
import type { Argv } from 'yargs';
import { withJson, type CliCommand, type CommandArgs, type CommandOutput } from '../command';
import type { CliContext } from '../context';

interface ScheduleView {
  id: string; owner: string; cron: string; tz: string; finishBy: string | null; within: string | null;
  createdAt: string; removedAt: string | null; lastOccurrence: string | null; nextOccurrence: string | null; nextDeadline: string | null;
  job: { name?: string; command: string[]; estimateMs?: number; envNames: string[] };
  occurrences?: Array<{ occurrence: string; outcome: string; jobId: string | null; jobState: string | null; reason: string }>;
}

function addBuilder(y: Argv): Argv {
  return y
    .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false, 'dot-notation': false })
    .option('cron', { type: 'string', describe: '5-field cron expression, e.g. "30 1 * * *" (01:30 every day)' })
    .option('tz', { type: 'string', describe: 'IANA zone of --cron and --finish-by (default: local)' })
    .option('finish-by', { type: 'string', describe: 'each job must finish by the next HH:MM after its occurrence' })
    .option('within', { type: 'string', describe: 'each job must finish within this long of its occurrence, e.g. 8h' })
    .option('name', { type: 'string', describe: 'a name for people' })
    .option('estimate', { type: 'string', describe: 'running time needed, e.g. 6h (default 1h)' })
    .option('sites', { type: 'string', describe: 'allowed sites, comma-separated; the first is home' })
    .option('gpus', { type: 'string', describe: 'GPUs the job needs (0-4096)' })
    .option('power-w', { type: 'string', describe: 'the job\'s power draw, W (default: the site model)' })
    .option('mode', { type: 'string', choices: ['checkpoint', 'suspend'], describe: 'how it pauses' })
    .option('pause-signal', { type: 'string', describe: 'signal that asks for a checkpoint (default SIGTERM)' })
    .option('checkpoint-timeout', { type: 'string', describe: 'time allowed to checkpoint and exit (default from config)' })
    .option('retries', { type: 'string', describe: 'retry a run that fails on its own up to N times (0-20)' })
    .option('tag', { type: 'string', array: true, describe: 'k=v label (repeatable; `schedule` is set by carbond)' })
    .option('env', { type: 'string', array: true, describe: 'KEY (from your environment) or KEY=VALUE for the job (repeatable)' })
    .option('export', { type: 'string', default: 'default', describe: 'base environment: default, none, all, or K1,K2' })
    .option('shell', { type: 'boolean', describe: 'run the command through /bin/sh -c' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts' });
}

const VALUE_FLAGS = ['cron', 'tz', 'finishBy', 'within', 'name', 'estimate', 'sites', 'gpus', 'powerW', 'mode', 'pauseSignal', 'checkpointTimeout', 'retries', 'export'];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The schedule body from the flags; throws `InputError` (exit 2) naming every problem. */
async function scheduleBody(argv: CommandArgs, ctx: CliContext): Promise<Record<string, unknown>> {
  const { Issues } = await import('../../core/validation');
  const { InputError } = await import('../../core/errors');
  const { parseDurationMs } = await import('../../core/units');
  const { numberFlag, oneValueFlags, parseTags, specFromInput } = await import('../../jobs/submit-args');
  const { exportedEnv } = await import('../../jobs/env');
  const { checkScheduleFields } = await import('../../daemon/schedules/spec');
  const issues = new Issues();
  const args: CommandArgs = { ...argv, ...oneValueFlags(argv, VALUE_FLAGS, ['shell'], issues) };
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const within = str(args['within']);
  const withinMs = within === undefined ? undefined : parseDurationMs(within);
  if (within !== undefined && withinMs === undefined) issues.add('within', 'is not a duration (e.g. 8h, 90m)', within);
  const body: Record<string, unknown> = { cron: str(args['cron']), tz: str(args['tz']) ?? localZone };
  if (str(args['finishBy']) !== undefined) body['finishBy'] = str(args['finishBy']);
  if (within !== undefined) body['withinMs'] = withinMs ?? NaN;
  const fields = new Issues();
  checkScheduleFields(body, fields);
  // `within` is reported once, as the flag's text, when it does not parse.
  issues.addAll(fields.all.filter((i) => !(i.path === 'within' && withinMs === undefined)));
  const tags = args['tag'] !== undefined ? parseTags((args['tag'] as unknown[]).map(String), issues) : undefined;
  const own = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const env = exportedEnv(own, String(args['export'] ?? 'default'), ((args['env'] as unknown[] | undefined) ?? []).map(String), issues);
  const rest = (args['--'] as unknown[] | undefined)?.map(String) ?? [];
  const retries = str(args['retries']) === undefined ? undefined : numberFlag('retries', str(args['retries'])!, { whole: true, what: 'a whole number from 0 to 20' }, issues);
  const input = {
    // A stand-in deadline: the job fields are checked here as `submit` checks them; each occurrence sets the real one.
    deadline: new Date(ctx.clock.now() + 86_400_000).toISOString(),
    name: str(args['name']), estimate: str(args['estimate']), sites: str(args['sites'])?.split(',').map((s) => s.trim()).filter(Boolean),
    gpus: str(args['gpus']) === undefined ? undefined : numberFlag('gpus', str(args['gpus'])!, { whole: true, what: 'a whole number of GPUs' }, issues),
    powerW: str(args['powerW']) === undefined ? undefined : numberFlag('powerW', str(args['powerW'])!, { whole: false, what: 'a number of watts' }, issues),
    mode: str(args['mode']), pauseSignal: str(args['pauseSignal']), checkpointTimeout: str(args['checkpointTimeout']), tags,
    ...(rest.length > 0 ? { command: rest } : {}), ...(args['shell'] === true ? { useShell: true } : {}),
  };
  let job: Record<string, unknown>;
  try {
    job = { ...specFromInput(input, { nowMs: ctx.clock.now(), localZone, cwd: process.cwd(), env }, issues) };
  } catch (err) {
    throw err instanceof InputError ? new InputError(err.issues, 'schedule') : err;
  }
  delete job['deadlineMs'];
  if (retries !== undefined) job['retries'] = retries;
  return { ...body, job };
}

function renderLine(s: ScheduleView): string {
  const rule = s.finishBy !== null ? `finish by ${s.finishBy}` : `within ${s.within}`;
  const when = s.removedAt !== null ? `removed ${s.removedAt}` : `next ${s.nextOccurrence ?? 'never'}`;
  return `${s.id}  "${s.cron}" ${s.tz}  ${rule}  ${when}  ${s.job.name ?? ''} ${s.job.command.join(' ')}`.replace(/ {3,}/g, '  ');
}

function renderDetail(s: ScheduleView): string {
  return [
    `${s.id}  (${s.owner})`,
    `cron      "${s.cron}" in ${s.tz}; each job ${s.finishBy !== null ? `finishes by the next ${s.finishBy}` : `finishes within ${s.within}`}`,
    `command   ${s.job.command.join(' ')}`,
    `added     ${s.createdAt}${s.removedAt ? `; removed ${s.removedAt}` : ''}`,
    `next      ${s.removedAt ? '—' : `${s.nextOccurrence ?? 'never'} (deadline ${s.nextDeadline ?? '—'})`}`,
    'occurrences:',
    ...(s.occurrences ?? []).map((o) => `  ${o.occurrence}  ${o.outcome}${o.jobId ? ` ${o.jobId} (${o.jobState ?? '?'})` : ''}  ${o.reason}`),
  ].join('\n');
}

async function call<T>(ctx: CliContext, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const { callDaemon } = await import('../daemon-client');
  return callDaemon<T>(ctx.locations().socketPath, { method, path, ...(body === undefined ? {} : { body }), timeoutMs: 10_000 });
}

const idPath = (args: CommandArgs): string => `/v1/schedules/${encodeURIComponent(String(args['id']))}`;

export const scheduleCommands: readonly CliCommand[] = [
  {
    command: 'schedule add',
    describe: 'add a recurring job: carbond schedule add --cron "30 1 * * *" --tz Europe/London --finish-by 07:00 --estimate 4h -- python train.py',
    builder: addBuilder,
    run: async (args, ctx): Promise<CommandOutput> => {
      const s = await call<ScheduleView>(ctx, 'POST', '/v1/schedules', await scheduleBody(args, ctx));
      return { data: s, text: `added ${s.id}: "${s.cron}" in ${s.tz}; first occurrence ${s.nextOccurrence} (deadline ${s.nextDeadline})` };
    },
  },
  {
    command: 'schedule list',
    describe: 'your schedules (root: everyone\'s), removed ones included',
    builder: withJson,
    run: async (_args, ctx): Promise<CommandOutput> => {
      const { schedules } = await call<{ schedules: ScheduleView[] }>(ctx, 'GET', '/v1/schedules');
      return { data: { schedules }, text: schedules.length === 0 ? 'no schedules' : schedules.map(renderLine).join('\n') };
    },
  },
  {
    command: 'schedule show <id>',
    describe: 'one schedule and its occurrences, each with its job',
    builder: withJson,
    run: async (args, ctx): Promise<CommandOutput> => {
      const s = await call<ScheduleView>(ctx, 'GET', idPath(args));
      return { data: s, text: () => renderDetail(s) };
    },
  },
  {
    command: 'schedule remove <id>',
    describe: 'remove a schedule: no more occurrences (its jobs stay)',
    builder: withJson,
    run: async (args, ctx): Promise<CommandOutput> => {
      const s = await call<ScheduleView>(ctx, 'DELETE', idPath(args));
      return { data: s, text: `removed ${s.id}` };
    },
  },
];
