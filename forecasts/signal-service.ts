/**
 * The carbon signal of every configured zone (DESIGN §3 step 2): refresh when due through
 * the zone's fallback chain, cache every point in the store, back-fill measured history on
 * start, keep the last good series when everything fails (stale, with the reason), and fall
 * back to the static yearly average when nothing else is known. Every answer is checked
 * before it is stored (../plausibility): an absurd value, data for another day or a skewed
 * clock is a failed refresh that names the provider and the value.
 */
import type { Logger } from '../src/core/logger';
import { describeFailures, forecastFromChain, type AnswerCheck } from './chain';
import { checkServed } from './plausibility';
import { seriesFrom } from './series';
import type { ZoneSettings } from './settings';
import { StaticProvider } from './static/provider';
import type { ProviderIssue } from './local/provider-skill';
import { zoneStatusAt } from './status';
import type { SignalStore, ZoneStatus } from './store';
import { hasHistory, type ForecastProvider, type IntensityPoint } from './types';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** How far past its issue time a stored forecast issue may reach (providers forecast ≤ 72 h; margin for 96 h). */
const ISSUE_REACH_MS = 96 * HOUR_MS;

export interface SignalServiceOptions {
  /** Built providers by entry name (see `createProviders`). */
  providers: ReadonlyMap<string, ForecastProvider>;
  /** `zones.<name>`: chain and staleness policy. */
  zones: Readonly<Record<string, ZoneSettings>>;
  store: SignalStore;
  logger?: Logger;
  /** Refresh a healthy zone this often, ms. Default min(staleAfterMs / 2, 30 min). */
  refreshEveryMs?: number;
  /** After a failed refresh, wait this long before trying again, ms. Default 5 min. */
  retryFailedAfterMs?: number;
  /** On start, back-fill measured history this far back, ms. Default 7 days; 0 = off. */
  backfillMs?: number;
  /**
   * Measured values are revised after the fact (UK `actual` for ~24 h, Electricity Maps
   * estimates replaced by measurements): every `revisitEveryMs` (default 6 h) the last
   * `revisionWindowMs` (default 24 h) of history is fetched again; unchanged values are not stored twice.
   */
  revisitEveryMs?: number;
  revisionWindowMs?: number;
  /** Last resort when no point is known; null = none. Default `new StaticProvider()`. */
  staticFallback?: StaticProvider | null;
  /**
   * Aborted when the daemon stops (the same signal its HTTP clients get): no refresh starts
   * after, and a refresh cut short by it records nothing (an abort is not a provider failure).
   */
  abortSignal?: AbortSignal;
}

export interface SignalService {
  /** Refreshes every zone that is due. Never throws; returns every zone's status. */
  refreshZones(nowMs: number): Promise<ZoneStatus[]>;
  /** Refreshes one zone (when due, or always with `force`). Never throws. */
  refreshZone(zone: string, nowMs: number, options?: { force?: boolean }): Promise<ZoneStatus>;
  /** The best known value per interval start with start in `[fromMs, toMs)` (or covering `fromMs`). */
  seriesFor(zone: string, fromMs: number, toMs: number, nowMs: number): IntensityPoint[];
  /**
   * The providers' forecast issues for `zone` issued in `[fromMs, min(toMs, nowMs + 1))`, oldest
   * first, one per (provider, issue time): the archive the local forecaster learns each
   * provider's skill from. Local and static points are not issues.
   */
  forecastIssues(zone: string, fromMs: number, toMs: number, nowMs: number): ProviderIssue[];
  /** Every configured zone's status, ages computed at `nowMs`: what `carbond status` shows. */
  zoneStatuses(nowMs: number): ZoneStatus[];
}

export function createSignalService(options: SignalServiceOptions): SignalService {
  return new ZoneSignals(options);
}

class ZoneSignals implements SignalService {
  private readonly statuses = new Map<string, ZoneStatus>();
  private readonly backfilled = new Set<string>();
  /** When each zone's recent history was last fetched again for revisions (this process). */
  private readonly revisitedAtMs = new Map<string, number>();
  private readonly staticFallback: StaticProvider | null;

  constructor(private readonly o: SignalServiceOptions) {
    for (const s of o.store.loadZoneStatuses()) this.statuses.set(s.zone, s);
    this.staticFallback = o.staticFallback === undefined ? new StaticProvider() : o.staticFallback;
  }

  private settings(zone: string): ZoneSettings {
    return this.o.zones[zone] ?? { providers: [...this.o.providers.keys()], staleAfterMs: HOUR_MS };
  }

