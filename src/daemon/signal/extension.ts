/**
 * The carbon signal as a daemon extension (DESIGN §3 step 2): builds the providers from
 * `config.providers`, the signal service over the ledger, and one tick step in the
 * `signal` phase that refreshes every zone that is due. Never throws out of the tick:
 * provider failures become stale statuses (see forecasts/signal-service).
 *
 * Register: add `signalExtension` to `daemonExtensions` (src/daemon/extensions.ts) BEFORE the
 * extensions that read the signal, and `zonesStatus` (./status) to `statusContributors`.
 * Other parts reach the series with `ctx.services.get(SIGNAL).seriesFor(zone, fromMs, toMs, nowMs)`.
 */
import type { ProviderFactory, SignalService } from '../../../forecasts';
import type { DaemonContext } from '../context';
import type { DaemonExtension } from '../extensions';
import { ServiceKey } from '../services';
import type { TickStep } from '../tick';

/** The zone signals, provided by this extension's `start`. */
export const SIGNAL = new ServiceKey<SignalService>('signal');

export interface SignalExtensionOptions {
  /** Builders for provider types outside forecasts/registry (e.g. `file` → the replay provider). */
  extraFactories?: Readonly<Record<string, ProviderFactory>>;
}

export function createSignalExtension(options: SignalExtensionOptions = {}): DaemonExtension & { signalOf(ctx: DaemonContext): SignalService } {
  const signalOf = (ctx: DaemonContext): SignalService => {
    const known = ctx.services.find(SIGNAL);
    if (known) return known;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { signalServiceFromSettings } = require('../../../forecasts') as typeof import('../../../forecasts');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ledgerSignalStore } = require('../../ledger/zone-status') as typeof import('../../ledger/zone-status');
    const logger = ctx.logger.child({ component: 'signal' });
    const s = signalServiceFromSettings(ctx.config, ledgerSignalStore(ctx.db), { clock: ctx.clock, logger }, options.extraFactories ?? {});
    ctx.services.provide(SIGNAL, s);
    return s;
  };
  return {
    name: 'signal',
    signalOf,
    start: async (ctx) => {
      signalOf(ctx);
    },
    tickSteps: (ctx): TickStep[] => [{
      name: 'refresh-signals',
      phase: 'signal',
      run: async (nowMs) => {
        if (!ctx.isStopping()) await signalOf(ctx).refreshZones(nowMs);
      },
    }],
  };
}

/** The extension with the built-in providers only. */
export const signalExtension = createSignalExtension();
