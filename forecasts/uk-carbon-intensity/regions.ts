/**
 * UK Carbon Intensity region ids as the API returns them (1–14 distribution areas,
 * 15–17 nations, 18 = GB). Key on the id: names change with DNO renames.
 */
export const UK_REGIONS: ReadonlyArray<{ id: number; name: string }> = [
  'North Scotland', 'South Scotland', 'North West England', 'North East England', 'Yorkshire',
  'North Wales & Merseyside', 'South Wales', 'West Midlands', 'East Midlands', 'East England',
  'South West England', 'South England', 'London', 'South East England', 'England', 'Scotland', 'Wales', 'GB',
].map((name, i) => ({ id: i + 1, name }));
