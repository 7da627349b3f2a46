/**
 * A fast path for the hottest read command: `carbond status [--json] [--state-dir D]
 * [--config F] [--socket S]` is parsed here without loading yargs (~30 ms of the ~2×
 * node-start budget, see bench/cli.ts). Anything else — another flag, `--help`, a typo —
 * returns undefined and goes through yargs, which stays the one source of truth for usage.
 */
import type { CommandArgs } from './command';

const VALUED: Readonly<Record<string, 'config' | 'stateDir' | 'socket'>> = { '--config': 'config', '--state-dir': 'stateDir', '--socket': 'socket' };

/** The parsed arguments when `argv` is a plain `status` call, else undefined. */
export function parseFastStatus(argv: readonly string[]): CommandArgs | undefined {
  if (argv[0] !== 'status') return undefined;
  const args: CommandArgs = { json: false };
  for (let i = 1; i < argv.length; i += 1) {
    const token = argv[i] as string;
    if (token === '--json') { args.json = true; continue; }
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
