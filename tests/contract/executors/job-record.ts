/** Builds JobRecords for executor and lifecycle tests. */
import type { JobRecord } from '../../../src/ledger/jobs';

let n = 0;

export function jobRecord(fields: Partial<JobRecord> & { cwd: string; checkpointDir: string }): JobRecord {
  n += 1;
  return {
    id: `job-${n}`, name: `job ${n}`, owner: 'tester', uid: null, gid: null, command: ['true'], useShell: false,
    env: {}, submittedAtMs: 0, deadlineMs: 86_400_000, estimateMs: 3_600_000, totalSteps: null, powerW: null, gpus: 0,
    sites: ['local'], homeSite: 'local', mode: 'checkpoint', pauseSignal: 'SIGTERM', checkpointTimeoutMs: 5_000,
    pauseOverheadMs: 60_000, tags: {}, manualOverride: null,
    ...fields,
  };
}
