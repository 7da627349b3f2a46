/**
 * HTTP for Electricity Maps v3: header `auth-token` on every call (the token comes from the
 * entry's `token`, `tokenFile` or `tokenEnv`, resolved once and never logged).
 */
import { HttpClient, type HttpResponse } from '../http/client';
import { resolveSecret } from '../http/secrets';
import type { AdapterDeps } from '../deps';
import type { ElectricityMapsSettings } from '../settings';

/** Past-range allows at most 10 days at hourly granularity. */
export const EMAPS_MAX_RANGE_MS = 10 * 24 * 3_600_000;

export class ElectricityMapsClient {
  private readonly http: HttpClient;
  private token: string | undefined;
  private resolved = false;

  constructor(name: string, private readonly settings: ElectricityMapsSettings, private readonly deps: AdapterDeps) {
    this.http = new HttpClient({ provider: name, ...settings, secrets: () => [this.token] }, deps);
  }

  private headers(): Record<string, string> {
    if (!this.resolved) {
      this.token = resolveSecret({ value: this.settings.token, file: this.settings.tokenFile, env: this.settings.tokenEnv }, 'token', this.deps.env ?? process.env);
      this.resolved = true;
    }
    return this.token === undefined ? {} : { 'auth-token': this.token };
  }

  latest(zone: string): Promise<HttpResponse> {
    return this.http.getJson({ path: '/carbon-intensity/latest', query: { zone }, headers: this.headers() });
  }

  /** The last 24 hourly points. */
  history(zone: string): Promise<HttpResponse> {
    return this.http.getJson({ path: '/carbon-intensity/history', query: { zone }, headers: this.headers() });
  }

  /** Hourly points in `[startMs, endMs]` (≤ 10 days). */
  pastRange(zone: string, startMs: number, endMs: number): Promise<HttpResponse> {
    const query = { zone, start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() };
    return this.http.getJson({ path: '/carbon-intensity/past-range', query, headers: this.headers() });
  }

  forecast(zone: string): Promise<HttpResponse> {
    return this.http.getJson({ path: '/carbon-intensity/forecast', query: { zone }, headers: this.headers() });
  }

  /** `{ZONE: {zoneName, countryName?, access?}}`. Works without a token. */
  zones(): Promise<HttpResponse> {
    return this.http.getJson({ path: '/zones', headers: this.headers() });
  }
}
