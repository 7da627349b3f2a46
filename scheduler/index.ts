/**
 * The scheduler (DESIGN §5): pure decision logic — slots, the exact planner, policies, the
 * deadline guard. No I/O, no clock: the daemon tick and `carbond simulate` call `plan(input)`.
 */
export * from './types';
export { plan } from './plan';
export { DEFAULT_SLOT_MS, resampleToSlots, expandRegular, slotFloorMs, slotCeilMs, valueAt, type TimedValue, type ResampleResult } from './slots';
export { solveExact, type ExactProblem, type ExactSolution, type SiteCosts } from './exact';
export { percentile, DEFAULT_THRESHOLD_PERCENTILE } from './policies';
export { gramsOf, slotsFor } from './costs';
export { hhmm } from './reasons';
