/**
 * The configuration schema (zod). Every object is `.strict()`: an unknown key is an
 * error, not a silent typo. Durations are written `"90s"`, `"5m"`, `"1h30m"` or as a
 * number of ms, and compiled to `…Ms` fields. The output matches `./types`.
 *
 * Every number is bounded (./limits): a duration that becomes a timer stays far below
 * Node's 2^31−1 ms (a `checkpointTimeout` of `"30d"` would otherwise fire at once and kill
 * every pause), and counts and watts are finite (TOML has `inf` and `nan`).
 */
import { z } from 'zod';
import { parseDurationMs } from '../core/units';
import {
  MAX_CHECKPOINT_TIMEOUT_MS, MAX_GPU_KG_CO2E, MAX_GPU_LIFETIME_YEARS, MAX_GPU_POWER_W, MAX_GPUS, MAX_KEEP_CHECKPOINTS, MAX_MOVE_TIME_MS,
  MAX_PAUSE_OVERHEAD_MS, MAX_POWER_W, MAX_PROVIDER_TIMEOUT_MS, MAX_REQUESTS_PER_HOUR, MAX_SAFETY_MARGIN_MS, MAX_STALE_AFTER_MS,
} from './limits';
import type { Config } from './types';

/** Bounds of one duration field; `maxText` is the limit as people write it (`"24h"`). */
export interface DurationBounds {
  maxMs: number;
  maxText: string;
  /** Zero is an error too (a timeout of 0 never lets anything finish). */
  positive?: boolean;
}

/**
 * A duration within `bounds`: `"5m"` → 300000, `1500` → 1500; `"-5m"`, `-1`, `nan`, `inf`
 * and anything above `bounds.maxMs` are errors.
 */
export function boundedDurationMs(bounds: DurationBounds): z.ZodEffects<z.ZodUnknown, number> {
  return z.unknown().transform((value, ctx): number => {
    const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseDurationMs(value) : undefined;
    const fail = (message: string): never => {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    };
    if (ms === undefined || Number.isNaN(ms)) return fail('not a duration like "90s", "5m", "6h", "1h30m" or a number of ms');
    if (ms < 0) return fail('a duration must not be negative');
    if (bounds.positive && ms === 0) return fail('must be greater than 0');
    if (ms > bounds.maxMs) return fail(`must be at most ${bounds.maxText}`);
    return ms;
  });
}

const nonEmpty = z.string().min(1);

/** A filesystem path: a NUL byte would end it early in every system call (or throw in Node). */
const pathText = nonEmpty.refine((p) => !p.includes('\0'), 'must not contain a NUL byte');

/** An `http(s)://` URL: providers are reached over HTTP only (`file:` or `ftp:` would not work). */
const url = z.string().url().refine((u) => {
  try {
    return ['http:', 'https:'].includes(new URL(u).protocol);
  } catch {
    return true; // not a URL at all: `.url()` has said so
  }
}, 'must be an http:// or https:// URL');

const providerCommon = {
  /** Per request; more than 0, at most 10 min. */
  timeout: boundedDurationMs({ maxMs: MAX_PROVIDER_TIMEOUT_MS, maxText: '10m', positive: true }).default('10s'),
  retries: z.number().int().min(0).max(10).default(2),
  /** Requests in any rolling hour, at most 10 a second. */
  requestsPerHour: z.number().positive().max(MAX_REQUESTS_PER_HOUR).default(60),
};

/** `timeout` renamed to `timeoutMs`, distributed over the provider union. */
type WithTimeoutMs<T> = T extends { timeout: number } ? Omit<T, 'timeout'> & { timeoutMs: number } : never;

/** Renames `timeout` → `timeoutMs` after validation. */
function withTimeoutMs<T extends { timeout: number }>(p: T): WithTimeoutMs<T> {
  const { timeout, ...rest } = p;
  return { ...rest, timeoutMs: timeout } as unknown as WithTimeoutMs<T>;
}

const ukProvider = z.object({
  type: z.literal('uk-carbon-intensity'),
  baseUrl: url.default('https://api.carbonintensity.org.uk'),
  region: z.number().int().min(1).max(18).optional(),
  postcode: z.string().regex(/^[A-Z]{1,2}[0-9][A-Z0-9]?$/i, 'an outward postcode like "RG10"').optional(),
  ...providerCommon,
}).strict();

const electricityMapsProvider = z.object({
  type: z.literal('electricity-maps'),
  baseUrl: url.default('https://api.electricitymap.org/v3'),
  token: nonEmpty.optional(),
  tokenFile: pathText.optional(),
  tokenEnv: nonEmpty.optional(),
  zone: nonEmpty.optional(),
  ...providerCommon,
}).strict();

const wattTimeProvider = z.object({
  type: z.literal('watttime'),
  baseUrl: url.default('https://api.watttime.org'),
  username: nonEmpty.optional(),
  password: nonEmpty.optional(),
  passwordFile: pathText.optional(),
  passwordEnv: nonEmpty.optional(),
  region: nonEmpty.optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  signal: nonEmpty.optional(),
  ...providerCommon,
}).strict();

const carbonAwareSdkProvider = z.object({
  type: z.literal('carbon-aware-sdk'),
  baseUrl: url,
  location: nonEmpty,
  signal: z.enum(['average', 'marginal']).optional(),
  ...providerCommon,
}).strict();

const fileProvider = z.object({
  type: z.literal('file'),
  path: pathText,
  forecastPath: pathText.optional(),
  ...providerCommon,
}).strict();

