/**
 * Building providers from configuration entries (`providers.<name>`). The `file` type is
 * the replay provider of `forecasts/replay/` (loaded lazily, so a bad trace file is a
 * provider failure the chain falls back from). `extraFactories` adds or overrides types.
 */
import { ConfigError } from '../src/core/errors';
import { CarbonAwareSdkProvider } from './carbon-aware-sdk/provider';
import type { AdapterDeps } from './deps';
import { ElectricityMapsProvider } from './electricity-maps/provider';
import { FileProvider } from './replay/provider';
import type { ProviderSettings, ZoneSettings } from './settings';
import { createSignalService, type SignalService, type SignalServiceOptions } from './signal-service';
import type { SignalStore } from './store';
import { StaticProvider } from './static/provider';
import type { ForecastProvider } from './types';
import { UkCarbonIntensityProvider } from './uk-carbon-intensity/provider';
import { WattTimeProvider } from './watttime/provider';

export type ProviderFactory = (name: string, settings: ProviderSettings, deps: AdapterDeps) => ForecastProvider;

/** Creates the provider for one entry. Throws `ConfigError` for a type nobody builds. */
export function createProvider(name: string, settings: ProviderSettings, deps: AdapterDeps, extraFactories: Readonly<Record<string, ProviderFactory>> = {}): ForecastProvider {
  const extra = extraFactories[settings.type];
  if (extra) return extra(name, settings, deps);
  switch (settings.type) {
    case 'uk-carbon-intensity':
      return new UkCarbonIntensityProvider(name, settings, deps);
    case 'electricity-maps':
      return new ElectricityMapsProvider(name, settings, deps);
    case 'watttime':
      return new WattTimeProvider(name, settings, deps);
    case 'carbon-aware-sdk':
      return new CarbonAwareSdkProvider(name, settings, deps);
    case 'static':
      return new StaticProvider(name, settings);
    case 'file':
      return new FileProvider(name, settings);
    default: {
      const type = (settings as { type: string }).type; // a type the config schema let through but nobody builds
      throw new ConfigError([{ path: `providers.${name}.type`, message: 'no provider of this type is available here', value: type }]);
    }
  }
}

/** Creates every entry, keyed by name. */
export function createProviders(entries: Readonly<Record<string, ProviderSettings>>, deps: AdapterDeps, extraFactories: Readonly<Record<string, ProviderFactory>> = {}): Map<string, ForecastProvider> {
  const out = new Map<string, ForecastProvider>();
  for (const [name, settings] of Object.entries(entries)) out.set(name, createProvider(name, settings, deps, extraFactories));
  return out;
}

/** The parts of the resolved config the signal needs (`config.providers`, `config.zones` fit as they are). */
export interface SignalSettings {
  providers: Readonly<Record<string, ProviderSettings>>;
  zones: Readonly<Record<string, ZoneSettings>>;
}

/**
 * Builds every provider entry and the signal service over `store` in one call: what the daemon
 * does on start. `tuning` passes the optional policy knobs of `SignalServiceOptions`;
 * `deps.signal` (the daemon's stop) aborts both the HTTP clients and the service's refresh.
 */
export function signalServiceFromSettings(
  settings: SignalSettings,
  store: SignalStore,
  deps: AdapterDeps,
  extraFactories: Readonly<Record<string, ProviderFactory>> = {},
  tuning: Partial<Omit<SignalServiceOptions, 'providers' | 'zones' | 'store'>> = {},
): SignalService {
  const providers = createProviders(settings.providers, deps, extraFactories);
  return createSignalService({ logger: deps.logger, ...(deps.signal ? { abortSignal: deps.signal } : {}), ...tuning, providers, zones: settings.zones, store });
}
