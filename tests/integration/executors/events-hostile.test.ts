/**
 * The daemon (root) reads each run's events file from a directory the job's user controls.
 * These tests put there what a hostile user could: a FIFO, a symlink to a secret, a device,
 * a directory, a 2 GiB sparse file. None may hang the daemon, be followed, or be read whole.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventsSize, MAX_EVENTS_READ_BYTES, readEvents, readEventsFromFd, type EventsRead } from '../../../src/executors/events';

// The real module object (not an import wrapper), so that spies reach the code under test.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fs = require('node:fs');

const progress = (step: number): string => `{"event":"progress","step":${step}}\n`;
const GiB = 1024 ** 3;

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-events-hostile-'));
  file = path.join(dir, 'events.jsonl');
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const mkfifo = (at: string): void => { execFileSync('mkfifo', [at]); };

/** Stats of a regular file, for pretending the events file was swapped after the lstat check. */
const regularStats = (): fs.Stats => { const f = path.join(dir, 'regular'); fs.writeFileSync(f, ''); return fs.lstatSync(f); };

describe('readEvents refuses what is not a regular file, without reading it', () => {
  it('does not block on a FIFO nobody writes to (in a child process with a time limit)', () => {
    mkfifo(file);
    // Runs readEvents from the TypeScript source in a fresh node, so a blocking open() hangs only the child.
    const script = `
      const [tsPath, source, target] = process.argv.slice(1);
      const ts = require(tsPath);
      const fs = require('node:fs');
      require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'),
        { fileName: f, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
      const { readEvents, eventsSize } = require(source);
      process.stdout.write(JSON.stringify({ read: readEvents(target, 0), size: eventsSize(target) }));`;
    const source = path.resolve(__dirname, '../../../src/executors/events.ts');
    const r = spawnSync(process.execPath, ['-e', script, require.resolve('typescript'), source, file], { timeout: 10_000, encoding: 'utf8' });
    expect({ signal: r.signal, status: r.status, stderr: r.stderr }).toEqual({ signal: null, status: 0, stderr: '' });
    const out = JSON.parse(r.stdout) as { read: EventsRead; size: number };
    expect(out.read).toEqual({ events: [], nextOffset: 0, malformed: 0, refused: 'not a regular file (fifo)' });
    expect(out.size).toBe(0);
  });

  it('leaves the data in a FIFO unread', () => {
    mkfifo(file);
    const other = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK); // our end: reading it cannot block
    try {
      fs.writeSync(other, progress(1));
      expect(readEvents(file, 0)).toEqual({ events: [], nextOffset: 0, malformed: 0, refused: 'not a regular file (fifo)' });
      expect(eventsSize(file)).toBe(0);
      const back = Buffer.alloc(64);
      expect(back.subarray(0, fs.readSync(other, back)).toString()).toBe(progress(1));
    } finally {
      fs.closeSync(other);
    }
  });

  it('does not follow a symlink to another file, and reports its size as 0', () => {
    const secret = path.join(dir, 'root-only');
    fs.writeFileSync(secret, progress(999) + '{"event":"checkpoint","path":"/secret","step":999}\n', { mode: 0o600 });
    fs.symlinkSync(secret, file);
    expect(readEvents(file, 0)).toEqual({ events: [], nextOffset: 0, malformed: 0, refused: 'not a regular file (symbolic link)' });
    expect(eventsSize(file)).toBe(0);
  });

  it('refuses a symlink swapped in after the type check (the open does not follow it)', () => {
    const secret = path.join(dir, 'root-only');
    fs.writeFileSync(secret, progress(999));
    fs.symlinkSync(secret, file);
    jest.spyOn(fs, 'lstatSync').mockReturnValue(regularStats());
    expect(readEvents(file, 0)).toEqual({ events: [], nextOffset: 0, malformed: 0, refused: 'not a regular file (symbolic link)' });
  });

  it('refuses a FIFO swapped in after the type check (checked again on the open descriptor)', () => {
    mkfifo(file);
    const other = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    try {
      fs.writeSync(other, progress(1));
      jest.spyOn(fs, 'lstatSync').mockReturnValue(regularStats());
      expect(readEvents(file, 0)).toEqual({ events: [], nextOffset: 0, malformed: 0, refused: 'not a regular file (fifo)' });
    } finally {
      fs.closeSync(other);
    }
  });

  it('refuses a FIFO descriptor handed to readEventsFromFd', () => {
    mkfifo(file);
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    try {
      fs.writeSync(fd, progress(1));
      expect(readEventsFromFd(fd, 0)).toEqual({ events: [], nextOffset: 0, malformed: 0, refused: 'not a regular file (fifo)' });
    } finally {
      fs.closeSync(fd);
    }
  });

  it.each([
    ['/dev/zero', 'not a regular file (character device)'],
    ['/dev/null', 'not a regular file (character device)'],
  ])('refuses the device %s', (device, reason) => {
    expect(readEvents(device, 0)).toEqual({ events: [], nextOffset: 0, malformed: 0, refused: reason });
    expect(eventsSize(device)).toBe(0);
  });

  it('refuses a directory', () => {
    fs.mkdirSync(file);
    expect(readEvents(file, 5)).toEqual({ events: [], nextOffset: 5, malformed: 0, refused: 'not a regular file (directory)' });
    expect(eventsSize(file)).toBe(0);
  });
});

