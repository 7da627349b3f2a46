/**
 * HTTP for WattTime v3. `GET /login` with HTTP Basic → a JWT valid 30 minutes, sent as
 * `Authorization: Bearer`. The token is reused, renewed shortly before it expires, and
 * renewed once more (then the call retried once) when a data call answers 401 or 403
 * (WattTime/CloudFront answer stale tokens either way, sometimes with an HTML body).
 */
import type { Clock } from '../../src/core/clock';
import { ProviderError } from '../../src/core/errors';
import { HttpClient, type HttpResponse } from '../http/client';
import { resolveSecret } from '../http/secrets';
import type { AdapterDeps } from '../deps';
import { isObject } from '../map-util';
import type { WattTimeSettings } from '../settings';

/** WattTime tokens live 30 min; carbond renews after 29 to stay clear of the edge. */
export const WATTTIME_TOKEN_REUSE_MS = 29 * 60_000;
/** `/v3/historical` accepts at most 32 days per query. */
export const WATTTIME_MAX_HISTORY_MS = 32 * 86_400_000;

export class WattTimeClient {
  private readonly http: HttpClient;
  private readonly clock: Clock;
  private password: string | undefined;
  private token: { value: string; obtainedAtMs: number } | undefined;

  constructor(private readonly name: string, private readonly settings: WattTimeSettings, private readonly deps: AdapterDeps) {
    this.clock = deps.clock;
    this.http = new HttpClient({ provider: name, ...settings, secrets: () => [this.password, this.token?.value] }, deps);
  }

  private basicAuth(): string {
    if (this.password === undefined) {
      this.password = resolveSecret({ value: this.settings.password, file: this.settings.passwordFile, env: this.settings.passwordEnv }, 'password', this.deps.env ?? process.env);
    }
    if (!this.settings.username || this.password === undefined) {
      throw new ProviderError('username and password (or passwordFile/passwordEnv) are required', { provider: this.name, retryable: false });
    }
    return 'Basic ' + Buffer.from(`${this.settings.username}:${this.password}`).toString('base64');
  }

  private async login(): Promise<string> {
    const res = await this.http.getJson({ path: '/login', headers: { authorization: this.basicAuth() } });
    const token = isObject(res.body) ? res.body['token'] : undefined;
    if (typeof token !== 'string' || token === '') throw new ProviderError('login answered without a token', { provider: this.name, retryable: false });
    this.token = { value: token, obtainedAtMs: this.clock.now() };
    return token;
  }

  private async currentToken(): Promise<string> {
    if (this.token && this.clock.now() - this.token.obtainedAtMs < WATTTIME_TOKEN_REUSE_MS) return this.token.value;
    return this.login();
  }

  /** GET a `/v3/...` route with the token, logging in again once on 401/403. */
  async get(path: string, query: Record<string, string | undefined>): Promise<HttpResponse> {
    const token = await this.currentToken();
    try {
      return await this.http.getJson({ path, query, headers: { authorization: `Bearer ${token}` } });
    } catch (err) {
      if (!(err instanceof ProviderError) || (err.status !== 401 && err.status !== 403)) throw err;
      this.deps.logger?.info('WattTime token refused; logging in again', { provider: this.name, status: err.status });
      this.token = undefined;
      const fresh = await this.login();
      return this.http.getJson({ path, query, headers: { authorization: `Bearer ${fresh}` } });
    }
  }
}
