/**
 * How much running time a job still needs (PlanJob.remainingWorkMs, DESIGN §5): from
 * the observed step rate once progress exists, else from the user's estimate.
 */

/** A progress observation inside one run: step reached at a time. */
export interface ProgressPoint {
  runId: number;
  atMs: number;
  step: number;
}

/**
 * Milliseconds per step observed in the newest run with two or more progress points
 * (its first to its last point), or undefined when none has.
 * @example msPerStepObserved([{runId:1,atMs:0,step:100},{runId:1,atMs:60_000,step:400}]) === 200
 */
export function msPerStepObserved(progress: readonly ProgressPoint[]): number | undefined {
  const byRun = new Map<number, ProgressPoint[]>();
  for (const p of progress) byRun.set(p.runId, [...(byRun.get(p.runId) ?? []), p]);
  for (const runId of [...byRun.keys()].sort((a, b) => b - a)) {
    const pts = byRun.get(runId)!;
    const first = pts[0]!;
    const last = pts[pts.length - 1]!;
    if (last.step > first.step && last.atMs > first.atMs) return (last.atMs - first.atMs) / (last.step - first.step);
  }
  return undefined;
}

/**
 * Remaining running time, ms. With total steps and an observed rate:
 * (totalSteps − doneSteps) × msPerStep. With total steps only: the estimate scaled by the
 * fraction left. Otherwise the whole estimate. Never below 0.
 * @example remainingWorkMs({ estimateMs: 3_600_000, totalSteps: 1000, doneSteps: 250, msPerStep: 2_000 }) === 1_500_000
 * @example remainingWorkMs({ estimateMs: 3_600_000, totalSteps: 1000, doneSteps: 250 }) === 2_700_000
 */
export function remainingWorkMs(job: { estimateMs: number; totalSteps: number | null; doneSteps: number; msPerStep?: number }): number {
  const { estimateMs, totalSteps, doneSteps, msPerStep } = job;
  if (totalSteps !== null && totalSteps > 0) {
    const left = Math.max(0, totalSteps - doneSteps);
    if (msPerStep !== undefined) return left * msPerStep;
    return (estimateMs * left) / totalSteps;
  }
  return estimateMs;
}
