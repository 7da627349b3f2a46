/** Text rendering of a `StatusReport` for people (times in local time). */
import type { StatusReport } from '../../daemon/status/types';
import { keyValues, table } from '../render';
import { statusContributors } from '../../daemon/status/contributors';

/** `2026-11-29 03:00 GMT`: local time with the zone's short name. */
export function localTime(iso: string | null | undefined): string {
  if (!iso) return '?';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const zone = new Intl.DateTimeFormat('en-GB', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())} ${zone}`.trim();
}

function daemonLine(r: StatusReport): string {
  const d = r.daemon;
  if (d.running) return `running, pid ${d.pid}, since ${localTime(d.startedAt)}, version ${d.version}`;
  if (d.startedAt === null) return 'not running (never ran with this state dir)';
  const end = d.stoppedAt ? `${localTime(d.stoppedAt)} (${d.stopReason ?? 'stopped'})` : 'no clean stop recorded';
  return `not running (last run: pid ${d.pid}, version ${d.version}, ${localTime(d.startedAt)} → ${end})`;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A table of records: the first key of each as the first column, then every other key seen. */
function records(items: ReadonlyArray<Record<string, unknown>>): string {
  const keys = [...new Set(items.flatMap((i) => Object.keys(i)))];
  return table(keys, items.map((i) => keys.map((k) => cell(i[k]))));
}

export function renderStatus(r: StatusReport): string {
  const head = keyValues([
    ['daemon', daemonLine(r)],
    ['ledger', r.ledger.exists ? `${r.ledger.path} (schema v${r.ledger.schemaVersion})` : `${r.ledger.path} (none yet)`],
    ['socket', r.daemon.socketPath],
  ]);
  const parts = [head];
  parts.push(r.zones.length ? `\nzones\n${records(r.zones)}` : '\nzones: none reported');
  parts.push(r.jobs.length ? `\njobs\n${records(r.jobs)}` : '\njobs: none');
  const extra = statusContributors.flatMap((c) => c.render?.(r) ?? []);
  if (extra.length) parts.push(`\n${extra.join('\n')}`);
  if (r.notes.length) parts.push(`\nnotes\n${r.notes.map((n) => `  - ${n}`).join('\n')}`);
  return parts.join('\n');
}
