/**
 * carbond's metrics in a prom-client registry of their own (no global state, no default
 * process metrics): the gauges of ./exposition, set at each scrape; the cumulative counters
 * of ./counters by zone and site; and histograms of tick and plan durations. prom-client
 * writes the text exposition (escaping, HELP/TYPE, histogram buckets) that
 * `promtool check metrics` accepts. Loaded only when `metrics.listen` is set.
 */
import type * as Prom from 'prom-client';
import type { CounterTotals } from './counters';
import type { Metric } from './exposition';

/** Tick duration buckets, s: a quiet tick takes milliseconds; a provider timeout, seconds. */
export const TICK_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Plan duration buckets, s: 1.3–1.6 ms for a 7-day plan, 0.47 s for 1,000 jobs (README, Benchmarks). */
export const PLAN_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const COUNTERS: ReadonlyArray<{ name: string; help: string; figure: keyof Omit<CounterTotals, 'zone' | 'site'> }> = [
  { name: 'carbond_energy_joules_total', figure: 'energyJ', help: 'Energy every job in the ledger has used, J, by the job\'s home zone and site; derived from the ledger, so it carries on across restarts.' },
  { name: 'carbond_emissions_grams_total', figure: 'emissionsG', help: 'Emissions of every job in the ledger, gCO2eq, by home zone and site; a figure re-priced lower (a forecast settled) is held at its highest, so the counter never falls.' },
  { name: 'carbond_avoided_grams_total', figure: 'avoidedG', help: 'Emissions every job in the ledger avoided against its baseline, gCO2eq, by home zone and site; held at its highest when the ledger\'s figure falls.' },
];

export class CarbondMetrics {
  readonly registry: Prom.Registry;
  readonly tickSeconds: Prom.Histogram;
  readonly planSeconds: Prom.Histogram;
  private readonly gauges = new Map<string, Prom.Gauge>();
  private readonly counters: Array<{ figure: (typeof COUNTERS)[number]['figure']; counter: Prom.Counter<'zone' | 'site'> }>;

  constructor(private readonly prom: typeof Prom) {
    this.registry = new prom.Registry();
    const registers = [this.registry];
    this.tickSeconds = new prom.Histogram({ name: 'carbond_tick_duration_seconds', help: 'How long each daemon tick took (refresh, plan, apply, meter, housekeeping), on the daemon\'s clock.', buckets: TICK_BUCKETS_S, registers });
    this.planSeconds = new prom.Histogram({ name: 'carbond_plan_duration_seconds', help: 'How long the planner took to plan every job, per tick.', buckets: PLAN_BUCKETS_S, registers });
    this.counters = COUNTERS.map((c) => ({ figure: c.figure, counter: new prom.Counter({ name: c.name, help: c.help, labelNames: ['zone', 'site'] as const, registers }) }));
  }

  /** Sets every gauge to this scrape's samples; a gauge absent from `metrics` keeps only its HELP and TYPE. */
  setGauges(metrics: readonly Metric[]): void {
    const seen = new Set<string>();
    for (const m of metrics) {
      seen.add(m.name);
      let g = this.gauges.get(m.name);
      if (!g) {
        g = new this.prom.Gauge({ name: m.name, help: m.help, labelNames: [...m.labelNames], registers: [this.registry] });
        this.gauges.set(m.name, g);
      }
      g.reset();
      for (const s of m.samples) {
        if (s.labels) g.set(s.labels, s.value);
        else g.set(s.value);
      }
    }
    for (const [name, g] of this.gauges) if (!seen.has(name)) g.reset();
  }

  /** Sets the counters to the cumulative totals (prom-client counters only go up: reset, then add the total). */
  setCounters(totals: readonly CounterTotals[]): void {
    for (const { figure, counter } of this.counters) {
      counter.reset();
      for (const t of totals) counter.inc({ zone: t.zone, site: t.site }, t[figure]);
    }
  }

  /** The text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
