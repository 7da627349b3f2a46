/**
 * `carbond simulate --sites FILE`: the capacity of the simulated sites, read from the
 * daemon's own `[sites.NAME]` tables (`zone = "…"`, `gpus = N`), so a carbond config file
 * works as it is (its other sections are ignored). A simulated site stands for each zone; its
 * GPUs are those of every configured site in that zone. Every zone with a trace needs one.
 */
import { parse } from 'smol-toml';
import { InputError, Issues } from '../core';

/** GPUs per zone from the TOML text of `file`. @throws InputError naming the file and the site or zone. */
export function parseSitesFile(text: string, file: string, zones: ReadonlySet<string>): Record<string, number> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new InputError([{ path: file, message: `malformed TOML: ${(err as Error).message}` }], 'sites file');
  }
  const issues = new Issues();
  const sites = doc['sites'];
  const gpus: Record<string, number> = {};
  if (typeof sites !== 'object' || sites === null || Array.isArray(sites)) {
    issues.add(`${file}: sites`, 'is required: [sites.NAME] tables with zone and gpus');
  } else {
    for (const [name, raw] of Object.entries(sites as Record<string, unknown>)) {
      const site = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const zone = site['zone'];
      const n = site['gpus'];
      if (typeof zone !== 'string' || !zones.has(zone)) issues.add(`${file}: sites.${name}.zone`, `names no zone with a --trace (known: ${[...zones].join(', ')})`, zone);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) issues.add(`${file}: sites.${name}.gpus`, 'is required: an integer ≥ 1', n);
      if (typeof zone === 'string' && typeof n === 'number') gpus[zone] = (gpus[zone] ?? 0) + n;
    }
    for (const zone of zones) if (gpus[zone] === undefined) issues.add(`${file}: sites`, `has no site in zone ${zone}, which has a --trace`, zone);
  }
  issues.throwIfAny((all) => new InputError(all, 'sites file'));
  return gpus;
}