const staticProvider = z.object({
  type: z.literal('static'),
  country: z.string().regex(/^[A-Z]{2,3}$/, 'an ISO 3166 country code like "GB" or "GBR"'),
  ...providerCommon,
}).strict();

export const providerSchema = z
  .discriminatedUnion('type', [ukProvider, electricityMapsProvider, wattTimeProvider, carbonAwareSdkProvider, fileProvider, staticProvider])
  .transform(withTimeoutMs);

export const zoneSchema = z.object({
  providers: z.array(nonEmpty).min(1),
  /** At most 7 days. */
  staleAfter: boundedDurationMs({ maxMs: MAX_STALE_AFTER_MS, maxText: '7d' }).default('1h'),
}).strict().transform(({ staleAfter, ...rest }) => ({ ...rest, staleAfterMs: staleAfter }));

export const siteSchema = z.object({
  executor: z.enum(['local', 'slurm']).default('local'),
  zone: nonEmpty,
  /** 0..4096. */
  gpus: z.number().int().min(0).max(MAX_GPUS).default(1),
  /** Watts, 0..1 MW (idle and CPU), 0..10 kW per GPU: finite, so no figure becomes Infinity. */
  idlePowerW: z.number().min(0).max(MAX_POWER_W).default(50),
  gpuPowerW: z.number().min(0).max(MAX_GPU_POWER_W).default(300),
  cpuPowerW: z.number().min(0).max(MAX_POWER_W).default(65),
  partition: nonEmpty.optional(),
  /** Where this site's checkpoints live (absolute); absent = the state dir. Sites with the same root share storage (docs/sites.md). */
  checkpointRoot: pathText.refine((p) => p.startsWith('/'), 'must be an absolute path').optional(),
  /** Time to bring a job's checkpoint here from another site, by that site's name (at most 24 h); default: measured. */
  moveTime: z.record(boundedDurationMs({ maxMs: MAX_MOVE_TIME_MS, maxText: '24h' })).optional(),
}).strict().transform(({ moveTime, ...rest }) => (moveTime === undefined ? rest : { ...rest, moveTimeMs: moveTime }));

export const schedulerSchema = z.object({
  policy: z.enum(['carbond', 'baseline', 'window', 'threshold']).default('carbond'),
  slotMinutes: z.number().int().min(1).max(60).default(5),
  /** At most 7 days. */
  safetyMargin: boundedDurationMs({ maxMs: MAX_SAFETY_MARGIN_MS, maxText: '7d' }).default('30m'),
  /** At most 24 h. */
  pauseOverhead: boundedDurationMs({ maxMs: MAX_PAUSE_OVERHEAD_MS, maxText: '24h' }).default('5m'),
  /** A timer per pause: more than 0, at most 24 h (Node's timers fire at once past 24.8 days). */
  checkpointTimeout: boundedDurationMs({ maxMs: MAX_CHECKPOINT_TIMEOUT_MS, maxText: '24h', positive: true }).default('2m'),
  keepCheckpoints: z.number().int().min(1).max(MAX_KEEP_CHECKPOINTS).default(3),
}).strict().transform(({ safetyMargin, pauseOverhead, checkpointTimeout, ...rest }) => ({
  ...rest, safetyMarginMs: safetyMargin, pauseOverheadMs: pauseOverhead, checkpointTimeoutMs: checkpointTimeout,
}));

const LISTEN_SHAPE = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
/** `host:port`, port 1..65535; port 0 asks the OS for any free port (tests use it). */
const listen = z.string().regex(LISTEN_SHAPE, 'host:port like "127.0.0.1:9464"').refine((v) => {
  const port = LISTEN_SHAPE.exec(v)?.[2];
  return port === undefined || Number(port) <= 65_535;
}, 'the port must be 1..65535 (or 0: any free port)');

/** 5 or 6 cron fields of cron characters; node-cron's own check runs in ./load unless skipped. */
const CRON_SHAPE = /^\s*[\w*,/?#-]+(\s+[\w*,/?#-]+){4,5}\s*$/;

/** The top level. `stateDir`/`socketPath` are resolved by ./locations, not here. */
export const configSchema = z.object({
  stateDir: pathText.optional(),
  /** At most 107 bytes once resolved (checked in ./load, where flags and env are known). */
  socketPath: pathText.optional(),
  socketGroup: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, 'a group name like "carbond"').optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  tickInterval: z.string().regex(CRON_SHAPE, 'not a cron expression like "* * * * *"').default('* * * * *'),
  providers: z.record(providerSchema).default({}),
  zones: z.record(zoneSchema).default({}),
  sites: z.record(siteSchema).default({}),
  scheduler: schedulerSchema.default({}),
  metrics: z.object({ listen: listen.optional() }).strict().default({}),
  embodied: z.object({
    gpuKgCO2e: z.number().positive().max(MAX_GPU_KG_CO2E).optional(),
    gpuLifetimeYears: z.number().positive().max(MAX_GPU_LIFETIME_YEARS).optional(),
  }).strict().default({}),
}).strict();

export type ConfigSchemaOutput = z.output<typeof configSchema>;

/** Compile-time check that the schema produces what ./types promises. */
export type _SchemaMatchesTypes = ConfigSchemaOutput extends Omit<Config, 'mode' | 'configPath' | 'stateDir' | 'socketPath' | 'ledgerPath' | 'socketGroup'> & {
  socketGroup?: string;
  stateDir?: string;
  socketPath?: string;
} ? true : never;
const _check: _SchemaMatchesTypes = true;
void _check;
