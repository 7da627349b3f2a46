/**
 * Sections whose entries are named records (`[providers.em]`, `[zones.DE]`, `[sites.box1]`):
 * the second segment of a path under them is a name the user chose, not a config key.
 * Light on purpose: ./mask needs it without loading ./layers.
 */
export const NAMED_SECTIONS = ['providers', 'zones', 'sites'] as const;

/** True when the keys directly under `parent` (a path) are entry names, e.g. under `['providers']`. */
export function holdsEntryNames(parent: readonly string[]): boolean {
  return parent.length === 1 && (NAMED_SECTIONS as readonly string[]).includes(parent[0] as string);
}
