import * as path from 'node:path';
import { ProviderError } from '../../../../src/core';
import { FileProvider, fileProviderFactory } from '../../../../forecasts/replay';
import type { ProviderSettings } from '../../../../forecasts/settings';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'traces');
const common = { timeoutMs: 1000, retries: 0, requestsPerHour: 60 };

describe('the file provider', () => {
  it('serves history and forecasts of its trace files as known at now', async () => {
    const settings: ProviderSettings = { type: 'file', path: path.join(FIXTURES, 'gb_hourly_gap.csv'), forecastPath: path.join(FIXTURES, 'de_dacf_forecast.csv'), ...common };
    const p = fileProviderFactory('replay', settings, {} as never) as FileProvider;
    expect([p.name, p.type, p.signal]).toEqual(['replay', 'file', 'average']);
    const hist = await p.history('GB', 0, Infinity, Date.parse('2021-01-04T02:30:00Z'));
    expect(hist.map((x) => x.gPerKWh)).toEqual([200, 210]);
    expect(hist.every((x) => x.provider === 'replay' && x.kind === 'measured')).toBe(true);
    const fc = await p.forecast('DE', Date.parse('2021-07-01T12:00:00Z'));
    expect(fc).toHaveLength(24);
    expect(fc[0]!.issuedAtMs).toBe(Date.parse('2021-07-01T00:00:00Z'));
  });

  it('turns a malformed file into a non-retryable ProviderError naming the line', async () => {
    const p = new FileProvider('replay', { path: path.join(FIXTURES, 'bad_value.csv') });
    const err = await p.history('GB', 0, Infinity, Infinity).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(false);
    expect((err as ProviderError).message).toContain('bad_value.csv:4');
  });

  it('turns a missing file into a ProviderError and an unknown zone into one too', async () => {
    await expect(new FileProvider('r', { path: path.join(FIXTURES, 'missing.csv') }).forecast('GB', 0)).rejects.toThrow(/missing.csv/);
    await expect(new FileProvider('r', { path: path.join(FIXTURES, 'gb_hourly_gap.csv') }).forecast('GB', 0)).rejects.toBeInstanceOf(ProviderError);
  });
});