  private chain(zone: string): ForecastProvider[] {
    return this.settings(zone).providers.map((n) => this.o.providers.get(n)).filter((p): p is ForecastProvider => p !== undefined);
  }

  async refreshZones(nowMs: number): Promise<ZoneStatus[]> {
    for (const zone of Object.keys(this.o.zones)) {
      if (this.aborted()) break;
      await this.refreshZone(zone, nowMs);
    }
    return this.zoneStatuses(nowMs);
  }

  private aborted(): boolean {
    return this.o.abortSignal?.aborted === true;
  }

  /** The plausibility check of a live answer (the static table is carbond's own, not checked). */
  private checkAnswer(nowMs: number): AnswerCheck {
    return (provider, points) => {
      if (provider.type !== 'static') checkServed(points, provider.name, nowMs, 'forecast');
    };
  }

  private isDue(zone: string, nowMs: number): boolean {
    const s = this.statuses.get(zone);
    if (!s || s.lastOkAtMs === null) return s === undefined || nowMs - s.lastAttemptAtMs >= (this.o.retryFailedAfterMs ?? 5 * MINUTE_MS);
    const staleAfterMs = this.settings(zone).staleAfterMs;
    const everyMs = this.o.refreshEveryMs ?? Math.min(staleAfterMs / 2, 30 * MINUTE_MS);
    const failedLast = s.lastAttemptAtMs > s.lastOkAtMs;
    if (failedLast) return nowMs - s.lastAttemptAtMs >= (this.o.retryFailedAfterMs ?? 5 * MINUTE_MS);
    return nowMs - s.lastOkAtMs >= everyMs;
  }

  async refreshZone(zone: string, nowMs: number, options: { force?: boolean } = {}): Promise<ZoneStatus> {
    if (this.aborted()) return this.statusAt(zone, nowMs);
    const due = options.force === true || this.isDue(zone, nowMs);
    if (due || !this.backfilled.has(zone)) {
      this.backfilled.add(zone);
      await this.backfill(zone, nowMs);
    }
    if (due) await this.fetchForecast(zone, nowMs);
    return this.statusAt(zone, nowMs);
  }

  private async fetchForecast(zone: string, nowMs: number): Promise<void> {
    const prev = this.statuses.get(zone);
    let next: ZoneStatus;
    try {
      const r = await forecastFromChain(this.chain(zone), zone, nowMs, this.o.logger, this.checkAnswer(nowMs));
      const onlyStatic = r.provider.type === 'static';
      if (onlyStatic && this.aborted()) return; // the live providers were cut short, not down
      if (!onlyStatic) this.o.store.savePoints(r.points, nowMs);
      const reason = r.failures.length > 0 ? describeFailures(r.failures) : null;
      next = onlyStatic
        ? { zone, provider: prev?.provider ?? r.provider.name, lastOkAtMs: prev?.lastOkAtMs ?? null, lastAttemptAtMs: nowMs, dataAgeMs: null, stale: true, reason: `${reason ?? 'no live provider'}; using the static yearly average` }
        : { zone, provider: r.provider.name, lastOkAtMs: nowMs, lastAttemptAtMs: nowMs, dataAgeMs: 0, stale: false, reason };
    } catch (err) {
      if (this.aborted()) return;
      const why = (err as Error).message;
      const fallback = prev?.lastOkAtMs ? 'keeping the last good series' : this.staticFallback ? 'using the static yearly average' : 'no data';
      this.o.logger?.warn('zone signal is stale', { zone, reason: why });
      next = { zone, provider: prev?.provider ?? null, lastOkAtMs: prev?.lastOkAtMs ?? null, lastAttemptAtMs: nowMs, dataAgeMs: null, stale: true, reason: `${why}; ${fallback}` };
    }
    this.statuses.set(zone, next);
    this.o.store.saveZoneStatus(next);
    if (next.stale && next.lastOkAtMs === null) this.recordStaticHour(zone, nowMs);
  }

  /**
   * With no live data ever, the hour around `nowMs` is recorded at the static yearly
   * average (`estimated`), so energy spent now is priced and labelled as estimated in the
   * ledger's accounting instead of left unpriced. One row per zone and hour: the point's
   * `issuedAt` is its start, so repeated refreshes in the hour replace it.
   */
  private recordStaticHour(zone: string, nowMs: number): void {
    if (!this.staticFallback) return;
    const startMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    try {
      const point = this.staticFallback.pointFor(zone, startMs, HOUR_MS, nowMs);
      this.o.store.savePoints([{ ...point, issuedAtMs: startMs }], nowMs);
    } catch (err) {
      this.o.logger?.debug('no static average for zone', { zone, err });
    }
  }

