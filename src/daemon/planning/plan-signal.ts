/**
 * DESIGN §3 steps 2–3 as the job lifecycle's `planSignal`: per zone of the configured sites,
 * the series known at `nowMs` (from the slot before now to the furthest deadline of an
 * unfinished job), extended past the provider's horizon by the local forecaster (fed with
 * the measured history the signal service stored), resampled to the plan's slots. A zone
 * without any usable point makes the plan fail open (`failOpenReason`), as the planner wants.
 */
import { extendSeries, historyNeededMs, type AnomalyFitCache, type ProviderArchive } from '../../../forecasts/local';
import type { IntensityPoint, SignalService } from '../../../forecasts';
import { resampleToSlots, slotFloorMs, type SlotSeries } from '../../../scheduler';
import { listOpenJobs } from '../../ledger/jobs';
import type { DaemonContext } from '../context';
import type { PlanSignal } from '../jobs/types';
import { SIGNAL } from '../signal/extension';

const DAY_MS = 86_400_000;
/**
 * Measured history handed to the local forecaster: what its profiles and anomaly regression
 * read (43 days by default; with less, as after a fresh start's 7-day back-fill, it uses what
 * there is and falls back to the fixed-decay model under two weeks).
 */
export const HISTORY_MS = historyNeededMs();
/** Deadlines further out than this are planned on this horizon only (bounded work per tick). */
export const MAX_HORIZON_MS = 14 * DAY_MS;

/** The furthest deadline of an unfinished job, capped at `nowMs + MAX_HORIZON_MS`; undefined when none. */
export function planHorizonMs(ctx: DaemonContext, nowMs: number): number | undefined {
  let until: number | undefined;
  for (const { job } of listOpenJobs(ctx.db)) {
    until = Math.max(until ?? -Infinity, job.deadlineMs);
  }
  return until === undefined ? undefined : Math.min(Math.max(until, nowMs), nowMs + MAX_HORIZON_MS);
}

/**
 * One zone's slot series from `slotFloorMs(nowMs)` to `untilMs`, or undefined when the signal
 * service knows no point of it. Measured points (start ≤ now) come first, then the provider's
 * forecast, then `local` up to `untilMs`.
 * @example slotMs 5 min, now 10:07, until 12:00 → 24 slots from 10:05
 */
export function zoneSlotSeries(signal: SignalService, zone: string, nowMs: number, untilMs: number, slotMs: number, fitCache?: AnomalyFitCache): SlotSeries | undefined {
  const known = signal.seriesFor(zone, nowMs - slotMs, untilMs, nowMs);
  const history = signal.seriesFor(zone, nowMs - HISTORY_MS, nowMs, nowMs).filter((p) => p.kind === 'measured');
  // The providers' past issues, for learning their skill against the local forecaster: read from the ledger
  // only when the zone's cached weights are out of date (once per refit period, daily).
  const providerArchive: ProviderArchive = { issuesBetween: (fromMs, toMs) => signal.forecastIssues(zone, fromMs, toMs, nowMs) };
  const extended: readonly IntensityPoint[] = extendSeries(known, nowMs, untilMs, history.length > 0 ? history : known, undefined, { providerArchive, ...(fitCache ? { fitCache } : {}) });
  if (extended.length === 0) return undefined;
  const startMs = slotFloorMs(nowMs, slotMs);
  const count = Math.max(1, Math.ceil((untilMs - startMs) / slotMs));
  const r = resampleToSlots(zone, extended, startMs, slotMs, count);
  return r.series.gPerKWh.every((v) => Number.isFinite(v)) ? r.series : undefined;
}

/** The zones the configured sites are in, each once. */
export function siteZones(ctx: DaemonContext): string[] {
  return [...new Set(Object.values(ctx.config.sites).map((s) => s.zone))];
}

/** The local forecaster's per-zone caches (regression fit, learnt provider weights), per daemon. */
const forecasterCaches = new WeakMap<DaemonContext, Map<string, AnomalyFitCache>>();

function cacheFor(ctx: DaemonContext, zone: string): AnomalyFitCache {
  let byZone = forecasterCaches.get(ctx);
  if (!byZone) forecasterCaches.set(ctx, (byZone = new Map()));
  let c = byZone.get(zone);
  if (!c) byZone.set(zone, (c = {}));
  return c;
}

/** `createJobsExtension({ planSignal })`: the series of every site's zone at `nowMs`. */
export function planSignalOf(ctx: DaemonContext, nowMs: number): PlanSignal {
  const untilMs = planHorizonMs(ctx, nowMs);
  if (untilMs === undefined) return { series: {} };
  const slotMs = ctx.config.scheduler.slotMinutes * 60_000;
  const signal = ctx.services.get(SIGNAL);
  const series: Record<string, SlotSeries> = {};
  const missing: string[] = [];
  for (const zone of siteZones(ctx)) {
    let s: SlotSeries | undefined;
    try {
      s = zoneSlotSeries(signal, zone, nowMs, Math.max(untilMs, nowMs + slotMs), slotMs, cacheFor(ctx, zone));
    } catch (err) {
      ctx.logger.warn('zone series could not be built', { component: 'planning', zone, err });
    }
    if (s) series[zone] = s;
    else missing.push(zone);
  }
  return missing.length === 0 ? { series } : { series, failOpenReason: `no carbon signal for zone${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` };
}
