import { raiseToMarks, type CounterTotals } from '../../../src/daemon/metrics/counters';

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
