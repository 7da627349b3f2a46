/**
 * The CLI's command contract (CONVENTIONS §9): one file per command under ./commands,
 * each a `CliCommand` that RETURNS data; one renderer prints it (text for people, JSON
 * with `--json`). Keep a command file's top-level imports light (types, yargs types):
 * load heavy modules inside `run`, so `carbond status` stays fast.
 */
import type { Argv } from 'yargs';
import type { ExitCode } from '../core/errors';
import type { CliContext } from './context';

/** Options every command accepts. */
export interface GlobalArgs {
  /** `--config FILE`: the TOML file (default: by mode; see README). */
  config?: string;
  /** `--state-dir DIR`: overrides `stateDir` everywhere. */
  stateDir?: string;
  /** `--socket PATH`: the daemon socket. */
  socket?: string;
  /** `--json` (read commands): print JSON for scripts. */
  json?: boolean;
}

/** Parsed arguments: the globals plus the command's own (yargs camel-cases them). */
export type CommandArgs = GlobalArgs & Record<string, unknown>;

/** What a command returns; the renderer prints it. */
export interface CommandOutput {
  /** Printed as JSON with `--json`. */
  data: unknown;
  /**
   * Printed for people without `--json`; default: the JSON. Omit both data and text to print
   * nothing. A function is called only when the text is printed (`status --json` skips the rendering).
   */
  text?: string | (() => string);
  /** Default 0. A number outside the enum: a job's own exit status passed on by `wait`. */
  exitCode?: ExitCode | number;
}

export interface CliCommand {
  /** yargs command string, e.g. `status`, `show <id>`, `config check`. */
  command: string;
  /** One line for `carbond --help`. */
  describe: string;
  /** Adds the command's options and positionals. Use `withJson` on read commands. */
  builder?(y: Argv): Argv;
  run(args: CommandArgs, ctx: CliContext): Promise<CommandOutput>;
}

/** Adds `--json` to a read command. */
export function withJson(y: Argv): Argv {
  return y.option('json', { type: 'boolean', default: false, describe: 'print JSON for scripts' });
}
