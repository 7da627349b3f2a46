/**
 * The shared HTTP behaviour of every provider adapter: a per-request timeout, retries with
 * exponential backoff and full jitter, `Retry-After` (429/503) respected, a request budget,
 * and every failure turned into a typed `ProviderError` whose message never holds a secret.
 * An abort signal (the daemon's stop) ends a request in flight and a retry wait at once.
 * Only this folder and `forecasts/<provider>/client.ts` do HTTP (DESIGN §2).
 */
import { setTimeout as delay } from 'node:timers/promises';
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
  /**
   * Aborted when carbond stops: a request in flight and a retry wait end at once with a
   * non-retryable `ProviderError` ("aborted: carbond is stopping"), and no request starts after.
   */
  signal?: AbortSignal;
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
    this.sleep = deps.sleep ?? ((ms) => delay(ms, undefined, { signal: deps.signal }).catch(() => undefined));
    this.random = deps.random ?? Math.random;
  }

  /** GETs JSON, retrying what is retryable. Throws `ProviderError` on any failure. */
  async getJson(request: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      this.throwIfAborted(request.path);
      try {
        return await this.attempt(request);
      } catch (err) {
        this.throwIfAborted(request.path);
        const e = this.asProviderError(err);
        if (!e.retryable || attempt >= this.options.retries) throw e;
        const waitMs = this.waitBeforeRetry(e, attempt);
        if (waitMs === undefined) throw e;
        this.deps.logger?.warn('provider request failed; retrying', { provider: this.options.provider, status: e.status, attempt: attempt + 1, waitMs, reason: e.message });
        await this.waitUnlessAborted(waitMs);
      }
    }
  }

  private throwIfAborted(path: string): void {
    if (this.deps.signal?.aborted) throw this.error(`aborted: carbond is stopping (GET ${path})`, { retryable: false });
  }

  /** `sleep(ms)`, ended early by the abort signal (an injected sleep does not know about it). */
  private waitUnlessAborted(ms: number): Promise<void> {
    const signal = this.deps.signal;
    if (!signal) return this.sleep(ms);
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.sleep(ms).then(done, done);
    });
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
    const guard = this.deadline(request.path);
    try {
      const res = await Promise.race([fetch(url, { headers: { accept: 'application/json', ...request.headers }, signal: guard.signal }), guard.expired]);
      const text = await Promise.race([readText(res), guard.expired]);
      return this.interpret(res, text, request.path);
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw this.error(`network error: ${causeText(err)} (GET ${request.path})`, { retryable: true });
    } finally {
      guard.clear();
    }
  }

  /**
   * The per-attempt timeout and the stop signal, as a promise that rejects with the right
   * `ProviderError` (raced against fetch and the body read) and a signal that aborts the socket.
   * Not `AbortSignal.any([AbortSignal.timeout(), stop])`: fetch follows that composite only
   * weakly, and after a garbage collection it never fires (a hung provider then hangs the
   * refresh for good; nodejs/undici#4068). Here the timer holds the controller strongly.
   */
  private deadline(path: string): { signal: AbortSignal; expired: Promise<never>; clear(): void } {
    const controller = new AbortController();
    const stop = this.deps.signal;
    let timer: NodeJS.Timeout | undefined;
    let onStop: (() => void) | undefined;
    const expired = new Promise<never>((_, reject) => {
      const fail = (e: ProviderError): void => {
        controller.abort(e);
        reject(e);
      };
      timer = setTimeout(() => fail(this.error(`timed out after ${this.options.timeoutMs} ms (GET ${path})`, { retryable: true })), this.options.timeoutMs);
      onStop = () => fail(this.error(`aborted: carbond is stopping (GET ${path})`, { retryable: false }));
      stop?.addEventListener('abort', onStop, { once: true });
    });
    expired.catch(() => undefined); // a race that fetch won leaves it unobserved
    return {
      signal: controller.signal,
      expired,
      clear: () => {
        clearTimeout(timer);
        if (onStop) stop?.removeEventListener('abort', onStop);
      },
    };
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
