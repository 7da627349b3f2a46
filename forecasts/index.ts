/** The public face of `forecasts/`: what the daemon, the CLI and `simulate` import. */
export * from './types';
export * from './settings';
export type { AdapterDeps } from './deps';
export { createProvider, createProviders, signalServiceFromSettings, type ProviderFactory, type SignalSettings } from './registry';
export { forecastFromChain, describeFailures, type ChainResult, type ChainFailure } from './chain';
export { createSignalService, type SignalService, type SignalServiceOptions } from './signal-service';
export { MemorySignalStore, type PointStore, type ZoneStatus, type ZoneStatusStore, type SignalStore } from './store';
export { bestPerStart } from './series';
export { StaticProvider, STATIC_SPAN_MS } from './static/provider';
export { yearlyAverage } from './static/table';
export { ElectricityMapsProvider } from './electricity-maps/provider';
export { WattTimeProvider } from './watttime/provider';
export { UkCarbonIntensityProvider } from './uk-carbon-intensity/provider';
export { CarbonAwareSdkProvider } from './carbon-aware-sdk/provider';
export { UK_REGIONS } from './uk-carbon-intensity/regions';
export type { ZoneInfo } from './electricity-maps/map';
export type { SignalIndex } from './watttime/map';
export { ProviderError } from '../src/core/errors';
