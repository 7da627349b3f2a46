/**
 * What a figure is, as carbond shows it (DESIGN: figures name whether they are measured,
 * forecast or estimated): the static yearly average and a provider's modelled value are
 * estimates, whatever their stored point kind.
 */
import { toJson } from '../../../src/cli/commands/forecast';
import { figureKind, type IntensityPoint } from '../../../forecasts/types';
import { StaticProvider } from '../../../forecasts/static/provider';

const NOW = Date.parse('2026-01-10T10:17:00Z');
const base: IntensityPoint = { zone: 'DE', startMs: NOW, durationMs: 3_600_000, gPerKWh: 300, kind: 'forecast', issuedAtMs: NOW, provider: 'emaps', signal: 'average' };

describe('figure kinds', () => {
  it.each([
    ['a provider forecast', 'forecast', base],
    ['a measured value', 'measured', { ...base, kind: 'measured' as const }],
    ['a modelled measured value (Electricity Maps isEstimated)', 'estimated', { ...base, kind: 'measured' as const, estimated: true }],
  ])('%s is %s', (_what, kind, point) => {
    expect(figureKind(point)).toBe(kind);
  });

  it('the static yearly average is an estimate, in carbond forecast --json too', async () => {
    const [point] = await new StaticProvider().forecast('DE', NOW);
    expect(figureKind(point!)).toBe('estimated');
    expect(toJson('DE', 'static', 'average', [point!]).points.map((p) => p.kind)).toEqual(['estimated']);
  });
});
