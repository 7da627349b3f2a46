/**
 * What a command gets besides its arguments: where things are, the configuration (loaded
 * lazily: zod only when a command asks), output streams, the clock, and a logger.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemClock, type Clock } from '../core/clock';
import { createLogger, type Logger } from '../core/logger';
import { configFileOf, preferSystemDaemon, processLocationInput, resolveLocations, type LocationInput, type ResolvedLocations } from '../config/locations';
import type { Config } from '../config/types';
import type { LogLevel } from '../core/logger';
import type { GlobalArgs } from './command';

export interface CliContext {
  readonly clock: Clock;
  /** Logger to stderr (warn and up unless a command sets otherwise). */
  readonly logger: Logger;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Env, uid, cwd and the path flags. */
  locationInput(): LocationInput;
  /**
   * State dir, socket and ledger paths without validating the whole config (fast), for
   * client commands: a non-root user with no state dir of their own talks to the system
   * daemon when one runs (see `preferSystemDaemon`).
   */
  locations(): ResolvedLocations;
  /** The full validated config; throws `ConfigError` (exit 2). Cached. */
  config(logLevelFlag?: LogLevel): Config;
  /**
   * The same config for commands that only read (status fallback): skips loading node-cron
   * to check `tickInterval` beyond its shape. Cached.
   */
  configForReading(): Config;
}

export function createCliContext(args: GlobalArgs): CliContext {
  let cached: Config | undefined;
  let cachedForReading: Config | undefined;
  const input = (): LocationInput => processLocationInput({ configFlag: args.config, stateDirFlag: args.stateDir, socketFlag: args.socket });
  return {
    clock: systemClock,
    logger: createLogger({ level: 'warn' }),
    stdout: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    locationInput: input,
    locations: () => {
      const where = input();
      return preferSystemDaemon(lightLocations(where), where, fs.existsSync);
    },
    config: (logLevelFlag) => {
      if (cached) return cached;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadConfig } = require('../config/load') as typeof import('../config/load');
      return (cached = loadConfig({ ...input(), logLevelFlag }));
    },
    configForReading: () => {
      if (cached) return cached;
      if (cachedForReading) return cachedForReading;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadConfig } = require('../config/load') as typeof import('../config/load');
      return (cachedForReading = loadConfig({ ...input(), checkCronWithLibrary: false }));
    },
  };
}

/** Reads only `stateDir`/`socketPath` from the config file (TOML, no schema). */
function lightLocations(input: LocationInput): ResolvedLocations {
  const file = configFileOf(input);
  if (!fs.existsSync(file.path)) {
    if (file.explicit) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { ConfigError } = require('../core/errors') as typeof import('../core/errors');
      throw new ConfigError([{ path: 'config', message: 'file not found', value: file.path }]);
    }
    return resolveLocations(input);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readTomlFile } = require('../config/layers') as typeof import('../config/layers');
  const raw = readTomlFile(file.path);
  const at = (v: unknown): string | undefined => (typeof v === 'string' && v ? path.resolve(path.dirname(file.path), v) : undefined);
  return resolveLocations(input, { fileStateDir: at(raw['stateDir']), fileSocketPath: at(raw['socketPath']) });
}
