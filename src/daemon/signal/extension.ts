/**
 * The carbon signal as a daemon extension (DESIGN §3 step 2): builds the providers from
 * `config.providers`, the signal service over the ledger, and one tick step in the
 * `signal` phase that refreshes every zone that is due. Never throws out of the tick:
 * provider failures become stale statuses (see forecasts/signal-service).
 *
 * Register: add `signalExtension` to `daemonExtensions` (src/daemon/extensions.ts) BEFORE the
 * extensions that read the signal, and `zonesStatus` (./status) to `statusContributors`.
 * Other parts reach the series with `ctx.services.get(SIGNAL).seriesFor(zone, fromMs, toMs, nowMs)`.
 *
 * Stopping never waits for a provider: the daemon's `stopSignal` (and this extension's `stop`)
 * aborts the refresh in flight, its HTTP request and any retry wait, so a stop with a provider
 * that never answers takes milliseconds, not timeout × attempts.
 */
import type { AdapterDeps, ProviderFactory, SignalService } from '../../../forecasts';
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
  /**
   * On stop, after aborting the refresh in flight, how long to wait for it to settle, ms
   * (default 2000). The built-in providers settle at once; a custom one that ignores the
   * abort is left behind after this (its late result is not recorded: the ledger is closed).
   */
  stopWaitMs?: number;
  /** The HTTP clients' retry wait, jitter and environment (default: real timers, Math.random, process.env); tests inject fast, seeded ones. */
  adapterDeps?: Pick<AdapterDeps, 'sleep' | 'random' | 'env'>;
}

/** Waits for `p` at most `ms`, or until `signal` aborts (the timer never keeps the process alive). */
async function boundedWait(p: Promise<void>, ms: number, signal?: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
    onAbort = resolve;
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

export function createSignalExtension(options: SignalExtensionOptions = {}): DaemonExtension & { signalOf(ctx: DaemonContext): SignalService } {
  const inFlight = new WeakMap<DaemonContext, Promise<void>>();
  /** Per daemon: aborted by its stopSignal or by this extension's stop, whichever comes first. */
  const aborts = new WeakMap<DaemonContext, AbortController>();
  const abortOf = (ctx: DaemonContext): AbortController => {
    const known = aborts.get(ctx);
    if (known) return known;
    const controller = new AbortController();
    aborts.set(ctx, controller);
    if (ctx.stopSignal?.aborted) controller.abort();
    else ctx.stopSignal?.addEventListener('abort', () => controller.abort(), { once: true });
    return controller;
  };
  const signalOf = (ctx: DaemonContext): SignalService => {
    const known = ctx.services.find(SIGNAL);
    if (known) return known;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { signalServiceFromSettings } = require('../../../forecasts') as typeof import('../../../forecasts');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ledgerSignalStore } = require('../../ledger/zone-status') as typeof import('../../ledger/zone-status');
    const logger = ctx.logger.child({ component: 'signal' });
    const s = signalServiceFromSettings(ctx.config, ledgerSignalStore(ctx.db), { ...options.adapterDeps, clock: ctx.clock, logger, signal: abortOf(ctx).signal }, options.extraFactories ?? {});
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
        await boundedWait(flight, options.refreshWaitMs ?? 2_000, abortOf(ctx).signal);
      },
    }],
    // The refresh in flight is aborted, then settles (recording nothing) before the ledger closes.
    stop: async (ctx) => {
      abortOf(ctx).abort();
      const flight = inFlight.get(ctx);
      if (flight) await boundedWait(flight, options.stopWaitMs ?? 2_000);
    },
  };
}

/** The extension with the built-in providers only. */
export const signalExtension = createSignalExtension();
