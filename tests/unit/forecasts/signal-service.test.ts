import { ProviderError } from '../../../src/core/errors';
import { createSignalService } from '../../../forecasts/signal-service';
import { MemorySignalStore } from '../../../forecasts/store';
import type { ForecastProvider, HistoryProvider, IntensityPoint } from '../../../forecasts/types';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-01T12:00:00Z');

class ScriptedProvider implements ForecastProvider, HistoryProvider {
  readonly type = 'electricity-maps' as const;
  readonly signal = 'average' as const;
  calls = 0;
  historyCalls: Array<[number, number]> = [];
  down: Error | null = null;
  constructor(readonly name: string, private readonly base: number) {}
  async forecast(zone: string, nowMs: number): Promise<IntensityPoint[]> {
    this.calls++;
    if (this.down) throw this.down;
    const start = Math.floor(nowMs / HOUR) * HOUR;
    return [0, 1, 2].map((i) => ({ zone, startMs: start + i * HOUR, durationMs: HOUR, gPerKWh: this.base + i, kind: 'forecast', issuedAtMs: nowMs, provider: this.name, signal: 'average' }));
  }
  async history(zone: string, fromMs: number, toMs: number, nowMs: number): Promise<IntensityPoint[]> {
    this.historyCalls.push([fromMs, toMs]);
    const out: IntensityPoint[] = [];
    for (let t = Math.ceil(fromMs / HOUR) * HOUR; t < toMs; t += HOUR) out.push({ zone, startMs: t, durationMs: HOUR, gPerKWh: 300, kind: 'measured', issuedAtMs: nowMs, provider: this.name, signal: 'average' });
    return out;
  }
}

function setup(backfillMs = 0) {
  const primary = new ScriptedProvider('primary', 100);
  const backup = new ScriptedProvider('backup', 500);
  const store = new MemorySignalStore();
  const service = createSignalService({
    providers: new Map<string, ForecastProvider>([['primary', primary], ['backup', backup]]),
    zones: { DE: { providers: ['primary', 'backup'], staleAfterMs: HOUR } },
    store,
    backfillMs,
  });
  return { primary, backup, store, service };
}

describe('signal service', () => {
  it('serves a zone from the first provider that answers and says which one, with the failure', async () => {
    const { primary, backup, service } = setup();
    primary.down = new ProviderError('HTTP 500 (GET /forecast)', { provider: 'primary', status: 500, retryable: true });
    const [status] = await service.refreshZones(NOW);
    expect(status).toMatchObject({ zone: 'DE', provider: 'backup', stale: false, dataAgeMs: 0, lastOkAtMs: NOW });
    expect(status!.reason).toContain('primary: HTTP 500');
    expect(backup.calls).toBe(1);
    expect(service.seriesFor('DE', NOW, NOW + 3 * HOUR, NOW).map((p) => p.gPerKWh)).toEqual([500, 501, 502]);
  });

  it('does not re-fetch while the data is fresh and refreshes when due', async () => {
    const { primary, service } = setup();
    await service.refreshZones(NOW);
    await service.refreshZones(NOW + 10 * 60_000);
    expect(primary.calls).toBe(1);
    await service.refreshZones(NOW + 30 * 60_000);
    expect(primary.calls).toBe(2);
  });

  it('with every provider down keeps the last good series and reports the zone stale with the reason', async () => {
    const { primary, backup, service } = setup();
    await service.refreshZones(NOW);
    primary.down = new ProviderError('timed out after 10000 ms', { provider: 'primary', retryable: true });
    backup.down = new Error('a bug in an adapter');
    const later = NOW + 2 * HOUR;
    const [status] = await service.refreshZones(later);
    expect(status).toMatchObject({ provider: 'primary', stale: true, lastOkAtMs: NOW, dataAgeMs: 2 * HOUR });
    expect(status!.reason).toMatch(/primary: timed out after 10000 ms; backup: provider failed unexpectedly: a bug in an adapter; keeping the last good series/);
    expect(service.seriesFor('DE', NOW, NOW + 3 * HOUR, later).map((p) => p.gPerKWh)).toEqual([100, 101, 102]);
  });

  it('falls back to the static yearly average when nothing was ever known', async () => {
    const { primary, backup, service } = setup();
    primary.down = backup.down = new ProviderError('HTTP 503', { provider: 'x', status: 503, retryable: true });
    const [status] = await service.refreshZones(NOW);
    expect(status).toMatchObject({ stale: true, provider: null, lastOkAtMs: null, dataAgeMs: null });
    expect(status!.reason).toMatch(/using the static yearly average/);
    const series = service.seriesFor('DE', NOW, NOW + 6 * HOUR, NOW);
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ provider: 'static', startMs: NOW, durationMs: 6 * HOUR });
  });

  it('records one static, estimated point per hour of an outage so the ledger can price energy spent then', async () => {
    const { primary, backup, store, service } = setup();
    primary.down = backup.down = new ProviderError('HTTP 503', { provider: 'x', status: 503, retryable: true });
    await service.refreshZones(NOW);
    await service.refreshZone('DE', NOW + 10 * 60_000, { force: true });
    const hourStart = Math.floor(NOW / HOUR) * HOUR;
    const saved = store.loadPoints('DE', NOW - 2 * HOUR, NOW + 2 * HOUR);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ provider: 'static', estimated: true, startMs: hourStart, durationMs: HOUR, issuedAtMs: hourStart });
    expect(saved[0]!.gPerKWh).toBeGreaterThan(100);
  });

  it('marks a zone stale once its data is older than staleAfter, even without a failed attempt', async () => {
    const { service } = setup();
    await service.refreshZones(NOW);
    expect(service.zoneStatuses(NOW + 2 * HOUR)[0]).toMatchObject({ stale: true, dataAgeMs: 2 * HOUR, reason: 'data older than 60 min' });
  });

  it('prefers measured over forecast and the newest issue of a forecast', async () => {
    const { store, service } = setup();
    const base = { zone: 'DE', durationMs: HOUR, provider: 'primary', signal: 'average' as const };
    store.savePoints([
      { ...base, startMs: NOW, gPerKWh: 264, kind: 'forecast', issuedAtMs: NOW - 2 * HOUR },
      { ...base, startMs: NOW, gPerKWh: 271, kind: 'measured', issuedAtMs: NOW - HOUR },
      { ...base, startMs: NOW + HOUR, gPerKWh: 300, kind: 'forecast', issuedAtMs: NOW - 2 * HOUR },
      { ...base, startMs: NOW + HOUR, gPerKWh: 305, kind: 'forecast', issuedAtMs: NOW - HOUR },
      { ...base, startMs: NOW + HOUR, gPerKWh: 999, kind: 'forecast', issuedAtMs: NOW + HOUR },
    ], NOW);
    expect(service.seriesFor('DE', NOW, NOW + 2 * HOUR, NOW).map((p) => p.gPerKWh)).toEqual([271, 305]);
  });

  it('back-fills measured history on start and, on a restart, fetches only the gap', async () => {
    const { primary, store, service } = setup(24 * HOUR);
    await service.refreshZones(NOW);
    expect(primary.historyCalls).toEqual([[NOW - 24 * HOUR, NOW]]);
    const restarted = createSignalService({ providers: new Map([['primary', primary]]), zones: { DE: { providers: ['primary'], staleAfterMs: HOUR } }, store, backfillMs: 24 * HOUR });
    await restarted.refreshZones(NOW + 5 * HOUR);
    expect(primary.historyCalls[1]).toEqual([NOW, NOW + 5 * HOUR]);
    expect(store.loadPoints('DE', NOW - 24 * HOUR, NOW + 5 * HOUR).filter((p) => p.kind === 'measured')).toHaveLength(29);
  });

  it('remembers statuses across a restart through the store', async () => {
    const { primary, store, service } = setup();
    await service.refreshZones(NOW);
    const restarted = createSignalService({ providers: new Map([['primary', primary]]), zones: { DE: { providers: ['primary'], staleAfterMs: HOUR } }, store, backfillMs: 0 });
    expect(restarted.zoneStatuses(NOW + 60_000)[0]).toMatchObject({ provider: 'primary', lastOkAtMs: NOW, dataAgeMs: 60_000, stale: false });
  });
});

