/**
 * Which process is the wrapper of a run, read from a hand-made process table: the scan that
 * re-adopts a run whose PID never reached the ledger must find it, and must never take a
 * process that is not it for it (another run's, another user's, a forged root one).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRunWrapper, runWrapperIdentity, SETPRIV, WRAPPER_MARKER } from '../../../src/executors/local-wrapper';
import { findByArgvPair } from '../../../src/executors/proc';

const RUN_DIR = '/var/lib/carbond/users/1000/runs/7';

interface FakeProcess { pid: number; uid: number; argv: string[]; pgid?: number; state?: string; exe?: string; startTicks?: string }

describe('finding a run\'s wrapper in /proc', () => {
  let root: string;
  beforeEach(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-proc-')); });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function add(p: FakeProcess): void {
    const dir = path.join(root, String(p.pid));
    fs.mkdirSync(dir);
    const rest = [p.state ?? 'S', 1, p.pgid ?? p.pid, ...Array.from({ length: 16 }, () => 0), p.startTicks ?? '4242'];
    fs.writeFileSync(path.join(dir, 'stat'), `${p.pid} (${path.basename(p.argv[0]!)}) ${rest.join(' ')} 0 0\n`);
    fs.writeFileSync(path.join(dir, 'cmdline'), p.argv.join('\0') + '\0');
    if (p.exe) fs.symlinkSync(p.exe, path.join(dir, 'exe'));
    if (process.getuid!() === 0) fs.lchownSync(dir, p.uid, p.uid);
  }
  const wrapper = (runDir = RUN_DIR): string[] => ['/bin/sh', '-c', 'WRAPPER', WRAPPER_MARKER, runDir, '/home/ann', 'python', 'train.py'];
  const asRoot = process.getuid!() === 0 ? it : it.skip;

  asRoot('finds the wrapper of this run dir run by the job\'s user, with its start time', () => {
    add({ pid: 100, uid: 1000, argv: wrapper('/var/lib/carbond/users/1000/runs/70') });
    add({ pid: 101, uid: 1000, argv: wrapper(), startTicks: '777' });
    add({ pid: 102, uid: 1000, argv: ['python', 'train.py'], pgid: 101 });
    expect(findByArgvPair(WRAPPER_MARKER, RUN_DIR, root)).toEqual([101]);
    expect(findRunWrapper(RUN_DIR, 1000, root)).toEqual({ pid: 101, startTicks: '777' });
  });

  asRoot('takes root\'s setpriv that is about to become the wrapper (same PID after its exec)', () => {
    add({ pid: 200, uid: 0, exe: fs.realpathSync(SETPRIV), argv: [SETPRIV, '--reuid', '1000', '--regid', '1000', '--init-groups', '--', ...wrapper()] });
    expect(findRunWrapper(RUN_DIR, 1000, root)).toEqual({ pid: 200, startTicks: '4242' });
  });

  asRoot.each<[string, FakeProcess]>([
    ['another user\'s process with the same argv', { pid: 300, uid: 1001, argv: wrapper() }],
    ['a root process that only claims to be setpriv (its executable is not)', { pid: 301, uid: 0, exe: '/usr/bin/su', argv: [SETPRIV, '--', ...wrapper()] }],
    ['a process that does not lead its own group (signals go to the group)', { pid: 302, uid: 1000, pgid: 1, argv: wrapper() }],
    ['a zombie', { pid: 303, uid: 1000, state: 'Z', argv: wrapper() }],
    ['the marker without this run dir after it', { pid: 304, uid: 1000, argv: ['/bin/sh', '-c', 'x', WRAPPER_MARKER, `${RUN_DIR}0`, RUN_DIR] }],
  ])('never takes %s for the wrapper', (_what, p) => {
    add(p);
    expect(runWrapperIdentity(p.pid, RUN_DIR, 1000, root)).toBeUndefined();
    expect(findRunWrapper(RUN_DIR, 1000, root)).toBeUndefined();
  });

  it('finds nothing in an empty or unreadable process table', () => {
    expect(findRunWrapper(RUN_DIR, 1000, root)).toBeUndefined();
    expect(findRunWrapper(RUN_DIR, 1000, path.join(root, 'absent'))).toBeUndefined();
  });
});
