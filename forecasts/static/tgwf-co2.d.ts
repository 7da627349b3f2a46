/** The part of `@tgwf/co2/data` carbond reads (the package ships no types). */
declare module '@tgwf/co2/data' {
  interface YearlyZone {
    zone?: { zoneName?: string; countryName?: string };
    carbonIntensity?: { value: number; unit: string };
  }
  const data: {
    averageIntensity: { data: Record<string, number>; type: string };
    electricityMaps: Record<string, { data: Record<string, YearlyZone> }>;
  };
  export = data;
}
