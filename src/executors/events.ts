/**
 * Reading a run's events file (DESIGN §4) incrementally by byte offset, with the strict
 * parser of `checkpoints/protocol.ts`. A half-written last line is left for the next
 * read; invalid lines are counted (and logged by the caller), never fatal.
 *
 * The daemon runs as root and the file sits in a directory the job's user controls, so
 * the user decides what is at that path. Hence: only a regular file is read (a FIFO would
 * block the open and hang the daemon, a symlink would make root read a file of its
 * choosing, a device may act on open), it is opened without following a symlink and
 * without blocking, and one call reads and allocates a bounded window however large the
 * file is (a 2 GiB sparse file, one endless line).
 */
import * as fs from 'node:fs';
import { parseEvents, type CheckpointEvent, type ProgressEvent } from '../../checkpoints/protocol';
import { openRegularBeneath } from '../os/beneath';

/** The events carbond acts on (a `backend` event is informational and dropped here). */
export type JobEvent = ProgressEvent | CheckpointEvent;

/**
 * Most bytes one `readEvents` call reads and allocates (1 MiB): about 30,000 progress lines,
 * far more than a job writes between two ticks; a larger backlog is read over several calls.
 */
export const MAX_EVENTS_READ_BYTES = 1024 * 1024;

/** A line longer than this (64 KiB, newline excluded) is malformed, skipped unparsed; real events are under 1 KiB. */
export const MAX_EVENT_LINE_BYTES = 64 * 1024;

export interface ReadEventsOptions {
  /** Bytes read and allocated per call, the byte before `offset` included (an integer ≥ 2). Default `MAX_EVENTS_READ_BYTES`. */
  maxBytes?: number;
  /** Longest line parsed, in bytes without its newline. Default `MAX_EVENT_LINE_BYTES`. */
  maxLineBytes?: number;
}

export interface EventsRead {
  events: JobEvent[];
  /** Byte offset to pass to the next read. */
  nextOffset: number;
  /** Lines that were not valid events, or too long to parse (skipped). */
  malformed: number;
  /**
   * Why the path was not read, e.g. `not a regular file (fifo)`, `not a regular file (symbolic link)`,
   * `cannot open (EACCES)`. Nothing was read and `nextOffset` is the given offset: log it once.
   */
  refused?: string;
  /**
   * The offset was past the end of the file: the user truncated or replaced it. Reading resumes
   * at the current size (`nextOffset`), not at 0, so lines already acted on are never replayed.
   */
  truncated?: true;
}

/** Never follows a symlink at the last component (ELOOP), never blocks on a FIFO, never acquires a tty. */
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;
const NEWLINE = 0x0a;

/**
 * Reads the complete lines after `offset` (bytes), at most `maxBytes` a call. A missing file
 * reads as empty; anything but a regular file is `refused`, unread.
 *
 * The window starts one byte before `offset` to tell whether `offset` is a line start. When
 * it is not (a size taken mid-append, or the rest of a line skipped earlier), reading resumes
 * after the next newline without counting that fragment. A line that cannot fit a window —
 * its unterminated tail is longer than `maxLineBytes`, or fills the whole window — is
 * counted malformed once and skipped up to the window's end; the following calls skip on to
 * its newline, so a valid line after it is still read.
 * @example
 * // file: 30-byte progress line, then 3 MiB of 'x', '\n', a progress line
 * readEvents(f, 0)        // { events: [progress], malformed: 1, nextOffset: 1048576 }: the junk's head skipped
 * readEvents(f, 1048576)  // { events: [], malformed: 0, nextOffset: 2097151 }: byte 1048575 is 'x', mid-line
 * // … two calls later the window holds the junk's newline; the progress line after it is returned.
 */
