/**
 * `carbond forecast --zone Z [--hours N] [--provider NAME] [--json]`: the zone's forecast
 * as its fallback chain (or one named provider) serves it now, in gCO2eq/kWh. The window
 * starts at the provider's first interval (the current one) and lasts `--hours`.
 * Stateless: it asks the providers, it does not read or write the ledger.
 */
import type { Argv } from 'yargs';
import { figureKind, type IntensityPoint } from '../../../forecasts/types';
import { withJson, type CliCommand, type CommandArgs } from '../command';
import type { CliContext } from '../context';

const HOUR_MS = 3_600_000;
const SPARKS = '▁▂▃▄▅▆▇█';

/**
 * One block character per value, scaled between the series' min and max.
 * @example sparkline([100, 200, 300]) → '▁▅█' ((200 − 100) / 200 × 7 = 3.5 → index 4, '▅').
 */
export function sparkline(values: readonly number[]): string {
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  return values.map((v) => SPARKS[span === 0 ? 3 : Math.round(((v - min) / span) * 7)]).join('');
}

export interface ForecastJson {
  zone: string;
  provider: string;
  signal: string;
  points: Array<{ start: string; gPerKWh: number; kind: string; issuedAt: string }>;
}

/** The `--json` shape; `kind` is the figure's kind (`estimated` for the static yearly average). */
export function toJson(zone: string, provider: string, signal: string, points: readonly IntensityPoint[]): ForecastJson {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return { zone, provider, signal, points: points.map((p) => ({ start: iso(p.startMs), gPerKWh: p.gPerKWh, kind: figureKind(p), issuedAt: iso(p.issuedAtMs) })) };
}

function toText(data: ForecastJson, failures: string | null, table: (h: string[], r: string[][]) => string): string {
  const local = (iso: string): string => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
  const rows = data.points.map((p) => [local(p.start), p.gPerKWh.toFixed(1), p.kind]);
  const head = `zone ${data.zone} · provider ${data.provider} · ${data.signal} signal · gCO2eq/kWh`;
  const spark = data.points.length > 0 ? sparkline(data.points.map((p) => p.gPerKWh)) : '(no points)';
  return [head, ...(failures ? [`fell back after: ${failures}`] : []), spark, '', table(['start (local)', 'gCO2eq/kWh', 'kind'], rows)].join('\n');
}

async function run(args: CommandArgs, ctx: CliContext) {
  const { Issues } = await import('../../core/validation');
  const { InputError } = await import('../../core/errors');
  const f = await import('../../../forecasts');
  const { table } = await import('../render');
  const zone = String(args['zone'] ?? '');
  const hours = Number(args['hours']);
  const only = args['provider'] === undefined ? undefined : String(args['provider']);
  const config = ctx.config();
  const issues = new Issues();
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 14) issues.add('--hours', 'must be a number of hours in (0, 336]', args['hours']);
  if (only !== undefined && !config.providers[only]) issues.add('--provider', `no such provider (configured: ${Object.keys(config.providers).join(', ') || 'none'})`, only);
  if (only === undefined && !config.zones[zone]) issues.add('--zone', `no such zone (configured: ${Object.keys(config.zones).join(', ') || 'none'}); or name a --provider`, zone);
  issues.throwIfAny((list) => new InputError(list, 'forecast arguments'));
  const names = only !== undefined ? [only] : [...(config.zones[zone]?.providers ?? [])];
  const deps = { clock: ctx.clock, logger: ctx.logger };
  const chain = names.map((n) => f.createProvider(n, config.providers[n] as import('../../../forecasts').ProviderSettings, deps));
  const nowMs = ctx.clock.now();
  const result = await f.forecastFromChain(chain, zone, nowMs, ctx.logger);
  const best = f.bestPerStart(result.points, nowMs);
  const fromMs = best[0]?.startMs ?? nowMs;
  const points = best.filter((p) => p.startMs < fromMs + hours * HOUR_MS);
  const data = toJson(zone, result.provider.name, result.provider.signal, points);
  return { data, text: toText(data, result.failures.length > 0 ? f.describeFailures(result.failures) : null, table) };
}

export const forecastCommand: CliCommand = {
  command: 'forecast',
  describe: "show a zone's carbon-intensity forecast (gCO2eq/kWh) from its providers",
  builder: (y: Argv): Argv =>
    withJson(y)
      .option('zone', { type: 'string', demandOption: true, describe: 'zone name from the config (e.g. GB, DE)' })
      .option('hours', { type: 'number', default: 24, describe: 'how many hours to show' })
      .option('provider', { type: 'string', describe: 'ask only this provider entry (skips the fallback chain)' }),
  run,
};
