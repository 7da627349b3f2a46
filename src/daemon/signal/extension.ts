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
  /**
   * How long a tick waits for the zone refresh, ms (default 2000). A slower refresh (an
   * unreachable provider retrying) goes on in the background and the tick plans with the
   * series already stored; the next tick does not start a second refresh meanwhile.
   */
  refreshWaitMs?: number;
}

/** Waits for `p` at most `ms` (the timer never keeps the process alive). */
async function boundedWait(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); timer.unref(); });
  try {
    await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

export function createSignalExtension(options: SignalExtensionOptions = {}): DaemonExtension & { signalOf(ctx: DaemonContext): SignalService } {
  const inFlight = new WeakMap<DaemonContext, Promise<void>>();
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
        if (ctx.isStopping()) return;
        let flight = inFlight.get(ctx);
        if (!flight) {
          flight = signalOf(ctx).refreshZones(nowMs).then(() => undefined, () => undefined).finally(() => inFlight.delete(ctx));
          inFlight.set(ctx, flight);
        }
        await boundedWait(flight, options.refreshWaitMs ?? 2_000);
      },
    }],
    // A refresh still in flight (a slow provider) finishes before the ledger closes.
    stop: async (ctx) => { await inFlight.get(ctx); },
  };
}

/** The extension with the built-in providers only. */
export const signalExtension = createSignalExtension();
