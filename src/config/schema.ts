/**
 * The configuration schema (zod). Every object is `.strict()`: an unknown key is an
 * error, not a silent typo. Durations are written `"90s"`, `"5m"`, `"1h30m"` or as a
 * number of ms, and compiled to `…Ms` fields. The output matches `./types`.
 */
import { z } from 'zod';
import { parseDurationMs } from '../core/units';
import type { Config } from './types';

/** A non-negative duration: `"5m"` → 300000, `1500` → 1500; `"-5m"` and `-1` are errors. */
export const durationMs = z.union([z.string(), z.number()]).transform((value, ctx): number => {
  const ms = typeof value === 'number' ? value : parseDurationMs(value);
  if (ms === undefined || Number.isNaN(ms)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a duration like "90s", "5m", "6h", "1h30m" or a number of ms' });
    return z.NEVER;
  }
  if (ms < 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'a duration must not be negative' });
    return z.NEVER;
  }
  return ms;
});

const nonEmpty = z.string().min(1);
const url = z.string().url();

const providerCommon = {
  timeout: durationMs.default('10s'),
  retries: z.number().int().min(0).max(10).default(2),
  requestsPerHour: z.number().positive().default(60),
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
  tokenFile: nonEmpty.optional(),
  tokenEnv: nonEmpty.optional(),
  zone: nonEmpty.optional(),
  ...providerCommon,
}).strict();

const wattTimeProvider = z.object({
  type: z.literal('watttime'),
  baseUrl: url.default('https://api.watttime.org'),
  username: nonEmpty.optional(),
  password: nonEmpty.optional(),
  passwordFile: nonEmpty.optional(),
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
  path: nonEmpty,
  forecastPath: nonEmpty.optional(),
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
  staleAfter: durationMs.default('1h'),
}).strict().transform(({ staleAfter, ...rest }) => ({ ...rest, staleAfterMs: staleAfter }));

export const siteSchema = z.object({
  executor: z.enum(['local', 'slurm']).default('local'),
  zone: nonEmpty,
  gpus: z.number().int().min(0).default(1),
  idlePowerW: z.number().min(0).default(50),
  gpuPowerW: z.number().min(0).default(300),
  cpuPowerW: z.number().min(0).default(65),
  partition: nonEmpty.optional(),
}).strict();

export const schedulerSchema = z.object({
  policy: z.enum(['carbond', 'baseline', 'window', 'threshold']).default('carbond'),
  slotMinutes: z.number().int().min(1).max(60).default(5),
  safetyMargin: durationMs.default('30m'),
  pauseOverhead: durationMs.default('5m'),
  checkpointTimeout: durationMs.default('2m'),
  keepCheckpoints: z.number().int().min(1).default(3),
}).strict().transform(({ safetyMargin, pauseOverhead, checkpointTimeout, ...rest }) => ({
  ...rest, safetyMarginMs: safetyMargin, pauseOverheadMs: pauseOverhead, checkpointTimeoutMs: checkpointTimeout,
}));

const listen = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port like "127.0.0.1:9464"');

/** 5 or 6 cron fields of cron characters; node-cron's own check runs in ./load unless skipped. */
const CRON_SHAPE = /^\s*[\w*,/?#-]+(\s+[\w*,/?#-]+){4,5}\s*$/;

/** The top level. `stateDir`/`socketPath` are resolved by ./locations, not here. */
export const configSchema = z.object({
  stateDir: nonEmpty.optional(),
  socketPath: nonEmpty.optional(),
  socketGroup: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, 'a group name like "carbond"').optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  tickInterval: z.string().regex(CRON_SHAPE, 'not a cron expression like "* * * * *"').default('* * * * *'),
  providers: z.record(providerSchema).default({}),
  zones: z.record(zoneSchema).default({}),
  sites: z.record(siteSchema).default({}),
  scheduler: schedulerSchema.default({}),
  metrics: z.object({ listen: listen.optional() }).strict().default({}),
  embodied: z.object({
    gpuKgCO2e: z.number().positive().optional(),
    gpuLifetimeYears: z.number().positive().optional(),
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
