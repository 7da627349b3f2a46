import { ledgerTotals, raiseToMarks, type CounterTotals } from '../../../src/daemon/metrics/counters';
import { NOW, SITE_ZONES, writeMovedLedger } from '../reports/moved-ledger';

const t = (zone: string, site: string, energyJ: number, emissionsG: number, avoidedG: number): CounterTotals => ({ zone, site, energyJ, emissionsG, avoidedG });

describe('counter totals never fall', () => {
  it('takes the ledger\'s figure when it is the largest yet, else holds the mark', () => {
    const marks = new Map([['GB\u0000box', t('GB', 'box', 100, 120, 40)]]);
    // Emissions re-priced lower (a forecast settled), avoided fell, energy grew.
    expect(raiseToMarks([t('GB', 'box', 150, 110, 30)], marks)).toEqual([t('GB', 'box', 150, 120, 40)]);
    expect(raiseToMarks([t('GB', 'box', 150, 130, 45)], marks)).toEqual([t('GB', 'box', 150, 130, 45)]);
  });

  it('keeps a series the ledger no longer yields, adds new ones, and never reports below 0', () => {
    const marks = new Map([['DE\u0000b2', t('DE', 'b2', 10, 5, 1)]]);
    expect(raiseToMarks([t('GB', 'box', 7, 3, -20)], marks)).toEqual([t('DE', 'b2', 10, 5, 1), t('GB', 'box', 7, 3, 0)]);
  });
});

describe('ledgerTotals: where the figures belong', () => {
  it('puts a moved job\'s energy and emissions at each site where they were used, and its avoided grams at home', () => {
    const db = writeMovedLedger({ moved: 'finished' });
    try {
      const totals = ledgerTotals(db, NOW, SITE_ZONES).sort((a, b) => a.site.localeCompare(b.site));
      // 2 kWh at 300 g/kWh on box1 (GB), then 2 kWh at 50 g/kWh on box2 (FR); baseline 4 kWh on box1: 1,200 g, so 500 g avoided.
      expect(totals).toEqual([
        { zone: 'GB', site: 'box1', energyJ: 2 * 3.6e6, emissionsG: 600, avoidedG: 500 },
        { zone: 'FR', site: 'box2', energyJ: 2 * 3.6e6, emissionsG: 100, avoidedG: 0 },
      ]);
    } finally {
      db.close();
    }
  });
});
