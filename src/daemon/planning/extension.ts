/**
 * The job lifecycle driven by the real planner (scheduler/plan) and the carbon signal
 * (./plan-signal): what the daemon registers in place of the run-everything default.
 */
import { plan } from '../../../scheduler';
import { createJobsExtension } from '../jobs/extension';
import { planSignalOf } from './plan-signal';

/** Register AFTER the signal extension (it reads `ctx.services.get(SIGNAL)`). */
export const plannedJobsExtension = createJobsExtension({ planSource: plan, planSignal: planSignalOf });
