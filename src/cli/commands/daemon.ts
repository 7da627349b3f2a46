/**
 * `carbond daemon`: runs the daemon in the foreground (systemd runs it so). SIGTERM or
 * SIGINT stops it gracefully (exit 0); a second signal forces exit 1. Logs are JSON lines
 * on stderr. Exit 2 for a bad configuration (nothing is created), 1 when another daemon
 * holds the state dir.
 */
import type { CliCommand } from '../command';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const daemonCommand: CliCommand = {
  command: 'daemon',
  describe: 'run the carbond daemon in the foreground (systemd: Type=notify)',
  builder: (y) => y.option('log-level', { choices: LOG_LEVELS, describe: 'overrides logLevel' }),
  run: async (args, ctx) => {
    const config = ctx.config(args['logLevel'] as (typeof LOG_LEVELS)[number] | undefined);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startDaemon } = require('../../daemon/daemon') as typeof import('../../daemon/daemon');
    const handle = await startDaemon(config);
    let signals = 0;
    let failure: unknown;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        handle.ctx.logger.error('second signal: forcing exit', { signal });
        process.exit(1);
      }
      handle.stop(signal).catch((err: unknown) => { failure = err; });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    await handle.stopped;
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    // Safety net: a handle left open by a plugin must not keep a stopped daemon alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 2_000).unref();
    if (failure !== undefined) throw failure;
    return { data: undefined };
  },
};
