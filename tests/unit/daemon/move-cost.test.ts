/**
 * The planner's move time for a site pair (src/daemon/jobs/move-cost.ts): the destination's
 * configured `moveTime`, else the newest measured copy of that pair, else an estimate from the
 * checkpoint's bytes; nothing for a site sharing storage; a site whose last copy for the job
 * failed is left out of its sites for a while.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeLedger, openLedger, type Db } from '../../../src/ledger/db';
import { recordCheckpoint } from '../../../src/ledger/checkpoints';
import { insertJob, type JobRecord } from '../../../src/ledger/jobs';
import { recordTransfer } from '../../../src/ledger/transfers';
import { attachMoveCosts, ESTIMATE_BYTES_PER_S, ESTIMATE_FIXED_MS, MOVE_RETRY_AFTER_MS } from '../../../src/daemon/jobs/move-cost';
import type { SiteModel } from '../../../src/daemon/jobs/types';
import type { RunExecutor } from '../../../src/executors/types';
import type { PlanJob } from '../../../scheduler/types';
import { jobRecord } from '../../contract/executors/job-record';

const NOW = Date.parse('2026-12-01T00:00:00Z');

describe('move cost per site pair', () => {
  let dir: string;
  let db: Db;
  let job: JobRecord;
  const site = (name: string, root: string | undefined, moveTimeMs?: Record<string, number>): SiteModel => ({
    name, zone: name.toUpperCase(), gpus: 1, executor: {} as RunExecutor, jobPowerW: () => 100, suspendedPowerW: () => 0,
    ...(root ? { checkpointRoot: root } : {}), ...(moveTimeMs ? { moveTimeMs } : {}),
  });
  const planJob = (): PlanJob => ({ id: job.id, phase: 'paused', submittedAtMs: NOW, deadlineMs: NOW + 86_400_000, remainingWorkMs: 3_600_000,
    powerW: 100, gpus: 1, sites: ['a', 'b', 'c', 'd'], homeSite: 'a', currentSite: 'a', pauseOverheadMs: 0 });
  const attach = (sites: SiteModel[], nowMs = NOW): PlanJob => {
    const pj = planJob();
    attachMoveCosts(db, [pj], new Map([[job.id, job]]), sites, nowMs);
    return pj;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-movecost-'));
    db = openLedger(path.join(dir, 'ledger.sqlite'), { nowMs: NOW });
    job = jobRecord({ cwd: dir, checkpointDir: path.join(dir, 'state', 'checkpoints', 'j'), uid: 1234, gid: 1234, sites: ['a', 'b', 'c', 'd'], homeSite: 'a' });
    insertJob(db, job);
    // The newest checkpoint (200 MiB) lies in a's storage.
    recordCheckpoint(db, { jobId: job.id, runId: null, path: `/ra/users/1234/checkpoints/${job.id}/ckpt-000000000100`, step: 100, createdAtMs: NOW, bytes: 200 * 1024 * 1024, status: 'verified', error: null });
  });
  afterEach(() => {
    closeLedger(db);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('configured, then measured, then estimated from the bytes; nothing where the storage is shared', () => {
    recordTransfer(db, { jobId: job.id, fromSite: 'a', toSite: 'c', source: 's', destination: 'd', step: 1, bytes: 1, startedAtMs: NOW - 10_000, endedAtMs: NOW, seconds: 7.5, outcome: 'ok', error: null });
    recordTransfer(db, { jobId: job.id, fromSite: 'a', toSite: 'c', source: 's', destination: 'd', step: 1, bytes: 1, startedAtMs: NOW - MOVE_RETRY_AFTER_MS - 9000, endedAtMs: NOW - MOVE_RETRY_AFTER_MS - 1, seconds: 99, outcome: 'failed', error: 'x' }); // failed long ago, and not measured
    const pj = attach([site('a', '/ra'), site('b', '/rb', { a: 600_000 }), site('c', '/rc'), site('d', '/ra')]);
    expect(pj.moveMs).toEqual({ b: 600_000, c: 7500 }); // d shares a's storage: absent
    const est = attach([site('a', '/ra'), site('b', '/rb')]).moveMs!['b'];
    expect(est).toBe(ESTIMATE_FIXED_MS + Math.round((200 * 1024 * 1024 / ESTIMATE_BYTES_PER_S) * 1000)); // 10 s + 4 s
  });

  it('nothing when every site shares one storage', () => {
    expect(attach([site('a', undefined), site('b', undefined)]).moveMs).toBeUndefined();
  });

  it('leaves a site out of the job\'s sites after a failed copy there, until the retry wait is over or a copy succeeds', () => {
    recordTransfer(db, { jobId: job.id, fromSite: 'a', toSite: 'b', source: 's', destination: 'd', step: 100, bytes: 0, startedAtMs: NOW - 2000, endedAtMs: NOW - 1000, seconds: 1, outcome: 'corrupt', error: 'sha256 mismatch' });
    const sites = [site('a', '/ra'), site('b', '/rb'), site('c', '/rc'), site('d', '/rd')];
    expect(attach(sites).sites).toEqual(['a', 'c', 'd']);
    expect(attach(sites, NOW - 1000 + MOVE_RETRY_AFTER_MS + 1).sites).toEqual(['a', 'b', 'c', 'd']);
    recordTransfer(db, { jobId: job.id, fromSite: 'a', toSite: 'b', source: 's', destination: 'd', step: 100, bytes: 5, startedAtMs: NOW - 500, endedAtMs: NOW, seconds: 1, outcome: 'ok', error: null });
    expect(attach(sites).sites).toEqual(['a', 'b', 'c', 'd']);
  });
});
