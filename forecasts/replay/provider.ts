/**
 * The `file` provider type for the daemon's configuration (`[providers.x] type = "file"`,
 * `path`, optional `forecastPath`): a `ReplaySource` loaded on first use. A missing or
 * malformed file is a non-retryable `ProviderError` naming the file and line, so the zone's
 * fallback chain moves on instead of the daemon failing.
 *
 * Register it with the provider registry: `createProviders(entries, deps, { file: fileProviderFactory })`.
 */
import { CarbondError, ProviderError } from '../../src/core';
import type { ProviderFactory } from '../registry';
import type { FileSettings } from '../settings';
import type { ForecastProvider, HistoryProvider, IntensityPoint } from '../types';
import { ReplaySource } from './source';

export class FileProvider implements ForecastProvider, HistoryProvider {
  readonly type = 'file' as const;
  readonly signal = 'average' as const;
  private source: ReplaySource | undefined;

  constructor(
    readonly name: string,
    private readonly settings: Pick<FileSettings, 'path' | 'forecastPath'>,
  ) {}

  private load(): ReplaySource {
    if (this.source) return this.source;
    const files = [{ path: this.settings.path }, ...(this.settings.forecastPath ? [{ path: this.settings.forecastPath }] : [])];
    try {
      this.source = ReplaySource.fromFiles(files, { name: this.name });
    } catch (err) {
      const message = err instanceof CarbondError ? err.message : String(err);
      throw new ProviderError(`cannot load trace files: ${message}`, { provider: this.name, retryable: false, cause: err });
    }
    return this.source;
  }

  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    return this.load().forecast(zone, nowMs);
  }

  async history(zone: string, fromMs: number, toMs: number, nowMs: number): Promise<IntensityPoint[]> {
    return this.load().history(zone, fromMs, toMs, nowMs);
  }
}

/** `ProviderFactory` for `type = "file"` entries. */
export const fileProviderFactory: ProviderFactory = (name, settings) => {
  if (settings.type !== 'file') throw new TypeError(`fileProviderFactory got a ${settings.type} entry`);
  return new FileProvider(name, settings);
};
