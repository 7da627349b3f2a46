/**
 * A pause requested while the run's wrapper has set its no-op traps but not yet started the
 * command must still reach the command. Before the fix the signal reached only the wrapper,
 * the command started afterwards and ran on until the checkpoint timeout killed it (seen as
 * a 30 s hang of a daemon stopped right after it started a job; 4 of 200 start-then-pause
 * cycles under CPU load).
 *
 * The window is made as wide as we like here: a wrapper-like shell traps TERM, then blocks
 * opening a FIFO (a builtin redirection: no child process yet), and only starts its command
 * once the test writes to the FIFO.
 */
import { Groups } from '../../helpers/groups';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/core/clock';
import { LocalProcessExecutor } from '../../../src/executors/local-process';
import { childrenOf, readCmdline, readStartTicks, scanChildren } from '../../../src/executors/proc';
import { storeVerifier } from '../../../src/executors/verify';
import { jobRecord } from '../../contract/executors/job-record';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a pause requested before the wrapper has started its command', () => {
  let dir: string;
  const pids = new Groups();
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-pause-start-')); });
  afterEach(() => {
    pids.killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists a process\'s children and tells an exec\'d child by its argv', async () => {
    const sh = spawn('/bin/sh', ['-c', '/bin/sleep 30; :'], { detached: true, stdio: 'ignore' });
    pids.add(sh.pid!);
    let kids: number[] = [];
    for (let i = 0; i < 200 && kids.length === 0; i++) { await sleep(5); kids = childrenOf(sh.pid!); }
    expect(kids).toHaveLength(1);
    expect(scanChildren(sh.pid!)).toEqual(kids); // the fallback for kernels without /proc/PID/task/PID/children
    expect(readCmdline(kids[0]!)).toBe('/bin/sleep\u000030\u0000');
    expect(readCmdline(sh.pid!)).not.toBe(readCmdline(kids[0]!));
    expect(readCmdline(999_999_999)).toBeUndefined();
  });

  it('waits for the command, then signals it: the run exits instead of being killed at the timeout', async () => {
    const fifo = path.join(dir, 'go');
    execFileSync('mkfifo', [fifo]);
    const script = `trap ':' TERM; read -r x < "${fifo}"; /bin/sleep 600`;
    const sh = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
    pids.add(sh.pid!);
    await sleep(200); // the shell has set its trap and blocks opening the FIFO
    expect(childrenOf(sh.pid!)).toEqual([]);
    const ex = new LocalProcessExecutor({ stateDir: dir, clock: systemClock, verifyCheckpoint: storeVerifier(systemClock), adoptedPollMs: 10 });
    const job = jobRecord({ cwd: dir, checkpointDir: path.join(dir, 'ckpt') });
    const handle = ex.adopt({ id: 1, jobId: job.id, pid: sh.pid!, pidStartTicks: readStartTicks(sh.pid!), executorRef: null, logPath: null }, job);
    const pausing = ex.requestPause(handle, { signal: 'SIGTERM', checkpointTimeoutMs: 4_000 });
    await sleep(300); // the pause is asked for while the command does not exist yet
    // Now the shell starts /bin/sleep 600. Non-blocking: should the shell no longer be reading
    // (an interrupted open), there is nobody to write to and the test must not hang here.
    try {
      const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fs.writeSync(fd, 'go\n');
      fs.closeSync(fd);
    } catch { /* no reader any more */ }
    const result = await pausing;
    expect(result.outcome).toBe('exited');
    expect(result.latencyMs).toBeLessThan(3_000);
    expect(ex.poll(handle).state).toBe('exited');
  }, 15_000);
});
