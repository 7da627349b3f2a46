/** HTTP for a self-hosted GSF Carbon Aware SDK WebAPI (no auth; `location` is repeatable). */
import { HttpClient, type HttpResponse } from '../http/client';
import type { AdapterDeps } from '../deps';
import type { CarbonAwareSdkSettings } from '../settings';

export class CarbonAwareSdkClient {
  private readonly http: HttpClient;

  constructor(name: string, settings: CarbonAwareSdkSettings, deps: AdapterDeps) {
    this.http = new HttpClient({ provider: name, ...settings }, deps);
  }

  /** `EmissionsForecast[]`, one per location. */
  forecastsCurrent(location: string): Promise<HttpResponse> {
    return this.http.getJson({ path: '/emissions/forecasts/current', query: { location } });
  }

  /** `EmissionsData[]` in `[fromMs, toMs]`; 204 when there is none. */
  byLocations(location: string, fromMs: number, toMs: number): Promise<HttpResponse> {
    const query = { location: [location], time: new Date(fromMs).toISOString(), toTime: new Date(toMs).toISOString() };
    return this.http.getJson({ path: '/emissions/bylocations', query });
  }
}
