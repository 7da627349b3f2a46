/**
 * The `carbond` binary: `bin/carbond` calls `main(process.argv.slice(2))`. yargs in strict
 * mode (unknown commands and flags are usage errors, exit 2); commands come from the
 * registry in ./commands; their output goes through the one renderer.
 */
import type { Argv } from 'yargs';
import { ExitCode } from '../core/errors';
import type { CliCommand, CommandArgs, CommandOutput } from './command';
import { createCliContext } from './context';
import { parseFastDaemon, parseFastStatus } from './fast-path';
import { renderError, renderOutput, type Streams } from './render';

const EPILOGUE = 'Exit codes: 0 ok, 1 failure, 2 usage or configuration, 3 every provider failed, 4 executor or checkpoint; waiting (wait, --wait): the job\'s own exit status when it failed, 5 timeout, 6 cancelled, 7 failed, 8 lost, 9 deadline missed. See README.md.';

const streams: Streams = {
  stdout: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** yargs rejected the command line (unknown flag, missing command): exit 2. */
class UsageFailure extends Error {}

type OnRun = (cmd: CliCommand, args: CommandArgs) => Promise<void>;

function register(y: Argv, cmd: CliCommand, command: string, onRun: OnRun): Argv {
  return y.command(command, cmd.describe, (b) => (cmd.builder ? cmd.builder(b) : b), (args) => onRun(cmd, args as CommandArgs));
}

/** `config check` and `config show` become subcommands of one `config` group. */
function registerAll(y: Argv, list: readonly CliCommand[], onRun: OnRun): Argv {
  const groups = new Map<string, CliCommand[]>();
  for (const cmd of list) {
    const [first, second] = cmd.command.split(' ');
    if (second !== undefined && !/^[<[]/.test(second)) groups.set(first as string, [...(groups.get(first as string) ?? []), cmd]);
    else y = register(y, cmd, cmd.command, onRun);
  }
  for (const [group, subs] of groups) {
    y = y.command(`${group} <command>`, `${subs.map((c) => c.command.split(' ')[1]).join(', ')}: ${subs.map((c) => c.describe).join('; ')}`, (b) => {
      let g = b;
      for (const cmd of subs) g = register(g, cmd, cmd.command.split(' ').slice(1).join(' '), onRun);
      return g.demandCommand(1, `a ${group} subcommand is required`);
    });
  }
  return y;
}

/** Runs the CLI; returns (and sets `process.exitCode` to) the exit code. */
export async function main(argv: readonly string[], io: Streams = streams): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  const onRun = async (cmd: CliCommand, args: CommandArgs): Promise<void> => {
    try {
      const out: CommandOutput = await cmd.run(args, createCliContext(args));
      exitCode = renderOutput(out, args.json === true, io);
    } catch (err) {
      exitCode = renderError(err, io);
    }
  };
  const fast = parseFastStatus(argv);
  if (fast) {
    // Only the status command's own module: the registry (every command file) is not loaded.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { statusCommand } = require('./commands/status') as typeof import('./commands/status');
    await onRun(statusCommand, fast);
    process.exitCode = exitCode;
    return exitCode;
  }
  const fastDaemon = parseFastDaemon(argv);
  if (fastDaemon) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { daemonCommand } = require('./commands/daemon') as typeof import('./commands/daemon');
    await onRun(daemonCommand, fastDaemon);
    process.exitCode = exitCode;
    return exitCode;
  }
  // `carbond --version`, as every CLI answers it (the same text as `carbond version`).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { carbondVersion } = require('../daemon/version') as typeof import('../daemon/version');
    io.stdout(`carbond ${carbondVersion()} (node ${process.versions.node})`);
    process.exitCode = 0;
    return 0;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yargs = require('yargs/yargs') as typeof import('yargs/yargs');
  let y: Argv = yargs([...argv])
    .scriptName('carbond')
    .usage('carbond — carbon-aware training scheduler\n\nUsage: $0 <command> [options]')
    .option('config', { type: 'string', requiresArg: true, describe: 'config file (TOML)', global: true })
    .option('state-dir', { type: 'string', requiresArg: true, describe: 'state directory (ledger, checkpoints)', global: true })
    .option('socket', { type: 'string', requiresArg: true, describe: 'daemon socket path', global: true })
    .strict()
    .demandCommand(1, 'a command is required (carbond --help lists them)')
    .recommendCommands()
    .epilogue(EPILOGUE)
    .help()
    .alias('help', 'h')
    .version(false)
    .exitProcess(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs's own parse errors (YError) are usage errors; errors thrown by handlers are not.
      if (err && err.name !== 'YError') throw err;
      // Throwing stops yargs from running the command handler after a usage error.
      throw new UsageFailure(msg ?? err?.message ?? 'invalid command line');
    });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { commands } = require('./commands') as typeof import('./commands');
  y = registerAll(y, commands, onRun);
  try {
    await y.parseAsync();
  } catch (err) {
    if (err instanceof UsageFailure) {
      io.stderr(`carbond: ${err.message}\nRun carbond --help for usage.`);
      exitCode = ExitCode.Usage;
    } else {
      exitCode = renderError(err, io);
    }
  }
  process.exitCode = exitCode;
  return exitCode;
}
