import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventsSize, MAX_EVENT_LINE_BYTES, MAX_EVENTS_READ_BYTES, readEvents, readEventsFromFd, type EventsRead } from '../../../src/executors/events';

const progress = (step: number): string => `{"event":"progress","step":${step}}\n`;

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-events-'));
  file = path.join(dir, 'events.jsonl');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Reads from `offset` until a call makes no progress; every call must stay within `maxBytes` (the byte before `offset` included). */
function drain(offset: number, maxBytes = MAX_EVENTS_READ_BYTES, maxLineBytes = MAX_EVENT_LINE_BYTES): { reads: EventsRead[]; steps: number[]; malformed: number; nextOffset: number } {
  const reads: EventsRead[] = [];
  for (;;) {
    const r = readEvents(file, offset, { maxBytes, maxLineBytes });
    reads.push(r);
    expect(r.nextOffset - offset).toBeLessThanOrEqual(maxBytes);
    if (r.nextOffset === offset) break;
    offset = r.nextOffset;
  }
  return {
    reads,
    steps: reads.flatMap((r) => r.events.flatMap((e) => (e.event === 'progress' ? [e.step] : []))),
    malformed: reads.reduce((n, r) => n + r.malformed, 0),
    nextOffset: offset,
  };
}

describe('readEvents: incremental reading', () => {
  it('reads a missing file as empty, leaving the offset where it was', () => {
    expect(readEvents(file, 0)).toEqual({ events: [], nextOffset: 0, malformed: 0 });
    expect(readEvents(file, 42)).toEqual({ events: [], nextOffset: 42, malformed: 0 });
    expect(eventsSize(file)).toBe(0);
  });

  it('reads complete lines and leaves a half-written last line for the next read', () => {
    fs.writeFileSync(file, progress(1) + '{"event":"checkpoint","path":"/c/1","step":1}\n{"event":"progress",');
    const first = readEvents(file, 0);
    expect(first).toEqual({
      events: [{ event: 'progress', step: 1 }, { event: 'checkpoint', path: '/c/1', step: 1 }],
      nextOffset: Buffer.byteLength(progress(1) + '{"event":"checkpoint","path":"/c/1","step":1}\n'),
      malformed: 0,
    });
    fs.appendFileSync(file, '"step":2}\n' + progress(3));
    const second = readEvents(file, first.nextOffset);
    expect(second).toEqual({ events: [{ event: 'progress', step: 2 }, { event: 'progress', step: 3 }], nextOffset: eventsSize(file), malformed: 0 });
    expect(readEvents(file, second.nextOffset)).toEqual({ events: [], nextOffset: second.nextOffset, malformed: 0 });
  });

  it('drops backend events and counts invalid complete lines as malformed', () => {
    fs.writeFileSync(file, '{"event":"backend","name":"wasm"}\nnot json\n' + progress(4));
    expect(readEvents(file, 0)).toEqual({ events: [{ event: 'progress', step: 4 }], nextOffset: eventsSize(file), malformed: 1 });
  });

  it('reads a large backlog of valid lines across calls of at most maxBytes each', () => {
    fs.writeFileSync(file, Array.from({ length: 1000 }, (_, i) => progress(i)).join(''));
    const r = drain(0, 4096);
    expect(r.steps).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(r.malformed).toBe(0);
    expect(r.nextOffset).toBe(eventsSize(file));
    expect(r.reads.length).toBeGreaterThan(5);
  });
});

