/**
 * The report prices energy with the signal the providers gave. Asked for a signal a zone
 * has no data for, it refuses (exit 2) rather than relabel one signal as the other:
 * average intensity is not marginal intensity.
 */
import type { IntensityPoint } from '../accounting/rows';
import { CarbondError, ExitCode } from '../core/errors';

/** A zone whose stored intensity lacks the signal asked for. */
export interface ZoneSignals { zone: string; signals: string[]; providers: string[] }

/** `--signal X` asked for a signal some zones do not have. Exit 2 (usage); nothing is written. */
export class SignalMismatchError extends CarbondError {
  constructor(readonly requested: string, readonly zones: readonly ZoneSignals[]) {
    super('E_SIGNAL', `--signal ${requested}: the ledger has no ${requested} intensity for ${zones.map((z) => `${z.zone} (only ${z.signals.join(', ')} from ${z.providers.join(', ')})`).join('; ')}. ` +
      `carbond reports the signal as the provider gave it and does not relabel ${zones[0]?.signals.join('/') ?? 'other'} data as ${requested}: omit --signal, or configure a ${requested} provider for these zones.`, ExitCode.Usage);
  }
}

/**
 * Zones among `zones` whose points hold some signal but not `requested`.
 * @example zonesLacking(points of GB (average only), ['GB'], 'marginal') → [{ zone: 'GB', signals: ['average'], providers: ['uk'] }]
 */
export function zonesLacking(points: readonly IntensityPoint[], zones: readonly string[], requested: string): ZoneSignals[] {
  const by = new Map<string, { signals: Set<string>; providers: Set<string> }>();
  for (const p of points) {
    const z = by.get(p.zone) ?? { signals: new Set<string>(), providers: new Set<string>() };
    z.signals.add(p.signal);
    z.providers.add(p.provider);
    by.set(p.zone, z);
  }
  return [...new Set(zones)].sort().flatMap((zone) => {
    const z = by.get(zone);
    if (!z || z.signals.has(requested)) return [];
    return [{ zone, signals: [...z.signals].sort(), providers: [...z.providers].sort() }];
  });
}
