import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/core/clock';
import { LocalProcessExecutor } from '../../../src/executors/local-process';
import { livenessOf, parseProcStat, readStartTicks } from '../../../src/executors/proc';
import { storeVerifier } from '../../../src/executors/verify';
import { jobRecord } from '../../contract/executors/job-record';

describe('process identity by PID and start time', () => {
  it('parses field 22 of /proc/PID/stat even when the command name holds spaces and parentheses', () => {
    const line = '4242 (my (weird) job) S 1 4242 4242 0 -1 4194304 100 0 0 0 5 1 0 0 20 0 1 0 987654 1000 10 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, state: 'S', ppid: 1, pgid: 4242, startTicks: '987654' });
  });

  it('tells a live process from the same PID with another start time (a reused PID)', () => {
    const ticks = readStartTicks(process.pid)!;
    expect(livenessOf(process.pid, ticks)).toBe('running');
    expect(livenessOf(process.pid, String(Number(ticks) + 1))).toBe('gone');
    expect(livenessOf(process.pid, null)).toBe('gone');
  });

  it('never adopts or signals a process that took over a recorded PID', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-pid-'));
    // An innocent bystander holding the PID the ledger remembers, but started at another time.
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const ex = new LocalProcessExecutor({ stateDir: dir, clock: systemClock, verifyCheckpoint: storeVerifier(systemClock) });
      const stale = String(Number(readStartTicks(bystander.pid!)) - 1);
      const job = jobRecord({ cwd: dir, checkpointDir: path.join(dir, 'c') });
      const handle = ex.adopt({ id: 77, jobId: job.id, pid: bystander.pid!, pidStartTicks: stale, executorRef: null, logPath: null }, job);
      expect(ex.poll(handle)).toEqual({ state: 'exited', exit: { code: null, signal: null, known: false } });
      await expect(ex.suspend(handle)).rejects.toThrow(/is not running/);
      expect(livenessOf(bystander.pid!, readStartTicks(bystander.pid!))).toBe('running');
    } finally {
      bystander.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the exit status an orphaned run left in its run directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-exit-'));
    const ex = new LocalProcessExecutor({ stateDir: dir, clock: systemClock, verifyCheckpoint: storeVerifier(systemClock) });
    const job = jobRecord({ cwd: dir, checkpointDir: path.join(dir, 'c') });
    fs.mkdirSync(ex.runDir(job, 5), { recursive: true });
    fs.writeFileSync(path.join(ex.runDir(job, 5), 'exit'), '3\n');
    const h = ex.adopt({ id: 5, jobId: job.id, pid: 999_999_999, pidStartTicks: '1', executorRef: null, logPath: null }, job);
    expect(ex.poll(h)).toEqual({ state: 'exited', exit: { code: 3, signal: null, known: true } });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
