/**
 * The daemon's tick at the plan's next decision time (ADR 0013): the planner says when its
 * plan next changes something (`Plan.nextWakeMs`: a segment starts or ends, a protection
 * runs out); the daemon ticks then, and on its cron schedule, which stays the upper bound
 * between ticks. `carbond simulate` jumps its clock to the same times (../../simulate/engine).
 */
import type { Clock } from '../../core/clock';

/** setTimeout's limit (~24.8 days): a later wake is left to the cron ticks before it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class PlanWake {
  private timer: NodeJS.Timeout | undefined;
  private armedAtMs = Infinity;

  constructor(private readonly clock: Clock, private readonly request: (reason: string) => void) {}

  /** When the armed wake fires (Infinity when none). */
  get atMs(): number {
    return this.armedAtMs;
  }

  /** Replaces the armed wake with one at `atMs` (Infinity: none). Never keeps a stopping process alive. */
  arm(atMs: number): void {
    this.cancel();
    if (!Number.isFinite(atMs)) return;
    const delayMs = Math.max(0, atMs - this.clock.now());
    if (delayMs > MAX_TIMER_MS) return;
    this.armedAtMs = atMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedAtMs = Infinity;
      this.request('the plan\'s next decision time');
    }, delayMs);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAtMs = Infinity;
  }
}
