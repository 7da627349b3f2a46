import type { ReportRows } from '../../../src/accounting/rows';
import { buildReport } from '../../../src/reports/build';
import { deadlineOf } from '../../../src/reports/deadlines';
import { energyText, hoursText, massText, pctText, sig } from '../../../src/reports/human';
import { decisionLog } from '../../../src/reports/log';
import { renderMarkdown } from '../../../src/reports/markdown';
import { zonePalette, ZONE_COLOURS } from '../../../src/reports/palette';
import { SignalMismatchError } from '../../../src/reports/signal';
import { weekOf } from '../../../src/reports/summary';
import { renderHtml } from '../../../src/reports/html';
import { ExitCode } from '../../../src/core/errors';

const H = 3_600_000;
const T = Date.parse('2026-11-02T00:00:00Z'); // a Monday

/** Two jobs in two zones; `b` finishes after its deadline. */
function rows(signal: 'average' | 'marginal' = 'average'): ReportRows {
  const job = (id: string, home: string, project: string, deadlineH: number) => ({ id, name: id, owner: 'ann', submittedAtMs: T, deadlineMs: T + deadlineH * H, gpus: 1, homeSite: home, tags: { project }, state: 'finished' as const });
  const sample = (jobId: string, zone: string, i: number) => ({ jobId, runId: 1, site: zone.toLowerCase(), zone, startMs: T + i * H, durationMs: H, energyKWh: 0.5, overhead: false });
  return {
    jobs: [job('a', 'x', 'nlp', 10), job('b', 'y', 'vision', 1)],
    runs: [
      { id: 1, jobId: 'a', site: 'x', startedAtMs: T, endedAtMs: T + 2 * H, startStep: 0, lastStep: 10, exitKind: 'finished', lostSteps: 0 },
      { id: 2, jobId: 'b', site: 'y', startedAtMs: T, endedAtMs: T + 3 * H, startStep: 0, lastStep: 10, exitKind: 'finished', lostSteps: 0 },
    ],
    transitions: [], decisions: [],
    samples: [sample('a', 'X', 0), sample('a', 'X', 1), sample('b', 'Y', 0), sample('b', 'Y', 1), sample('b', 'Y', 2)],
    intensity: [
      { zone: 'X', startMs: T - H, durationMs: 10 * H, gPerKWh: 200, kind: 'measured', issuedAtMs: T, provider: 'uk', signal },
      { zone: 'Y', startMs: T - H, durationMs: 10 * H, gPerKWh: 40, kind: 'measured', issuedAtMs: T, provider: 'em', signal: 'average' },
    ],
    siteZones: { x: 'X', y: 'Y' },
  };
}

describe('figures for people', () => {
  it.each([
    [652.319667, '652'], [1.23456, '1.23'], [0.0123, '0.0123'], [12345.6, '12,346'], [-40.99, '−41.0'], [0, '0'],
  ])('rounds %p to three significant digits: %p', (n, text) => expect(sig(n)).toBe(text));

  it.each([
    [massText(40994.691), '41.0 kg CO2e'], [massText(1_250_000), '1.25 t CO2e'], [massText(812.4), '812 g CO2e'],
    [energyText(652.319667), '652 kWh'], [energyText(1250), '1.25 MWh'], [energyText(0.25), '250 Wh'],
    [hoursText(1_391_820_000), '387 h'], [hoursText(5_400_000), '1.5 h'], [pctText(31.247), '31.2 %'], [pctText(null), 'n/a'],
  ])('prints %p as %p', (got, want) => expect(got).toBe(want));
});

describe('zone colours', () => {
  it('gives each zone one colour, the same whatever other zones are in the report', () => {
    const two = zonePalette(['GB', 'FR']);
    const three = zonePalette(['DE', 'FR', 'GB']);
    expect(new Set(three.values()).size).toBe(3);
    for (const c of three.values()) expect(ZONE_COLOURS).toContain(c);
    expect(zonePalette(['FR', 'GB'])).toEqual(two);
    expect(two.get('GB')).toBe(zonePalette(['GB']).get('GB'));
  });
});

describe('deadlines', () => {
  const at = (state: 'finished' | 'running' | 'failed', finishedH: number | null, deadlineH: number, nowH: number) =>
    deadlineOf({ state, finishedAtMs: finishedH === null ? null : T + finishedH * H, job: { deadlineMs: T + deadlineH * H } }, T + nowH * H);
  it.each([
    ['finished before the deadline', at('finished', 5, 6, 9), { outcome: 'met', lateByMs: null }],
    ['finished 1 h 37 min late', at('finished', 7 + 37 / 60, 6, 9), { outcome: 'missed', lateByMs: 97 * 60_000 }],
    ['still running, deadline ahead', at('running', null, 6, 5), { outcome: 'open', lateByMs: null }],
    ['still running, 3 h past it', at('running', null, 6, 9), { outcome: 'missed', lateByMs: 3 * H }],
    ['failed', at('failed', null, 6, 9), { outcome: 'not-judged', lateByMs: null }],
  ])('%s', (_name, got, want) => expect(got).toEqual(want));
});