describe('signal service revisions', () => {
  it('fetches the last day of history again every 6 h and stores only the values that changed', async () => {
    const { primary, store, service } = setup(24 * HOUR);
    await service.refreshZones(NOW);
    const rowsAfterStart = store.loadPoints('DE', NOW - 48 * HOUR, NOW + 48 * HOUR).length;
    await service.refreshZones(NOW + 6 * HOUR);
    expect(primary.historyCalls[1]).toEqual([NOW - 18 * HOUR, NOW + 6 * HOUR]);
    const measured = store.loadPoints('DE', NOW - 48 * HOUR, NOW + 48 * HOUR).filter((p) => p.kind === 'measured');
    expect(measured).toHaveLength(30); // 24 from the start + 6 new hours; the 18 unchanged ones were not stored twice
    expect(rowsAfterStart).toBeLessThan(store.loadPoints('DE', NOW - 48 * HOUR, NOW + 48 * HOUR).length);
  });

  it('lists the stored forecast issues per provider and issue time, oldest first, none issued after now and no local or static points', () => {
    const { store, service } = setup();
    const fc = (provider: string, issuedAtMs: number, startMs: number, g: number, kind: 'forecast' | 'measured' = 'forecast'): IntensityPoint => ({
      zone: 'DE', startMs, durationMs: HOUR, gPerKWh: g, kind, issuedAtMs, provider, signal: 'average',
    });
    store.savePoints([
      fc('primary', NOW - 30 * HOUR, NOW - 30 * HOUR, 1), fc('primary', NOW - 30 * HOUR, NOW - 29 * HOUR, 2),
      fc('primary', NOW - 6 * HOUR, NOW - 6 * HOUR, 3), fc('backup', NOW - 6 * HOUR, NOW - 6 * HOUR, 4),
      fc('local', NOW - 5 * HOUR, NOW - 5 * HOUR, 5), fc('static', NOW - 5 * HOUR, NOW - 5 * HOUR, 6),
      fc('primary', NOW - 10 * HOUR, NOW - 11 * HOUR, 7, 'measured'),
      fc('primary', NOW + HOUR, NOW + HOUR, 8),
    ], NOW);
    const issues = service.forecastIssues('DE', NOW - 48 * HOUR, NOW + 48 * HOUR, NOW);
    expect(issues.map((i) => [i.issuedAtMs, (i.forecast as IntensityPoint[]).map((p) => `${p.provider}:${p.gPerKWh}`)])).toEqual([
      [NOW - 30 * HOUR, ['primary:1', 'primary:2']],
      [NOW - 6 * HOUR, ['primary:3']],
      [NOW - 6 * HOUR, ['backup:4']],
    ]);
    expect(service.forecastIssues('DE', NOW - 10 * HOUR, NOW, NOW).map((i) => i.issuedAtMs)).toEqual([NOW - 6 * HOUR, NOW - 6 * HOUR]);
  });
});
