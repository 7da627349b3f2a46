import { StaticProvider, STATIC_SPAN_MS } from '../../../forecasts/static/provider';
import { yearlyAverage } from '../../../forecasts/static/table';
import { ProviderError } from '../../../src/core/errors';

describe('static yearly average', () => {
  it('finds a zone, its parent country, and an alpha-3 country', () => {
    expect(yearlyAverage('DE')).toMatchObject({ key: 'DE' });
    expect(yearlyAverage('GB-13')).toMatchObject({ key: 'GB', gPerKWh: yearlyAverage('GB')!.gPerKWh });
    expect(yearlyAverage('DEU')).toMatchObject({ key: 'DEU', source: 'ember annual average' });
    expect(yearlyAverage('XX-NOWHERE')).toBeUndefined();
  });

  it('answers with ONE point spanning a week, labelled static and estimated, never an hourly series', async () => {
    const now = Date.parse('2026-01-10T10:17:00Z');
    const points = await new StaticProvider().forecast('DE', now);
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ provider: 'static', kind: 'forecast', estimated: true, startMs: Date.parse('2026-01-10T10:00:00Z'), durationMs: STATIC_SPAN_MS });
    expect(points[0]!.gPerKWh).toBeGreaterThan(50);
  });

  it('fails with a typed error for a zone it does not know', async () => {
    await expect(new StaticProvider().forecast('XX', 0)).rejects.toBeInstanceOf(ProviderError);
  });
});
