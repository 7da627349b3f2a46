/**
 * The resolved, validated, frozen configuration (CONVENTIONS §7). These are the
 * OUTPUT types: durations are compiled to `…Ms` numbers, paths are absolute.
 * The TOML input uses the same names without the `Ms` suffix (`timeout = "10s"`).
 * Importing this file costs nothing at run time (types only).
 */
import type { LogLevel } from '../core/logger';

/** `system` when running as root (uid 0), `user` otherwise. */
export type ConfigMode = 'system' | 'user';

/** Fields every provider entry has. */
export interface ProviderCommon {
  /** HTTP timeout per request, ms: more than 0, at most 10 min. Input `timeout`, default `"10s"`. */
  timeoutMs: number;
  /** Retries after a retryable failure (429, 5xx, network). Default 2. */
  retries: number;
  /** Client-side rate limit, requests per hour (at most 36000). Default 60. */
  requestsPerHour: number;
}

/** National Grid ESO Carbon Intensity API (GB, no key). */
export interface UkCarbonIntensityProviderConfig extends ProviderCommon {
  type: 'uk-carbon-intensity';
  baseUrl: string;
  /** Regional series 1–18 instead of national. */
  region?: number;
  /** Outward postcode (e.g. `RG10`) for a regional series. */
  postcode?: string;
}

/** Electricity Maps API (token from `token`, `tokenFile` or the env var named by `tokenEnv`). */
export interface ElectricityMapsProviderConfig extends ProviderCommon {
  type: 'electricity-maps';
  baseUrl: string;
  /** Secret: masked in `config check`. */
  token?: string;
  tokenFile?: string;
  tokenEnv?: string;
  /** Zone to query; default: the carbond zone name. */
  zone?: string;
}

/** WattTime v3 (marginal signal). */
export interface WattTimeProviderConfig extends ProviderCommon {
  type: 'watttime';
  baseUrl: string;
  username?: string;
  /** Secret: masked in `config check`. */
  password?: string;
  passwordFile?: string;
  passwordEnv?: string;
  /** WattTime region (balancing authority), e.g. `CAISO_NORTH`. */
  region?: string;
  latitude?: number;
  longitude?: number;
  /** Signal type, default `co2_moer`. */
  signal?: string;
}

/** A self-hosted Green Software Foundation Carbon Aware SDK WebAPI. */
export interface CarbonAwareSdkProviderConfig extends ProviderCommon {
  type: 'carbon-aware-sdk';
  baseUrl: string;
  location: string;
  /** What the SDK's data source serves: WattTime → `marginal` (default), Electricity Maps → `average`. */
  signal?: 'average' | 'marginal';
}

/** Points from local CSV/JSON files (replay, offline sites). */
export interface FileProviderConfig extends ProviderCommon {
  type: 'file';
  path: string;
  forecastPath?: string;
}

/** A constant annual-average intensity for a country (ISO 3166 alpha-2 or alpha-3). */
export interface StaticProviderConfig extends ProviderCommon {
  type: 'static';
  country: string;
}

export type ProviderConfig =
  | UkCarbonIntensityProviderConfig
  | ElectricityMapsProviderConfig
  | WattTimeProviderConfig
  | CarbonAwareSdkProviderConfig
  | FileProviderConfig
  | StaticProviderConfig;

export type ProviderType = ProviderConfig['type'];

/** A grid zone: which providers feed it, in fallback order. */
export interface ZoneConfig {
  /** Provider names, first = preferred. At least one. */
  providers: readonly string[];
  /** A series older than this is refreshed and, if refresh fails, reported stale. Input `staleAfter` (at most 7 days), default `"1h"`. */
  staleAfterMs: number;
}

/** Where jobs can run, with its power model (DESIGN §6 fixed-watts fallback). */
export interface SiteConfig {
  executor: 'local' | 'slurm';
  zone: string;
  /** GPUs carbond may hand out on this site, 0–4096. */
  gpus: number;
  /** Whole-box idle power, W (at most 1 MW). */
  idlePowerW: number;
  /** Power per busy GPU, W (at most 10 kW). */
  gpuPowerW: number;
  /** CPU power while a job runs, W (at most 1 MW). */
  cpuPowerW: number;
  /** Slurm partition (slurm sites). */
  partition?: string;
  /**
   * Absolute path of this site's checkpoint storage, as seen on the daemon's host; a job's
   * checkpoints there are `<checkpointRoot>/users/<uid>/checkpoints/<jobId>`. Absent: the
   * state dir. Two sites with the same root share storage (a move copies nothing).
   */
  checkpointRoot?: string;
  /** Input `moveTime`: the time to bring a job's checkpoint here from the named site, ms; unset pairs use the last measured copy. */
  moveTimeMs?: Record<string, number>;
}

export type SchedulerPolicy = 'carbond' | 'baseline' | 'window' | 'threshold';

export interface SchedulerConfig {
  policy: SchedulerPolicy;
  /** Slot length, minutes (1–60). Default 5. */
  slotMinutes: number;
  /** Plan to finish this long before each deadline (at most 7 days). Input `safetyMargin`, default `"30m"`. */
  safetyMarginMs: number;
  /** Prior cost of one pause+resume (checkpoint, restart, warm-up), at most 24 h. Default `"5m"`. */
  pauseOverheadMs: number;
  /**
   * How long a job may take to acknowledge a checkpoint request: more than 0, at most 24 h (it
   * becomes a timer, and Node's timers fire at once past 2^31−1 ms). Default `"2m"`.
   */
  checkpointTimeoutMs: number;
  /** Verified checkpoints kept per job after each pause (1–1000); older ones are deleted (marked pruned). Default 3. */
  keepCheckpoints: number;
}

export interface MetricsConfig {
  /** `host:port` for Prometheus metrics (port 1–65535, or 0: any free port); absent = off. */
  listen?: string;
}

export interface EmbodiedConfig {
  /** Embodied emissions of one GPU (manufacture), kgCO2e. */
  gpuKgCO2e?: number;
  /** Years over which embodied emissions are amortised. */
  gpuLifetimeYears?: number;
}

/** The whole configuration, deep-frozen. */
export interface Config {
  mode: ConfigMode;
  /** The config file that was read; null when none existed (defaults only). */
  configPath: string | null;
  /** Absolute state directory (ledger, checkpoints, lock). */
  stateDir: string;
  /** Absolute path of the daemon's Unix socket. */
  socketPath: string;
  /** Absolute path of the ledger file (`<stateDir>/ledger.sqlite`). */
  ledgerPath: string;
  /**
   * The group whose members may connect to the socket (mode 0660, ADR 0012). Default
   * `"carbond"` in system mode (when the group does not exist, the socket is root-only and the
   * daemon says so); none in user mode (socket 0600: only the user).
   */
  socketGroup: string | null;
  logLevel: LogLevel;
  /** node-cron expression of the daemon tick. Default `"* * * * *"` (every minute). */
  tickInterval: string;
  providers: Readonly<Record<string, ProviderConfig>>;
  zones: Readonly<Record<string, ZoneConfig>>;
  sites: Readonly<Record<string, SiteConfig>>;
  scheduler: SchedulerConfig;
  metrics: MetricsConfig;
  embodied: EmbodiedConfig;
}
