/**
 * The daemon's signal extension with every provider type this build knows, `file` (trace
 * replay, forecasts/replay) included. Registered in ../extensions.ts before the jobs.
 */
import { fileProviderFactory } from '../../../forecasts/replay/provider-factory';
import { createSignalExtension } from '../signal/extension';

export const daemonSignalExtension = createSignalExtension({ extraFactories: { file: fileProviderFactory } });
