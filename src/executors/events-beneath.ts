/** Reading a run's events file as root without following the user's links (ADR 0012). TEMPORARY: merged into events.ts. */
import { parseEvents } from '../../checkpoints/protocol';
import { readBeneath } from '../os/beneath';
import type { EventsRead } from './events';

export function readEventsBeneath(base: string, rel: string, offset: number): EventsRead & { refused?: string } {
  const read = readBeneath(base, rel, offset, 1_048_576);
  if (read.kind === 'missing') return { events: [], nextOffset: offset, malformed: 0 };
  if (read.kind === 'refused') return { events: [], nextOffset: offset, malformed: 0, refused: read.reason };
  const parsed = parseEvents(read.data);
  const events = parsed.events.flatMap((p) => (p.event.event === 'backend' ? [] : [p.event]));
  return { events, nextOffset: offset + parsed.consumedBytes, malformed: parsed.issues.length };
}
