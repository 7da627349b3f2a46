/**
 * A fast path for the hottest read command and the long-running one: `carbond status
 * [--json] [--state-dir D] [--config F] [--socket S]` and `carbond daemon [--log-level L]
 * [--state-dir D] [--config F] [--socket S]` are parsed here without loading yargs (~30 ms
 * of the ~2× node-start budget of status, and ~8 MB of the daemon's resident memory; see
 * bench/cli.ts). Anything else — another flag, `--help`, a typo, a bad value — returns
 * undefined and goes through yargs, which stays the one source of truth for usage.
 */
import type { CommandArgs } from './command';

const VALUED: Readonly<Record<string, 'config' | 'stateDir' | 'socket'>> = { '--config': 'config', '--state-dir': 'stateDir', '--socket': 'socket' };

const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

/** The parsed arguments when `argv` is a plain `status` call, else undefined. */
export function parseFastStatus(argv: readonly string[]): CommandArgs | undefined {
  return argv[0] === 'status' ? parseFlags(argv, true) : undefined;
}

/** The parsed arguments when `argv` is a plain `daemon` call, else undefined. */
export function parseFastDaemon(argv: readonly string[]): CommandArgs | undefined {
  if (argv[0] !== 'daemon') return undefined;
  const at = argv.findIndex((t) => t === '--log-level' || t.startsWith('--log-level='));
  if (at < 0) return parseFlags(argv, false);
  const level = argv[at]!.includes('=') ? argv[at]!.slice('--log-level='.length) : argv[at + 1];
  if (level === undefined || !LOG_LEVELS.has(level)) return undefined;
  const rest = parseFlags([...argv.slice(0, at), ...argv.slice(at + (argv[at]!.includes('=') ? 1 : 2))], false);
  return rest && { ...rest, logLevel: level };
}

function parseFlags(argv: readonly string[], jsonAllowed: boolean): CommandArgs | undefined {
  const args: CommandArgs = { json: false };
  for (let i = 1; i < argv.length; i += 1) {
    const token = argv[i] as string;
    if (token === '--json' && jsonAllowed) { args.json = true; continue; }
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    const key = VALUED[name];
    if (!key) return undefined;
    const value = eq > 0 ? token.slice(eq + 1) : argv[(i += 1)];
    if (value === undefined || value === '' || value.startsWith('-') || args[key] !== undefined) return undefined;
    args[key] = value;
  }
  return args;
}
