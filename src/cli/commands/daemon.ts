/**
 * `carbond daemon`: runs the daemon in the foreground (systemd runs it so). SIGTERM or
 * SIGINT stops it gracefully (exit 0); a second signal forces exit 1. Logs are JSON lines
 * on stderr. Exit 2 for a bad configuration (nothing is created), 1 when another daemon
 * holds the state dir.
 */
import type { DaemonHandle } from '../../daemon/daemon';
import type { CliCommand } from '../command';
import { scaledClock, type Clock } from '../../core/clock';
import { InputError } from '../../core/errors';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** `--time-scale F --time-origin ISO` (demo only): the daemon's clock runs F× from ISO. */
function demoClockOptions(scale: unknown, origin: unknown): { clock?: Clock } {
  if (scale === undefined) return {};
  const originMs = typeof origin === 'string' ? Date.parse(origin) : Number.NaN;
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(originMs)) {
    throw new InputError([{ path: '--time-scale', message: 'must be > 0 and come with --time-origin ISO', value: scale }, { path: '--time-origin', message: 'an ISO-8601 time', value: origin }], 'daemon');
  }
  return { clock: scaledClock(originMs, scale) };
}

export const daemonCommand: CliCommand = {
  command: 'daemon',
  describe: 'run the carbond daemon in the foreground (systemd: Type=notify)',
  builder: (y) => y.option('log-level', { choices: LOG_LEVELS, describe: 'overrides logLevel' })
    // Demo only (`carbond demo`): a time-compressed clock, `factor` simulated ms per wall ms from `origin`.
    .option('time-scale', { type: 'number', hidden: true })
    .option('time-origin', { type: 'string', hidden: true }),
  run: async (args, ctx) => {
    const config = ctx.config(args['logLevel'] as (typeof LOG_LEVELS)[number] | undefined);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startDaemon } = require('../../daemon/daemon') as typeof import('../../daemon/daemon');
    // Handlers go in before the socket exists, so a signal during start-up is not fatal.
    let handle: DaemonHandle | undefined;
    let firstSignal: NodeJS.Signals | undefined;
    let failure: unknown;
    const stop = (h: DaemonHandle, signal: NodeJS.Signals): void => void h.stop(signal).catch((err: unknown) => { failure = err; });
    const onSignal = (signal: NodeJS.Signals): void => {
      if (firstSignal !== undefined) {
        process.stderr.write(`carbond: second signal (${signal}): forcing exit\n`);
        process.exit(1);
      }
      firstSignal = signal;
      if (handle) stop(handle, signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      handle = await startDaemon(config, demoClockOptions(args['timeScale'], args['timeOrigin']));
      if (firstSignal !== undefined) stop(handle, firstSignal);
      await handle.stopped;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    // Safety net: a handle left open by a plugin must not keep a stopped daemon alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 2_000).unref();
    if (failure !== undefined) throw failure;
    return { data: undefined };
  },
};
