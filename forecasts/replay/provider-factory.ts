/**
 * The `file` provider type of the configuration (`[providers.sample] type = "file",
 * path = "demo/sample-trace.csv"`, optional `forecastPath`): a `ReplaySource` over the
 * trace file(s), serving what was known at the daemon's `now` (measured intervals that
 * have ended, the newest forecast issue issued by then). Relative paths are resolved
 * against the daemon's working directory. Pass it to the signal chain as
 * `extraFactories: { file: fileProviderFactory }`.
 */
import * as path from 'node:path';
import type { ProviderFactory } from '../registry';
import type { FileSettings } from '../settings';
import { ReplaySource } from './source';

/** Builds the replay provider named `name` for a `type = "file"` entry. @throws InputError naming an unreadable or malformed file. */
export const fileProviderFactory: ProviderFactory = (name, settings) => {
  const s = settings as FileSettings;
  const files = [s.path, ...(s.forecastPath === undefined ? [] : [s.forecastPath])].map((p) => ({ path: path.resolve(p) }));
  return ReplaySource.fromFiles(files, { name });
};
