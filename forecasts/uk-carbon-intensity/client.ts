/**
 * HTTP for the UK Carbon Intensity API (NESO; no key). All parameters are path segments.
 * Requests are made at hh:01 / hh:31: on an exact :00/:30 boundary the API returns the
 * window ENDING there first (the boundary quirk), one minute later it returns the window
 * containing the time. Windows are filtered client-side anyway (see map.ts).
 */
import { HttpClient, type HttpResponse } from '../http/client';
import type { AdapterDeps } from '../deps';
import type { UkSettings } from '../settings';

const HALF_HOUR_MS = 1_800_000;
const MINUTE_MS = 60_000;
/** The API's documented maximum range for `/intensity/{from}/{to}`. */
export const UK_MAX_RANGE_MS = 14 * 24 * 3_600_000;

/**
 * `YYYY-MM-DDThh:mmZ` for the half-hour containing `ms`, plus one minute.
 * @example 2024-01-12T06:17:45Z → '2024-01-12T06:01Z'.
 */
export function ukPathTime(ms: number): string {
  const aligned = Math.floor(ms / HALF_HOUR_MS) * HALF_HOUR_MS + MINUTE_MS;
  return new Date(aligned).toISOString().slice(0, 16) + 'Z';
}

/** Which series a request is for: national, a region id, or an outward postcode. */
export type UkTarget = { kind: 'national' } | { kind: 'region'; regionId: number } | { kind: 'postcode'; postcode: string };

export class UkClient {
  private readonly http: HttpClient;

  constructor(name: string, settings: UkSettings, deps: AdapterDeps) {
    this.http = new HttpClient({ provider: name, ...settings }, deps);
  }

  /** The 48 h forecast from the half-hour containing `fromMs` (national or regional). */
  fw48h(target: UkTarget, fromMs: number): Promise<HttpResponse> {
    return this.http.getJson({ path: windowPath(target, `${ukPathTime(fromMs)}/fw48h`) });
  }

  /** Windows from `fromMs` to `toMs` (≤ 14 days). */
  range(target: UkTarget, fromMs: number, toMs: number): Promise<HttpResponse> {
    return this.http.getJson({ path: windowPath(target, `${ukPathTime(fromMs)}/${ukPathTime(toMs)}`) });
  }
}

function windowPath(target: UkTarget, window: string): string {
  switch (target.kind) {
    case 'national':
      return `/intensity/${window}`;
    case 'region':
      return `/regional/intensity/${window}/regionid/${target.regionId}`;
    case 'postcode':
      return `/regional/intensity/${window}/postcode/${encodeURIComponent(target.postcode)}`;
  }
}
