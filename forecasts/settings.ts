/**
 * The provider entries as `forecasts/` sees them. These mirror `src/config/types.ts`
 * (`providers.<name>`) structurally, so a resolved config entry can be passed as is;
 * `forecasts/` must not import `src/config` (DESIGN §2).
 */
import type { SignalKind } from './types';

export interface ProviderSettingsCommon {
  /** HTTP timeout per attempt, ms. */
  timeoutMs: number;
  /** Retries after a retryable failure. */
  retries: number;
  /** Client-side request budget per rolling hour. */
  requestsPerHour: number;
}

export interface UkSettings extends ProviderSettingsCommon {
  type: 'uk-carbon-intensity';
  baseUrl: string;
  /** Region id 1–18 (18 = GB); absent with no postcode = national series. */
  region?: number;
  /** Outward postcode, e.g. `RG10`. */
  postcode?: string;
}

export interface ElectricityMapsSettings extends ProviderSettingsCommon {
  type: 'electricity-maps';
  baseUrl: string;
  token?: string;
  tokenFile?: string;
  tokenEnv?: string;
  /** Electricity Maps zone key; default: the carbond zone. */
  zone?: string;
}

export interface WattTimeSettings extends ProviderSettingsCommon {
  type: 'watttime';
  /** Root URL (login at `/login`, data under `/v3`). */
  baseUrl: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  passwordEnv?: string;
  region?: string;
  latitude?: number;
  longitude?: number;
  /** `co2_moer` (default, marginal) or `co2_aoer` (average). */
  signal?: string;
}

export interface CarbonAwareSdkSettings extends ProviderSettingsCommon {
  type: 'carbon-aware-sdk';
  baseUrl: string;
  /** Cloud region name, e.g. `eastus`. */
  location: string;
  /** What the SDK's data source serves: WattTime → marginal (default), Electricity Maps → average. */
  signal?: SignalKind;
}

export interface FileSettings extends ProviderSettingsCommon {
  type: 'file';
  path: string;
  forecastPath?: string;
}

export interface StaticSettings extends Partial<ProviderSettingsCommon> {
  type: 'static';
  /** ISO 3166 alpha-2 or alpha-3 country, or an Electricity Maps zone key. */
  country?: string;
}

export type ProviderSettings =
  | UkSettings
  | ElectricityMapsSettings
  | WattTimeSettings
  | CarbonAwareSdkSettings
  | FileSettings
  | StaticSettings;

/** A zone's chain: provider entry names in fallback order, and its staleness policy. */
export interface ZoneSettings {
  providers: readonly string[];
  /** A series whose last successful refresh is older than this is stale, ms. */
  staleAfterMs: number;
}
