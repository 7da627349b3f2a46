/** `carbond show` warns about a run that reports neither progress nor checkpoints (issue 16). */
import { protocolWarnings, SILENT_RUN_WARN_MS } from '../../../src/daemon/jobs/views';
import { renderDetail, type JobDetailView } from '../../../src/cli/commands/show';
import type { RunRecord } from '../../../src/ledger/runs';
import type { CheckpointRecord } from '../../../src/ledger/checkpoints';

const T = Date.parse('2026-12-01T00:00:00Z');
const MIN = 60_000;
const run = (id: number, startMin: number, endMin: number | null, lastStep: number | null): RunRecord => ({
  id, jobId: 'j', site: 'local', startedAtMs: T + startMin * MIN, endedAtMs: endMin === null ? null : T + endMin * MIN, pid: null, pidStartTicks: null,
  executorRef: null, gpuIds: '', resumedFrom: null, startStep: 0, lastStep, exitKind: endMin === null ? null : 'paused', exitCode: null, exitSignal: null,
  lostSteps: 0, logPath: null,
} as RunRecord);
const ckpt = (runId: number): CheckpointRecord => ({ id: 1, jobId: 'j', runId, path: '/c', step: 0, createdAtMs: T, bytes: 1, status: 'verified', error: null });

describe('protocol warnings', () => {
  it('warns of a run silent for 10 min or more, and only of such a run', () => {
    const now = T + 25 * MIN;
    expect(protocolWarnings([run(1, 0, null, null)], [], now)).toEqual([expect.stringMatching(/^run #1 has run 25 min without a progress or checkpoint event/)]);
    expect(protocolWarnings([run(1, 20, null, null)], [], now)).toEqual([]); // 5 min: not yet
    expect(protocolWarnings([run(1, 0, null, 12)], [], now)).toEqual([]); // reports progress
    expect(protocolWarnings([run(1, 0, null, null)], [ckpt(1)], now)).toEqual([]); // checkpoints
    expect(protocolWarnings([run(2, 0, 15, null)], [ckpt(1)], now)).toEqual([expect.stringMatching(/^run #2 ran 15 min/)]);
    expect(protocolWarnings([run(1, 0, null, null)], [], undefined)).toEqual([]);
    expect(SILENT_RUN_WARN_MS).toBe(10 * MIN);
  });

  it('shows them in the text of show', () => {
    const d = {
      id: 'j', name: 'n', owner: 'o', state: 'running', manualOverride: null, step: 0, totalSteps: null, lastVerifiedStep: null, deadline: '2026-12-02T00:00:00Z',
      job: { command: ['python', 'train.py'] }, transitions: [], runs: [], warnings: ['run #1 has run 25 min without a progress or checkpoint event: x'],
    } as unknown as JobDetailView;
    expect(renderDetail(d)).toMatch(/^WARNING {3}run #1 has run 25 min/m);
  });
});
