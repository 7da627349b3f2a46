/**
 * `carbond zones [--provider NAME] [--json]`: the configured zones with their provider chains
 * and staleness policy; with `--provider`, the zones that provider can serve
 * (Electricity Maps: its `/zones` list; UK: regions 1–18; static: the yearly table).
 */
import type { Argv } from 'yargs';
import { withJson, type CliCommand, type CommandArgs } from '../command';
import type { CliContext } from '../context';

interface ZoneRow {
  zone: string;
  name?: string;
  providers?: string[];
  staleAfterMs?: number;
}

async function providerZones(name: string, ctx: CliContext): Promise<ZoneRow[]> {
  const f = await import('../../../forecasts');
  const { UK_REGIONS } = await import('../../../forecasts/uk-carbon-intensity/regions');
  const { InputError } = await import('../../core/errors');
  const config = ctx.config();
  const settings = config.providers[name];
  if (!settings) throw new InputError([{ path: '--provider', message: `no such provider (configured: ${Object.keys(config.providers).join(', ') || 'none'})`, value: name }]);
  switch (settings.type) {
    case 'electricity-maps': {
      const p = new f.ElectricityMapsProvider(name, settings, { clock: ctx.clock, logger: ctx.logger });
      return (await p.zones()).map((z) => ({ zone: z.zone, name: z.country ? `${z.name} (${z.country})` : z.name }));
    }
    case 'uk-carbon-intensity':
      return [{ zone: 'GB', name: 'national' }, ...UK_REGIONS.map((r) => ({ zone: `GB-${r.id}`, name: r.name }))];
    default:
      throw new InputError([{ path: '--provider', message: `provider type ${settings.type} cannot list its zones`, value: name }]);
  }
}

async function run(args: CommandArgs, ctx: CliContext) {
  const { table } = await import('../render');
  if (args['provider'] !== undefined) {
    const rows = await providerZones(String(args['provider']), ctx);
    return { data: rows, text: table(['zone', 'name'], rows.map((r) => [r.zone, r.name ?? ''])) };
  }
  const zones = ctx.config().zones;
  const rows: ZoneRow[] = Object.entries(zones).sort(([a], [b]) => a.localeCompare(b)).map(([zone, z]) => ({ zone, providers: [...z.providers], staleAfterMs: z.staleAfterMs }));
  const text = rows.length === 0 ? 'no zones configured' : table(['zone', 'providers (fallback order)', 'stale after'], rows.map((r) => [r.zone, (r.providers ?? []).join(' → '), `${Math.round((r.staleAfterMs ?? 0) / 60_000)} min`]));
  return { data: rows, text };
}

export const zonesCommand: CliCommand = {
  command: 'zones',
  describe: 'list configured zones and their provider chains, or the zones a provider serves',
  builder: (y: Argv): Argv => withJson(y).option('provider', { type: 'string', describe: 'list the zones this provider entry can serve' }),
  run,
};