describe('readEvents: overlong lines', () => {
  it('exports a 1 MiB read window and a 64 KiB line limit', () => {
    expect(MAX_EVENTS_READ_BYTES).toBe(1024 * 1024);
    expect(MAX_EVENT_LINE_BYTES).toBe(64 * 1024);
  });

  it('counts a complete line longer than the line limit as malformed without parsing it, and reads the next line', () => {
    fs.writeFileSync(file, `{"event":"progress","step":1,"pad":"${'x'.repeat(MAX_EVENT_LINE_BYTES)}"}\n` + progress(2));
    expect(readEvents(file, 0)).toEqual({ events: [{ event: 'progress', step: 2 }], nextOffset: eventsSize(file), malformed: 1 });
  });

  it('skips one line longer than the read window, in bounded steps, counting it once, then reads the valid line after it', () => {
    fs.writeFileSync(file, progress(1) + 'x'.repeat(3 * MAX_EVENTS_READ_BYTES + 123) + '\n' + progress(2));
    const r = drain(0);
    expect(r.steps).toEqual([1, 2]);
    expect(r.malformed).toBe(1);
    expect(r.nextOffset).toBe(eventsSize(file));
  });

  it('skips an unterminated tail longer than the line limit at once instead of waiting for its newline', () => {
    const junk = 'y'.repeat(MAX_EVENT_LINE_BYTES + 1);
    fs.writeFileSync(file, progress(1) + junk);
    const first = readEvents(file, 0);
    expect(first).toEqual({ events: [{ event: 'progress', step: 1 }], nextOffset: eventsSize(file), malformed: 1 });
    // The rest of the junk line, once terminated, is not a second malformed line.
    fs.appendFileSync(file, 'still junk\n' + progress(2));
    expect(readEvents(file, first.nextOffset)).toEqual({ events: [{ event: 'progress', step: 2 }], nextOffset: eventsSize(file), malformed: 0 });
  });

  it('makes progress even when the window is smaller than the line limit', () => {
    fs.writeFileSync(file, 'z'.repeat(100) + '\n' + progress(7));
    const r = drain(0, 16, 1024);
    expect(r.steps).toEqual([]); // the progress line itself (29 bytes) does not fit a 16-byte window either
    expect(r.malformed).toBe(2);
    expect(r.nextOffset).toBe(eventsSize(file));
  });
});

describe('readEvents: offsets that no longer fit the file', () => {
  it('treats an offset past the end as a truncated file: no events, resumes from the current size', () => {
    fs.writeFileSync(file, progress(1) + progress(2) + progress(3));
    const before = readEvents(file, 0);
    fs.writeFileSync(file, progress(9));
    const after = readEvents(file, before.nextOffset);
    expect(after).toEqual({ events: [], nextOffset: eventsSize(file), malformed: 0, truncated: true });
    fs.appendFileSync(file, progress(10));
    expect(readEvents(file, after.nextOffset)).toEqual({ events: [{ event: 'progress', step: 10 }], nextOffset: eventsSize(file), malformed: 0 });
  });

  it('resumes from an offset in the middle of a line (a size taken mid-append) at the next line, without counting the fragment', () => {
    fs.writeFileSync(file, progress(1) + '{"event":"progress",');
    const mark = eventsSize(file);
    fs.appendFileSync(file, '"step":2}\n' + progress(3));
    expect(readEvents(file, mark)).toEqual({ events: [{ event: 'progress', step: 3 }], nextOffset: eventsSize(file), malformed: 0 });
  });

  it('reads from a line start reached exactly at an offset', () => {
    fs.writeFileSync(file, progress(1));
    const mark = eventsSize(file);
    fs.appendFileSync(file, progress(2));
    expect(readEvents(file, mark).events).toEqual([{ event: 'progress', step: 2 }]);
  });
});

describe('readEventsFromFd', () => {
  it('reads a descriptor opened by the caller the way readEvents reads a path, and leaves it open', () => {
    fs.writeFileSync(file, progress(1) + progress(2) + '{"event":"pro');
    const fd = fs.openSync(file, 'r');
    try {
      const first = readEventsFromFd(fd, 0, { maxBytes: 40 });
      expect(first).toEqual({ events: [{ event: 'progress', step: 1 }], nextOffset: 30, malformed: 0 });
      expect(readEventsFromFd(fd, first.nextOffset)).toEqual({ events: [{ event: 'progress', step: 2 }], nextOffset: 60, malformed: 0 });
      expect(readEventsFromFd(fd, 500)).toEqual({ events: [], nextOffset: eventsSize(file), malformed: 0, truncated: true });
      expect(fs.fstatSync(fd).isFile()).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
  });
});

describe('readEvents: options', () => {
  it.each([
    [{ maxBytes: 0 }],
    [{ maxBytes: 1.5 }],
    [{ maxLineBytes: -1 }],
  ])('rejects %j', (options) => {
    expect(() => readEvents(file, 0, options)).toThrow(RangeError);
  });

  it('rejects a negative offset', () => {
    expect(() => readEvents(file, -1)).toThrow(RangeError);
  });
});
