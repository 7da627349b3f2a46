/**
 * The job lifecycle driven by the real planner (scheduler/plan) and the carbon signal
 * (./plan-signal): what the daemon registers in place of the run-everything default.
 */
import { plan } from '../../../scheduler';
import { createJobsExtension } from '../jobs/extension';
import { timedPlanSource } from '../metrics/plan-timing';
import { planSignalOf } from './plan-signal';

/** Register AFTER the signal extension (it reads `ctx.services.get(SIGNAL)`). The plan is timed for the metrics (off: no cost). */
export const plannedJobsExtension = createJobsExtension({ planSource: timedPlanSource(plan), planSignal: planSignalOf });
