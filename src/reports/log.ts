/**
 * A job's decision log for people: its state transitions and the planner's decisions that
 * changed something (`keep` is left out), each with its reason, oldest first.
 */
import type { DecisionRow, TransitionRow } from '../accounting/rows';
import { isoUtc } from '../core/clock';

export interface LogEntry {
  at: string;
  kind: 'transition' | 'decision';
  /** `queued → running`, or `pause`, `resume @box2`. */
  what: string;
  reason: string;
}

/**
 * Merges transitions and decisions, dropping `keep`, repeats of the same decision, and a
 * decision whose transition at the same instant already carries its reason (the lifecycle
 * writes `start @A: started 23:00 …` as a decision and `queued → running: started 23:00 …`
 * as a transition: shown once, as `start @A (queued → running)`).
 */
export function decisionLog(transitions: readonly TransitionRow[], decisions: readonly DecisionRow[]): LogEntry[] {
  const items: Array<LogEntry & { atMs: number; order: number }> = [];
  transitions.forEach((t, i) => items.push({
    atMs: t.atMs, order: i, at: isoUtc(t.atMs), kind: 'transition',
    what: `${t.fromState ?? 'new'} → ${t.toState}`, reason: t.reason,
  }));
  let previous = '';
  decisions.forEach((d, i) => {
    if (d.action === 'keep') return;
    const what = d.site ? `${d.action} @${d.site}` : d.action;
    const key = `${what}|${d.reason}`;
    if (key === previous) return;
    previous = key;
    const same = items.find((t) => t.kind === 'transition' && t.atMs === d.atMs && d.reason !== '' && t.reason.startsWith(d.reason));
    if (same) {
      same.what = `${what} (${same.what})`;
      return;
    }
    items.push({ atMs: d.atMs, order: transitions.length + i, at: isoUtc(d.atMs), kind: 'decision', what, reason: d.reason });
  });
  items.sort((a, b) => a.atMs - b.atMs || (a.kind === b.kind ? a.order - b.order : a.kind === 'decision' ? -1 : 1));
  return items.map(({ at, kind, what, reason }) => ({ at, kind, what, reason }));
}
