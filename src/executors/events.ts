/**
 * Reading a run's events file (DESIGN §4) incrementally by byte offset, with the strict
 * parser of `checkpoints/protocol.ts`. A half-written last line is left for the next
 * read; invalid lines are counted (and logged by the caller), never fatal.
 */
import * as fs from 'node:fs';
import { parseEvents, type CheckpointEvent, type ProgressEvent } from '../../checkpoints/protocol';

/** The events carbond acts on (a `backend` event is informational and dropped here). */
export type JobEvent = ProgressEvent | CheckpointEvent;

export interface EventsRead {
  events: JobEvent[];
  /** Byte offset to pass to the next read. */
  nextOffset: number;
  /** Complete lines that were not valid events (skipped). */
  malformed: number;
}

/** Reads complete lines after `offset` (bytes). A missing file reads as empty. */
export function readEvents(file: string, offset: number): EventsRead {
  let buf: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      buf = Buffer.alloc(Math.max(0, size - offset));
      if (buf.length > 0) fs.readSync(fd, buf, 0, buf.length, offset);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], nextOffset: offset, malformed: 0 };
    throw err;
  }
  const parsed = parseEvents(buf);
  const events = parsed.events.flatMap((p) => (p.event.event === 'backend' ? [] : [p.event]));
  return { events, nextOffset: offset + parsed.consumedBytes, malformed: parsed.issues.length };
}

/** Current size of the events file in bytes (0 when absent): "newer than the request" starts here. */
export function eventsSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