  /**
   * Fetches measured history only for the gap since the last measured point (no re-fetch):
   * on start up to `backfillMs` back, then on each due refresh when the gap is ≥ 1 h, and
   * every `revisitEveryMs` the last `revisionWindowMs` again (revised values).
   */
  private async backfill(zone: string, nowMs: number): Promise<void> {
    const spanMs = this.o.backfillMs ?? 7 * 24 * HOUR_MS;
    if (spanMs <= 0) return;
    let fromMs = Math.max(nowMs - spanMs, this.o.store.measuredUntilMs(zone) ?? -Infinity);
    const lastVisitMs = this.revisitedAtMs.get(zone);
    if (lastVisitMs === undefined) this.revisitedAtMs.set(zone, nowMs);
    else if (nowMs - lastVisitMs >= (this.o.revisitEveryMs ?? 6 * HOUR_MS)) {
      fromMs = Math.min(fromMs, nowMs - (this.o.revisionWindowMs ?? 24 * HOUR_MS));
      this.revisitedAtMs.set(zone, nowMs);
    }
    if (nowMs - fromMs < HOUR_MS) return;
    for (const p of this.chain(zone)) {
      if (!hasHistory(p)) continue;
      if (this.aborted()) return;
      try {
        const served = await p.history(zone, fromMs, nowMs, nowMs);
        checkServed(served, p.name, nowMs, 'history');
        const points = this.onlyChanged(zone, served);
        const added = this.o.store.savePoints(points, nowMs);
        this.o.logger?.info('back-filled measured history', { zone, provider: p.name, points: added });
        return;
      } catch (err) {
        if (this.aborted()) return;
        this.o.logger?.warn('history back-fill failed', { zone, provider: p.name, reason: (err as Error).message });
      }
    }
  }

  /** Drops points whose value equals the newest stored one of the same provider, kind and start. */
  private onlyChanged(zone: string, points: readonly IntensityPoint[]): IntensityPoint[] {
    if (points.length === 0) return [];
    const starts = points.map((p) => p.startMs);
    const newest = new Map<string, IntensityPoint>();
    for (const k of this.o.store.loadPoints(zone, Math.min(...starts), Math.max(...starts) + 1)) {
      const key = `${k.provider}|${k.kind}|${k.startMs}`;
      const cur = newest.get(key);
      if (!cur || k.issuedAtMs > cur.issuedAtMs) newest.set(key, k);
    }
    return points.filter((p) => newest.get(`${p.provider}|${p.kind}|${p.startMs}`)?.gPerKWh !== p.gPerKWh);
  }

  seriesFor(zone: string, fromMs: number, toMs: number, nowMs: number): IntensityPoint[] {
    // Only static hours recorded during an outage (recordStaticHour), or nothing: one static point over the whole range.
    return seriesFrom(this.o.store.loadPoints(zone, fromMs - HOUR_MS, toMs), zone, fromMs, toMs, nowMs, this.staticProviderNames(), this.staticFallback);
  }

  forecastIssues(zone: string, fromMs: number, toMs: number, nowMs: number): ProviderIssue[] {
    const untilMs = Math.min(toMs, nowMs + 1);
    const staticNames = this.staticProviderNames();
    const byIssue = new Map<string, { issuedAtMs: number; forecast: IntensityPoint[] }>();
    // Issues cover up to a few days past their issue time.
    for (const p of this.o.store.loadPoints(zone, fromMs, untilMs + ISSUE_REACH_MS)) {
      if (p.kind !== 'forecast' || p.provider === 'local' || staticNames.has(p.provider) || p.issuedAtMs < fromMs || p.issuedAtMs >= untilMs) continue;
      const key = `${p.provider}|${p.issuedAtMs}`;
      let issue = byIssue.get(key);
      if (!issue) byIssue.set(key, (issue = { issuedAtMs: p.issuedAtMs, forecast: [] }));
      issue.forecast.push(p);
    }
    return [...byIssue.values()].sort((a, b) => a.issuedAtMs - b.issuedAtMs);
  }

  /** Names whose points are the static estimate, not a provider's measurement or forecast. */
  private staticProviderNames(): Set<string> {
    return new Set([...this.o.providers.values()].filter((p) => p.type === 'static').map((p) => p.name).concat('static'));
  }

  private statusAt(zone: string, nowMs: number): ZoneStatus {
    return zoneStatusAt(zone, this.statuses.get(zone), this.settings(zone).staleAfterMs, nowMs);
  }

  zoneStatuses(nowMs: number): ZoneStatus[] {
    return Object.keys(this.o.zones).sort().map((z) => this.statusAt(z, nowMs));
  }
}
