/**
 * Yearly average grid intensity per zone/country from the maintained `@tgwf/co2` package:
 * Electricity Maps yearly averages keyed by zone (newest year first), then Ember annual
 * averages keyed by ISO alpha-3. gCO2eq/kWh; a yearly figure, never an hourly one.
 */
import co2data from '@tgwf/co2/data';

export interface YearlyAverage {
  gPerKWh: number;
  /** The key that matched, e.g. `GB` or `DEU`. */
  key: string;
  /** Where the figure comes from, e.g. `electricity-maps yearly2025`. */
  source: string;
}

const ALPHA2_TO_3: Record<string, string> = { GB: 'GBR', DE: 'DEU', FR: 'FRA', US: 'USA', IE: 'IRL', NL: 'NLD', ES: 'ESP', IT: 'ITA', PL: 'POL', SE: 'SWE', NO: 'NOR', DK: 'DNK', FI: 'FIN', BE: 'BEL', AT: 'AUT', CH: 'CHE', PT: 'PRT', CA: 'CAN', AU: 'AUS', JP: 'JPN', IN: 'IND', CN: 'CHN', BR: 'BRA' };

function yearKeys(): string[] {
  return Object.keys(co2data.electricityMaps).sort().reverse();
}

/** Candidate keys: `US-CAL-CISO` → `US-CAL-CISO`, `US-CAL`, `US`. */
function prefixes(key: string): string[] {
  const parts = key.toUpperCase().split('-');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('-'));
}

/**
 * The yearly average for `key` (zone or country), or undefined when unknown.
 * @example yearlyAverage('GB-13') → the `GB` figure; yearlyAverage('DEU') → the Ember DEU figure.
 */
export function yearlyAverage(key: string): YearlyAverage | undefined {
  for (const candidate of prefixes(key)) {
    for (const year of yearKeys()) {
      const v = co2data.electricityMaps[year]?.data[candidate]?.carbonIntensity?.value;
      if (typeof v === 'number') return { gPerKWh: v, key: candidate, source: `electricity-maps ${year}` };
    }
    const alpha3 = candidate.length === 3 ? candidate : ALPHA2_TO_3[candidate];
    const ember = alpha3 === undefined ? undefined : co2data.averageIntensity.data[alpha3];
    if (typeof ember === 'number') return { gPerKWh: ember, key: alpha3 as string, source: 'ember annual average' };
  }
  return undefined;
}
