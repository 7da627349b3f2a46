/**
 * The shared HTTP behaviour of every provider adapter: a per-request timeout, retries with
 * exponential backoff and full jitter, `Retry-After` (429/503) respected, a request budget,
 * and every failure turned into a typed `ProviderError` whose message never holds a secret.
 * Only this folder and `forecasts/<provider>/client.ts` do HTTP (DESIGN §2).
 */
import type { Clock } from '../../src/core/clock';
import { ProviderError } from '../../src/core/errors';
import type { Logger } from '../../src/core/logger';
import { backoffMs, DEFAULT_BACKOFF, parseRetryAfterMs, type BackoffOptions } from './backoff';
import { RequestBudget } from './budget';
import { describeErrorBody, parseBody } from './body';
import { redact } from './secrets';

/** What the transport needs from the outside world; tests inject fast, seeded versions. */
export interface HttpDeps {
  clock: Clock;
  /** Waits `ms` (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform [0, 1) for jitter (default Math.random). */
  random?: () => number;
  logger?: Logger;
}

export interface HttpOptions {
  /** Provider entry name, used in errors and logs. */
  provider: string;
  baseUrl: string;
  /** Per-attempt timeout, ms. */
  timeoutMs: number;
  /** Retries after a retryable failure (so at most `retries + 1` attempts). */
  retries: number;
  requestsPerHour: number;
  backoff?: BackoffOptions;
  /** A `Retry-After` longer than this is not waited for: the error goes up (the chain falls back). Default 60 s. */
  maxRetryAfterMs?: number;
  /** Values to scrub from any message (tokens, passwords). */
  secrets?: () => readonly (string | undefined)[];
}

export interface HttpRequest {
  /** Path under `baseUrl`, already percent-encoded where needed, e.g. `/intensity/2024-01-12T06:01Z/fw48h`. */
  path: string;
  query?: Record<string, string | readonly string[] | undefined>;
  headers?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  /** Parsed JSON; undefined for 204 No Content. */
  body: unknown;
}

/** Builds `baseUrl + path + ?query` (repeated keys for array values). */
export function buildUrl(baseUrl: string, path: string, query: HttpRequest['query'] = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const one of typeof v === 'string' ? [v] : v) params.append(k, one);
  }
  const qs = params.toString();
  return `${baseUrl.replace(/\/+$/, '')}${path}${qs ? `?${qs}` : ''}`;
}

/** A JSON-over-HTTP client for one provider entry. */
export class HttpClient {
  private readonly budget: RequestBudget;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: HttpOptions, private readonly deps: HttpDeps) {
    this.budget = new RequestBudget(options.requestsPerHour);
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** GETs JSON, retrying what is retryable. Throws `ProviderError` on any failure. */
  async getJson(request: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(request);
      } catch (err) {
        const e = this.asProviderError(err);
        if (!e.retryable || attempt >= this.options.retries) throw e;
        const waitMs = this.waitBeforeRetry(e, attempt);
        if (waitMs === undefined) throw e;
        this.deps.logger?.warn('provider request failed; retrying', { provider: this.options.provider, status: e.status, attempt: attempt + 1, waitMs, reason: e.message });
        await this.sleep(waitMs);
      }
    }
  }

  private waitBeforeRetry(e: ProviderError, attempt: number): number | undefined {
    const jitterMs = backoffMs(attempt, this.random(), this.options.backoff ?? DEFAULT_BACKOFF);
    if (e.retryAfterMs === undefined) return jitterMs;
    if (e.retryAfterMs > (this.options.maxRetryAfterMs ?? 60_000)) return undefined;
    return Math.max(e.retryAfterMs, jitterMs);
  }

  private async attempt(request: HttpRequest): Promise<HttpResponse> {
    const nowMs = this.deps.clock.now();
    const waitMs = this.budget.take(nowMs);
    if (waitMs > 0) {
      throw this.error(`request budget of ${this.options.requestsPerHour}/h used up`, { retryable: false, retryAfterMs: waitMs });
    }
    const url = buildUrl(this.options.baseUrl, request.path, request.query);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json', ...request.headers },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      const why = timedOut ? `timed out after ${this.options.timeoutMs} ms` : `network error: ${causeText(err)}`;
      throw this.error(`${why} (GET ${request.path})`, { retryable: true, cause: undefined });
    }
    const text = await readText(res);
    return this.interpret(res, text, request.path);
  }

  private interpret(res: Response, text: string, path: string): HttpResponse {
    const contentType = res.headers.get('content-type') ?? '';
    if (res.status === 204) return { status: 204, body: undefined };
    if (res.status >= 200 && res.status < 300) {
      const parsed = parseBody(text, contentType);
      if (!parsed.ok) throw this.error(`HTTP ${res.status} with ${parsed.why} (GET ${path})`, { status: res.status, retryable: true });
      return { status: res.status, body: parsed.value };
    }
    const retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), this.deps.clock.now());
    const retryable = res.status === 429 || res.status >= 500 || res.status === 408;
    const detail = describeErrorBody(text, contentType);
    return this.fail(`HTTP ${res.status}${detail ? `: ${detail}` : ''} (GET ${path})`, { status: res.status, retryable, retryAfterMs });
  }

  private fail(message: string, fields: { status?: number; retryable: boolean; retryAfterMs?: number }): never {
    throw this.error(message, fields);
  }

  private error(message: string, fields: { status?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown }): ProviderError {
    const clean = redact(message, this.options.secrets?.() ?? []);
    return new ProviderError(clean, { provider: this.options.provider, ...fields });
  }

  private asProviderError(err: unknown): ProviderError {
    if (err instanceof ProviderError) return err;
    return this.error(`unexpected failure: ${(err as Error).message ?? String(err)}`, { retryable: false });
  }
}

async function readText(res: Response): Promise<string> {
  try {
    return await res.text();
  } catch {
    return '';
  }
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
