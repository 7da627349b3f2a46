import { openLedger, type Db } from '../../../src/ledger/db';
import { insertIntensityPoints, intensityPointsBetween, measuredUntil } from '../../../src/ledger/intensity';
import { ledgerSignalStore, loadZoneStatuses, saveZoneStatus } from '../../../src/ledger/zone-status';
import { createSignalService } from '../../../forecasts/signal-service';
import type { ForecastProvider, IntensityPoint } from '../../../forecasts/types';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-01T12:00:00Z');
const point = (over: Partial<IntensityPoint>): IntensityPoint => ({ zone: 'GB', startMs: NOW, durationMs: HOUR / 2, gPerKWh: 200, kind: 'forecast', issuedAtMs: NOW, provider: 'uk', signal: 'average', ...over });

describe('ledger signal store', () => {
  let db: Db;
  beforeEach(() => {
    db = openLedger(':memory:', { nowMs: NOW });
  });
  afterEach(() => db.close());

  it('keeps every point once, with its estimated flag, and returns them by start', () => {
    const points = [point({}), point({ kind: 'measured', gPerKWh: 210, estimated: true }), point({ startMs: NOW + HOUR / 2, gPerKWh: 190 })];
    expect(insertIntensityPoints(db, points, NOW)).toBe(3);
    expect(insertIntensityPoints(db, points, NOW + 1)).toBe(0);
    const back = intensityPointsBetween(db, 'GB', NOW, NOW + HOUR);
    expect(back.map((p) => [p.kind, p.gPerKWh, p.estimated ?? false])).toEqual([['forecast', 200, false], ['measured', 210, true], ['forecast', 190, false]]);
    expect(measuredUntil(db, 'GB')).toBe(NOW + HOUR / 2);
    expect(measuredUntil(db, 'DE')).toBeUndefined();
  });

  it('upserts zone statuses', () => {
    saveZoneStatus(db, { zone: 'GB', provider: 'uk', lastOkAtMs: NOW, lastAttemptAtMs: NOW, dataAgeMs: 0, stale: false, reason: null });
    saveZoneStatus(db, { zone: 'GB', provider: 'uk', lastOkAtMs: NOW, lastAttemptAtMs: NOW + HOUR, dataAgeMs: HOUR, stale: true, reason: 'uk: HTTP 500' });
    expect(loadZoneStatuses(db)).toEqual([{ zone: 'GB', provider: 'uk', lastOkAtMs: NOW, lastAttemptAtMs: NOW + HOUR, dataAgeMs: null, stale: true, reason: 'uk: HTTP 500' }]);
  });

  it('serves the signal service: the last good series survives a restart with every provider down', async () => {
    let down = false;
    const uk: ForecastProvider = {
      name: 'uk', type: 'uk-carbon-intensity', signal: 'average',
      forecast: async (zone, nowMs) => {
        if (down) throw new Error('connection refused');
        return [point({ zone, issuedAtMs: nowMs }), point({ zone, startMs: NOW + HOUR / 2, gPerKWh: 180, issuedAtMs: nowMs })];
      },
    };
    const make = () => createSignalService({ providers: new Map([['uk', uk]]), zones: { GB: { providers: ['uk'], staleAfterMs: HOUR } }, store: ledgerSignalStore(db), backfillMs: 0 });
    await make().refreshZones(NOW);
    down = true;
    const restarted = make();
    const [status] = await restarted.refreshZones(NOW + 3 * HOUR);
    expect(status).toMatchObject({ zone: 'GB', provider: 'uk', stale: true, lastOkAtMs: NOW, dataAgeMs: 3 * HOUR });
    expect(status!.reason).toMatch(/connection refused; keeping the last good series/);
    expect(restarted.seriesFor('GB', NOW, NOW + HOUR, NOW + 3 * HOUR).map((p) => p.gPerKWh)).toEqual([200, 180]);
  });
});
