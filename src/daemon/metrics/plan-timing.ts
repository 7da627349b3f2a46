/**
 * How long the planner takes, for the `carbond_plan_duration_seconds` histogram: the daemon's
 * plan source is wrapped once (../planning/extension), and a metrics server that runs
 * subscribes a timer. With no subscriber (metrics off) the plan runs unwrapped in effect.
 * The timer is prom-client's (a monotonic stopwatch), not the daemon's Clock: this is the
 * planner's compute time, which a manual or scaled clock would report as 0 or ×600.
 */
import type { PlanSource } from '../jobs/types';

/** Starts timing one plan; the function it returns stops and records it. */
export type StartTimer = () => () => void;

const timers = new Set<StartTimer>();

/** Times every plan from now on with `start`; returns the unsubscribe. */
export function timePlansWith(start: StartTimer): () => void {
  timers.add(start);
  return () => { timers.delete(start); };
}

/** `source`, timed for each subscriber. */
export function timedPlanSource(source: PlanSource): PlanSource {
  return (input) => {
    if (timers.size === 0) return source(input);
    const stops = [...timers].map((start) => start());
    try {
      return source(input);
    } finally {
      for (const stop of stops) stop();
    }
  };
}