export function readEvents(file: string, offset: number, options: ReadEventsOptions = {}): EventsRead {
  const limits = limitsOf(offset, options);
  const unread: EventsRead = { events: [], nextOffset: offset, malformed: 0 };

  // lstat first, so that a device or FIFO is not even opened (opening some devices acts on them).
  let stats: fs.Stats | undefined;
  try {
    stats = fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (err) {
    return { ...unread, refused: `cannot inspect (${codeOf(err)})` };
  }
  if (!stats) return unread;
  if (!stats.isFile()) return { ...unread, refused: notRegular(stats) };

  // It may have been swapped since: the open neither follows nor blocks, and the descriptor is checked again.
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOENT') return unread;
    return { ...unread, refused: code === 'ELOOP' ? 'not a regular file (symbolic link)' : `cannot open (${code})` };
  }
  try {
    return readEventsFromFd(fd, offset, limits);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `readEvents` on a descriptor the caller opened (without following links or blocking) and
 * closes: anything but a regular file is `refused`; an offset past the end is `truncated`;
 * at most `maxBytes` are read and allocated. For openers other than a plain path.
 */
export function readEventsFromFd(fd: number, offset: number, options: ReadEventsOptions = {}): EventsRead {
  const { maxBytes, maxLineBytes } = limitsOf(offset, options);
  const unread: EventsRead = { events: [], nextOffset: offset, malformed: 0 };
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return { ...unread, refused: notRegular(opened) };
    if (offset > opened.size) return { events: [], nextOffset: opened.size, malformed: 0, truncated: true };
    const windowStart = offset > 0 ? offset - 1 : 0;
    const window = readAt(fd, windowStart, Math.min(maxBytes, opened.size - windowStart));
    return eventsInWindow(window, windowStart, offset, window.length === maxBytes, maxLineBytes);
  } catch (err) {
    return { ...unread, refused: `cannot read (${codeOf(err)})` };
  }
}

/** Current size of the events file in bytes (0 when absent or not a regular file): "newer than the request" starts here. Never follows or blocks. */
export function eventsSize(file: string): number {
  try {
    const stats = fs.lstatSync(file, { throwIfNoEntry: false });
    return stats?.isFile() ? stats.size : 0;
  } catch {
    return 0;
  }
}

/** Reads up to `length` bytes at `position`; fewer if the file shrank meanwhile. */
function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const got = fs.readSync(fd, buf, filled, length - filled, position + filled);
    if (got === 0) break;
    filled += got;
  }
  return buf.subarray(0, filled);
}

/** The events in `window` (the file's bytes from `windowStart`) for a read that asked for `offset`. */
function eventsInWindow(window: Buffer, windowStart: number, offset: number, full: boolean, maxLineBytes: number): EventsRead {
  const dataStart = offset - windowStart; // 1 when the window includes the byte before `offset`
  const result: EventsRead = { events: [], nextOffset: offset, malformed: 0 };
  if (window.length < dataStart) return result; // shrank between fstat and read
  let at = dataStart;
  if (dataStart === 1 && window[0] !== NEWLINE) {
    // Mid-line: the rest of a line that is not ours to count.
    const newline = window.indexOf(NEWLINE, at);
    at = newline < 0 ? window.length : newline + 1;
  }
  let runStart = at; // a run of lines short enough to parse
  const parseRun = (end: number): void => {
    if (end === runStart) return;
    const parsed = parseEvents(window.subarray(runStart, end));
    for (const { event } of parsed.events) if (event.event !== 'backend') result.events.push(event);
    result.malformed += parsed.issues.length;
  };
  for (let newline = window.indexOf(NEWLINE, at); newline >= 0; newline = window.indexOf(NEWLINE, at)) {
    if (newline - at > maxLineBytes) {
      parseRun(at);
      result.malformed += 1;
      runStart = newline + 1;
    }
    at = newline + 1;
  }
  parseRun(at);
  const tail = window.length - at;
  if (tail > maxLineBytes || (full && tail > 0 && at === dataStart)) {
    result.malformed += 1;
    at = window.length;
  }
  result.nextOffset = windowStart + at;
  return result;
}

/** The limits in force, defaults applied; throws a RangeError for a caller's mistake. */
function limitsOf(offset: number, options: ReadEventsOptions): Required<ReadEventsOptions> {
  const maxBytes = options.maxBytes ?? MAX_EVENTS_READ_BYTES;
  const maxLineBytes = options.maxLineBytes ?? MAX_EVENT_LINE_BYTES;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 2) throw new RangeError(`maxBytes must be an integer of at least 2, got ${maxBytes}`);
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 0) throw new RangeError(`maxLineBytes must be a non-negative integer, got ${maxLineBytes}`);
  return { maxBytes, maxLineBytes };
}

function notRegular(stats: fs.Stats): string {
  const kind = stats.isSymbolicLink() ? 'symbolic link' : stats.isFIFO() ? 'fifo' : stats.isDirectory() ? 'directory'
    : stats.isCharacterDevice() ? 'character device' : stats.isBlockDevice() ? 'block device' : stats.isSocket() ? 'socket' : 'unknown type';
  return `not a regular file (${kind})`;
}

function codeOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') throw err;
  return code;
}

/**
 * `readEventsFromFd` on `base/rel` opened as `openRegularBeneath` does (ADR 0012): no symbolic
 * link anywhere below `base`, never blocking, a regular file of `ownerUid` only. This is how a
 * root daemon reads a user's events file.
 */
export function readEventsBeneath(base: string, rel: string, offset: number, ownerUid?: number, options: ReadEventsOptions = {}): EventsRead {
  const opened = openRegularBeneath(base, rel, ownerUid);
  if ('kind' in opened) return opened.kind === 'missing' ? { events: [], nextOffset: offset, malformed: 0 } : { events: [], nextOffset: offset, malformed: 0, refused: opened.reason };
  try {
    return readEventsFromFd(opened.fd, offset, options);
  } finally {
    fs.closeSync(opened.fd);
  }
}