describe('the report summary and method', () => {
  it('counts deadlines, breaks down by tag and by the zone of use, and gives SCI per run', () => {
    const r = buildReport(rows(), { nowMs: T + 5 * H });
    expect(r.deadlines).toMatchObject({ met: 1, missed: 1, judged: 2, missedJobs: [{ id: 'b', lateByMs: 2 * H, finished: true }] });
    expect(r.totals).toMatchObject({ deadlinesMet: 1, deadlinesMissed: 1, deadlinesOpen: 0, sciG: 260, sciPerRunG: 130 });
    expect(r.breakdowns.map((b) => b.by)).toEqual(['tag:project', 'owner']);
    expect(r.breakdowns[0]!.rows.map((x) => [x.key, x.actualG])).toEqual([['nlp', 200], ['vision', 60]]);
    expect(r.zonesUsed).toEqual([
      { zone: 'Y', energyKWh: 1.5, actualG: 60, energySharePct: 60, gPerKWh: 40 },
      { zone: 'X', energyKWh: 1, actualG: 200, energySharePct: 40, gPerKWh: 200 },
    ]);
    expect(r.trend).toEqual({ unit: 'week', points: [expect.objectContaining({ period: '2026-W45', start: '2026-11-02T00:00:00.000Z', jobs: 2, actualG: 260 })] });
    expect(r.method.providers.map((p) => [p.provider, p.energySharePct])).toEqual([['em', 60], ['uk', 40]]);
    expect(r.method.basisShares).toEqual({ measuredPct: 100, forecastPct: 0, estimatedPct: 0, unpricedPct: 0 });
    expect(r.method.simulation.simulated).toBe(false);
  });

  it('takes the emission-factor basis from the provider types it is given, and says when it is not recorded', () => {
    const r = buildReport(rows(), { nowMs: T + 5 * H, meta: { providerTypes: { uk: 'uk-carbon-intensity', em: 'electricity-maps' }, policies: [{ policy: 'carbond', plans: 3, from: 'a', to: 'b' }] } });
    expect(r.method.providers.map((p) => [p.provider, p.type, p.emissionFactor])).toEqual([['em', 'electricity-maps', 'life-cycle'], ['uk', 'uk-carbon-intensity', 'direct']]);
    expect(buildReport(rows(), { nowMs: T + 5 * H }).method.providers[0]!.emissionFactor).toBe('not recorded');
    const md = renderMarkdown(r);
    expect(md).toContain('**Scheduling policy**: carbond (3 plans');
    expect(md).toContain('GHG Protocol Scope 2');
    expect(md).toMatch(/not a measured \(consequential\) reduction/);
  });

  it('refuses --signal marginal where a zone has only average data (exit 2), and labels mixed data as it is', () => {
    let err: unknown;
    try {
      buildReport(rows('marginal'), { nowMs: T + 5 * H, signal: 'marginal' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SignalMismatchError);
    expect((err as SignalMismatchError).exitCode).toBe(ExitCode.Usage);
    expect((err as SignalMismatchError).zones).toEqual([{ zone: 'Y', signals: ['average'], providers: ['em'] }]);
    const mixed = buildReport(rows('marginal'), { nowMs: T + 5 * H });
    expect(mixed.signal).toBe('average + marginal');
    expect(mixed.method.signal).toEqual({ requested: null, used: ['average', 'marginal'] });
  });

  it('prints every number in the HTML as a span carrying its exact value, and no raw milliseconds', () => {
    const html = renderHtml(buildReport(rows(), { nowMs: T + 5 * H }), []);
    expect(html).toContain('<span class="num" data-field="avoidedG" data-value="');
    expect(html).toContain('data-field="sciPerRunG" data-value="130">130 g CO2e</span>');
    expect(html).toContain('data-field="lateByMs" data-value="7200000">2.0 h</span>');
    expect(html.replace(/<[^>]+>/g, ' ')).not.toMatch(/\d{6,} ?ms/);
    for (const s of ['summary', 'method', 'appendix']) expect(html).toContain(`<section id="${s}">`);
  });

  it('weeks start on Monday and are numbered as ISO weeks', () => {
    expect(weekOf(Date.parse('2021-07-07T12:00:00Z'))).toEqual({ startMs: Date.parse('2021-07-05T00:00:00Z'), label: '2021-W27' });
    expect(weekOf(Date.parse('2021-01-03T12:00:00Z')).label).toBe('2020-W53');
  });
});

describe('the decision log', () => {
  it('shows a decision once when its transition at the same instant carries the same reason', () => {
    const log = decisionLog(
      [{ jobId: 'j', atMs: T, fromState: 'queued', toState: 'running', reason: 'started 23:00 on A: 157 g/kWh now (started on A)' }],
      [{ jobId: 'j', atMs: T, action: 'start', site: 'A', reason: 'started 23:00 on A: 157 g/kWh now' }],
    );
    expect(log).toEqual([{ at: new Date(T).toISOString(), kind: 'transition', what: 'start @A (queued → running)', reason: 'started 23:00 on A: 157 g/kWh now (started on A)' }]);
  });
});
