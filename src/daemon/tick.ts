/**
 * The tick (DESIGN §3): an ordered list of steps run one after another with the same
 * `nowMs`. Steps are grouped by phase so independently written steps land in the order
 * of DESIGN §3 whatever order they were registered in. A failing step is logged and the
 * tick goes on (one bad provider must not stop planning). Ticks never overlap.
 */
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';

/** DESIGN §3 order: signal (2) → forecast (3) → plan (4–5) → apply (6) → meter (7) → housekeeping. */
export const TICK_PHASES = ['signal', 'forecast', 'plan', 'apply', 'meter', 'housekeeping'] as const;
export type TickPhase = (typeof TICK_PHASES)[number];

export interface TickStep {
  /** Unique, for logs: `refresh-signals`, `wal-checkpoint`, … */
  name: string;
  /** Default `housekeeping`. */
  phase?: TickPhase;
  /** Does the step's work for the tick at `nowMs` (UTC epoch ms). */
  run(nowMs: number): Promise<void>;
}

export interface TickResult {
  nowMs: number;
  /** Names of steps that threw. */
  failed: string[];
}

/** Steps sorted by phase; registration order is kept within a phase. */
export function orderSteps(steps: readonly TickStep[]): TickStep[] {
  const rank = (s: TickStep): number => TICK_PHASES.indexOf(s.phase ?? 'housekeeping');
  return steps.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map((x) => x.s);
}

/** Runs ticks: on demand, never two at once; a request during a tick runs one more right after. */
export class Ticker {
  private readonly steps: TickStep[];
  private running: Promise<void> | undefined;
  private again = false;
  private count = 0;

  constructor(steps: readonly TickStep[], private readonly clock: Clock, private readonly logger: Logger) {
    this.steps = orderSteps(steps);
  }

  /** How many ticks have completed. */
  get ticks(): number {
    return this.count;
  }

  /** Starts a tick now, or queues one after the current tick. Resolves when no tick is running. */
  request(reason: string): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    // `running` is set before any step runs: a step that asks for a tick before its first
    // await (a submission in the first step) queues one more instead of starting a second
    // tick beside this one (both would apply the same decisions: a job started twice).
    this.running = Promise.resolve().then(() => this.loop(reason)).finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Resolves when the current tick (and a queued one) has finished; at once when idle. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Drops a queued tick (shutdown: finish the current one, start no more). */
  cancelQueued(): void {
    this.again = false;
  }

  private async loop(reason: string): Promise<void> {
    let why = reason;
    do {
      this.again = false;
      await this.runOnce(why);
      why = 'requested during the previous tick';
    } while (this.again);
  }

  /** One tick: every step in order with the same `nowMs`. */
  async runOnce(reason: string): Promise<TickResult> {
    const nowMs = this.clock.now();
    const failed: string[] = [];
    this.logger.debug('tick', { reason, nowMs });
    for (const step of this.steps) {
      try {
        await step.run(nowMs);
      } catch (err) {
        failed.push(step.name);
        this.logger.error('tick step failed', { step: step.name, err });
      }
    }
    this.count += 1;
    return { nowMs, failed };
  }
}
