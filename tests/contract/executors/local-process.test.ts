import { Groups } from '../../helpers/groups';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/core/clock';
import { LocalProcessExecutor } from '../../../src/executors/local-process';
import { storeVerifier } from '../../../src/executors/verify';
import type { RunExecutor } from '../../../src/executors/types';
import { executorContract, type JobKind } from './contract';
import { jobRecord } from './job-record';

const FIXTURE = path.resolve(__dirname, '../../fixtures/jobs/protocol-job.js');

executorContract('local process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-local-'));
  const made: RunExecutor[] = [];
  const pids = new Groups();
  return {
    make: () => {
      const ex = new LocalProcessExecutor({ stateDir: dir, clock: systemClock, verifyCheckpoint: storeVerifier(systemClock) });
      const start = ex.start.bind(ex);
      ex.start = async (...a) => { const h = await start(...a); pids.add(h.pid!, h.pidStartTicks); return h; };
      made.push(ex);
      return ex;
    },
    job: (kind: JobKind) => {
      const args = { protocol: ['--steps', '100000'], 'ignores-pause': ['--steps', '100000', '--ignore-pause'], short: ['--steps', '10'] }[kind];
      const cwd = fs.mkdtempSync(path.join(dir, 'cwd-'));
      return jobRecord({ cwd, checkpointDir: path.join(cwd, 'ckpt'), command: [process.execPath, FIXTURE, '--step-ms', '20', ...args] });
    },
    letTimePass: (ms) => new Promise((r) => setTimeout(r, ms)),
    cleanup: async () => {
      pids.killAll();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