describe('readEvents on a 2 GiB sparse file', () => {
  it('reads at most 1 MiB a call, never allocates more, and reaches the valid line after the hole', () => {
    fs.writeFileSync(file, progress(1));
    fs.truncateSync(file, 2 * GiB); // a 2 GiB line of NUL bytes, cheap on disk
    fs.appendFileSync(file, '\n' + progress(2));
    const size = fs.statSync(file).size;
    expect(eventsSize(file)).toBe(size);

    // Counting wrappers, not jest spies: a spy would keep every 1 MiB buffer it saw (2 GiB in all).
    let largestAlloc = 0;
    let callRead = 0;
    const restore: (() => void)[] = [];
    const wrap = <O extends object, K extends keyof O>(owner: O, name: K, around: (original: O[K]) => O[K]): void => {
      const original = owner[name];
      owner[name] = around(original);
      restore.push(() => { owner[name] = original; });
    };
    for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
      wrap(Buffer, name, (original) => ((n: number, ...rest: unknown[]) => {
        largestAlloc = Math.max(largestAlloc, n);
        if (n > 64 * 1024 * 1024) throw new Error(`test guard: readEvents allocated ${n} bytes`);
        return (original as (...a: unknown[]) => Buffer).call(Buffer, n, ...rest);
      }) as typeof original);
    }
    wrap(fs, 'readSync', (original) => ((...a: unknown[]) => {
      const n = (original as (...b: unknown[]) => number)(...a);
      callRead += n;
      return n;
    }) as typeof original);

    const steps: number[] = [];
    let malformed = 0;
    let offset = 0;
    let calls = 0;
    let largestCallRead = 0;
    const refusals: string[] = [];
    try {
      for (;;) {
        callRead = 0;
        const r = readEvents(file, offset);
        calls += 1;
        largestCallRead = Math.max(largestCallRead, callRead);
        if (r.refused) refusals.push(r.refused);
        steps.push(...r.events.flatMap((e) => (e.event === 'progress' ? [e.step] : [])));
        malformed += r.malformed;
        if (r.nextOffset === offset) break;
        offset = r.nextOffset;
      }
    } finally {
      restore.forEach((undo) => undo());
    }
    expect(refusals).toEqual([]);
    expect(steps).toEqual([1, 2]);
    expect(malformed).toBe(1);
    expect(offset).toBe(size);
    expect(largestAlloc).toBe(MAX_EVENTS_READ_BYTES); // full windows, and never more
    expect(largestCallRead).toBe(MAX_EVENTS_READ_BYTES);
    expect(calls).toBeGreaterThanOrEqual(2048);
  }, 120_000);
});
