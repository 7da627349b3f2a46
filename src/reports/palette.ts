/**
 * One colour per zone, the same in every chart of a report and, as far as the palette
 * allows, between reports: a zone's colour is picked by a hash of its name, and a zone
 * whose colour is taken (in name order) moves to the next free one.
 */

/** Tableau 10 (colour-blind-aware ordering), without the greens and reds kept for actual/baseline. */
export const ZONE_COLOURS = ['#4e79a7', '#f28e2b', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#8c564b', '#17becf', '#bcbd22'] as const;

/** Colours of the two sides of every comparison. */
export const ACTUAL_COLOUR = '#2e7d32';
export const BASELINE_COLOUR = '#c62828';

function hash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A zone → colour map for `zones`. @example zonePalette(['GB', 'FR']) maps each to one of ZONE_COLOURS, distinct */
export function zonePalette(zones: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<number>();
  for (const z of [...new Set(zones)].sort()) {
    let i = hash(z) % ZONE_COLOURS.length;
    for (let k = 0; k < ZONE_COLOURS.length && used.has(i); k++) i = (i + 1) % ZONE_COLOURS.length;
    used.add(i);
    out.set(z, ZONE_COLOURS[i] as string);
  }
  return out;
}

/** A vega-lite colour scale keyed by zone name (domain and range in the same order). */
export function zoneScale(palette: ReadonlyMap<string, string>): { domain: string[]; range: string[] } {
  return { domain: [...palette.keys()], range: [...palette.values()] };
}
