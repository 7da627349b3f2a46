/**
 * A zone's ordered fallback chain: ask each provider in turn until one returns points.
 * Never throws anything but `ProviderError`: a provider that crashes (a bug, a bad body)
 * counts as one more failure, so a broken provider cannot take the daemon down.
 */
import { CarbondError, ProviderError } from '../src/core/errors';
import type { Logger } from '../src/core/logger';
import type { ForecastProvider, IntensityPoint } from './types';

export interface ChainFailure {
  provider: string;
  message: string;
  status?: number;
}

export interface ChainResult {
  provider: ForecastProvider;
  points: IntensityPoint[];
  /** Providers tried before the one that answered. */
  failures: ChainFailure[];
}

/** `uk: HTTP 500 …; emaps: timed out after 10000 ms` */
export function describeFailures(failures: readonly ChainFailure[]): string {
  return failures.map((f) => (f.message.startsWith(`${f.provider}:`) ? f.message : `${f.provider}: ${f.message}`)).join('; ');
}

function failureOf(provider: string, err: unknown): ChainFailure {
  if (err instanceof ProviderError) return err.status === undefined ? { provider, message: err.message } : { provider, message: err.message, status: err.status };
  if (err instanceof CarbondError) return { provider, message: err.message };
  return { provider, message: `provider failed unexpectedly: ${(err as Error)?.message ?? String(err)}` };
}

/** Refuses an answer (throws a `ProviderError` naming the provider), e.g. the signal service's plausibility check. */
export type AnswerCheck = (provider: ForecastProvider, points: readonly IntensityPoint[]) => void;

/**
 * The forecast of the first provider that answers with at least one point (that `check`, when
 * given, accepts: a refused answer is one more failure and the next provider is asked).
 * Throws one `ProviderError` (provider `chain:<zone>`) listing every failure when all fail.
 */
export async function forecastFromChain(providers: readonly ForecastProvider[], zone: string, nowMs: number, logger?: Logger, check?: AnswerCheck): Promise<ChainResult> {
  const failures: ChainFailure[] = [];
  for (const provider of providers) {
    try {
      const points = await provider.forecast(zone, nowMs);
      if (points.length > 0) {
        check?.(provider, points);
        return { provider, points, failures };
      }
      failures.push({ provider: provider.name, message: 'no points' });
    } catch (err) {
      const f = failureOf(provider.name, err);
      failures.push(f);
      logger?.warn('provider failed; trying the next one', { zone, provider: provider.name, reason: f.message });
    }
  }
  const why = failures.length === 0 ? 'no providers configured' : describeFailures(failures);
  throw new ProviderError(`every provider failed: ${why}`, { provider: `chain:${zone}`, retryable: true });
}
