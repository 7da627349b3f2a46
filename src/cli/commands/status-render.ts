/**
 * Text rendering of a `StatusReport` for people (times in local time, ages relative to
 * now): a short header, then aligned tables with human headers and units, every line at
 * most `width` columns (100 unless the terminal says otherwise). `--json` prints the report.
 */
import type { StatusReport } from '../../daemon/status/types';
import { table } from '../render';
import { statusContributors } from '../../daemon/status/contributors';

/** `2026-11-29 03:00 GMT`: local time with the zone's short name. */
export function localTime(iso: string | null | undefined): string {
  if (!iso) return '?';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const zone = new Intl.DateTimeFormat('en-GB', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())} ${zone}`.trim();
}

/** `45 s`, `3 min`, `2 h 5 min`, `3 days`. */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** `3 min ago`, `in 2 h`, or the local date for anything over 2 weeks away. */
export function relative(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return 'never';
  const delta = Date.parse(iso) - nowMs;
  if (Math.abs(delta) > 14 * 86_400_000) return localTime(iso);
  if (Math.abs(delta) < 5_000) return 'just now';
  return delta < 0 ? `${duration(delta)} ago` : `in ${duration(delta)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Breaks `text` at spaces into lines of at most `width`, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  const lead = /^ */.exec(text)?.[0] ?? '';
  let line = '';
  for (const [i, word] of text.trimStart().split(' ').entries()) {
    if (i === 0) line = `${lead}${word}`;
    else if (`${line} ${word}`.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

type Extra = StatusReport & {
  history?: { zones: HistoryZone[]; recentJobs: RecentJob[] };
  nextWakeAt?: string | null;
  disk?: unknown;
};
interface HistoryZone { zone: string; provider: string; lastPointAt: string; gPerKWh: number; kind: string }
interface RecentJob { id: string; name: string; state: string; site: string; submittedAt: string; stateAt: string | null; tags: Record<string, string> }
interface ZoneLine { zone: string; provider?: string | null; lastOkAt?: string | null; stale?: boolean; reason?: string | null; intensity?: { gPerKWh: number; kind: string; provider: string } | null }

function header(r: StatusReport, nowMs: number): string[] {
  const d = r.daemon;
  let daemon: string;
  if (d.running) daemon = `daemon running, pid ${d.pid}, up ${d.startedAt ? duration(nowMs - Date.parse(d.startedAt)) : '?'}, version ${d.version}`;
  else if (d.startedAt === null) daemon = 'no daemon (none has run with this state dir)';
  else {
    const end = d.stoppedAt ? `stopped ${relative(d.stoppedAt, nowMs)} (${d.stopReason ?? 'stopped'})` : 'no clean stop recorded';
    daemon = `no daemon (last: pid ${d.pid}, version ${d.version}, ${end})`;
  }
  const ledger = r.ledger.exists ? `${r.ledger.path} (schema v${r.ledger.schemaVersion})` : `${r.ledger.path} (none yet)`;
  return [`carbond: ${daemon}`, `ledger:  ${ledger}`, `socket:  ${r.daemon.socketPath}`];
}

function intensityCell(z: ZoneLine): [string, string] {
  if (!z.intensity) return ['-', '-'];
  return [`${Math.round(z.intensity.gPerKWh)} g/kWh`, `${z.intensity.kind}, ${z.intensity.provider}`];
}

/** Configured zones, then the ledger's own zones (no daemon); configured zones with no data hide behind a note when the ledger has others. */
function zoneSection(r: Extra, nowMs: number, notes: string[]): string[] {
  const configured = r.zones as ZoneLine[];
  const own = (r.history?.zones ?? []).filter((h) => !configured.some((z) => z.zone === h.zone && z.lastOkAt));
  const empty = configured.filter((z) => !z.lastOkAt && own.length > 0);
  if (empty.length) notes.push(`configured ${empty.length === 1 ? 'zone' : 'zones'} with no data in this ledger: ${empty.map((z) => z.zone).join(', ')}`);
  const rows = configured.filter((z) => !empty.includes(z)).map((z) => {
    const [g, source] = intensityCell(z);
    return [z.zone, g, source, z.provider ?? '-', relative(z.lastOkAt, nowMs), z.stale ? `stale: ${z.reason ?? 'no data'}` : 'fresh'];
  });
  for (const h of own) rows.push([h.zone, `${Math.round(h.gPerKWh)} g/kWh`, `${h.kind}, ${h.provider}`, h.provider, `point of ${relative(h.lastPointAt, nowMs)}`, 'from the ledger']);
  if (!rows.length) return ['Zones: none configured'];
  return ['Zones', table(['Zone', 'Intensity', 'Source', 'Refreshed by', 'Last data', 'Signal'], rows)];
}

function progress(j: Record<string, unknown>, nowMs: number): string {
  const total = typeof j['totalSteps'] === 'number' ? j['totalSteps'] : null;
  const step = `${String(j['step'] ?? 0)}${total ? `/${total}` : ''}`;
  const at = typeof j['stepAt'] === 'string' ? ` (${relative(j['stepAt'], nowMs)})` : '';
  return `${step}${at}`;
}

function jobSection(r: Extra, nowMs: number, width: number): string[] {
  if (!r.jobs.length) return ['Jobs: none unfinished'];
  const num = (v: unknown, f: (x: number) => string): string => (typeof v === 'number' ? f(v) : '-');
  const rows = r.jobs.map((j) => [
    clip(`${String(j['name'] ?? j.id)}`, 24), j.id.slice(0, 8), j.state, String(j['site'] ?? '-'), progress(j, nowMs),
    relative(String(j['deadline'] ?? ''), nowMs), num(j['energyKWh'], (x) => `${x.toFixed(2)} kWh`), num(j['emissionsG'], (x) => `${Math.round(x)} g`),
  ]);
  const lines = [`Jobs (${r.jobs.length} unfinished)`, table(['Job', 'Id', 'State', 'Site', 'Step (as of)', 'Deadline', 'Energy', 'CO2e'], rows)];
  const next = r.jobs.flatMap((j) => {
    const n = j['nextAction'] as { at: string | null; action: string; site: string | null; reason: string } | null | undefined;
    if (!n) return [];
    return wrap(`  ${String(j['name'] ?? j.id)}: ${n.action}${n.site ? ` on ${n.site}` : ''} (decided ${relative(n.at, nowMs)}): ${n.reason}`, width, '    ');
  });
  if (next.length) lines.push('Planned next', ...next);
  if (r.nextWakeAt) lines.push(`  next planning wake-up: ${relative(r.nextWakeAt, nowMs)}`);
  return lines;
}

function recentSection(r: Extra, nowMs: number): string[] {
  const shown = new Set(r.jobs.map((j) => j.id));
  const recent = (r.history?.recentJobs ?? []).filter((j) => !shown.has(j.id));
  if (!recent.length) return [];
  const tags = (t: Record<string, string>): string => Object.entries(t).map(([k, v]) => (v === 'true' ? k : `${k}=${v}`)).join(',') || '-';
  return [`Recent jobs (newest ${recent.length})`, table(['Job', 'Id', 'State', 'Since', 'Site', 'Submitted', 'Tags'],
    recent.map((j) => [clip(j.name, 24), j.id.slice(0, 8), j.state, relative(j.stateAt, nowMs), j.site, relative(j.submittedAt, nowMs), clip(tags(j.tags), 20)]))];
}

/** The stale-zone notes repeat what the zones table shows: each provider error is shown once. */
function notesOf(r: StatusReport, extra: string[]): string[] {
  const zones = new Set(r.zones.map((z) => z.zone));
  const repeated = (n: string): boolean => [...zones].some((z) => n.startsWith(`zone ${z} signal is stale:`));
  return [...r.notes.filter((n) => !repeated(n)), ...extra];
}

export interface RenderOptions {
  /** For "3 min ago" (the CLI passes its clock's now). */
  nowMs: number;
  /** Columns; every line fits. Default 100. */
  width?: number;
}

export function renderStatus(r: StatusReport, options: RenderOptions): string {
  const nowMs = options.nowMs;
  const width = options.width ?? 100;
  const x = r as Extra;
  const extraNotes: string[] = [];
  const blocks = [header(r, nowMs), zoneSection(x, nowMs, extraNotes), jobSection(x, nowMs, width), recentSection(x, nowMs)];
  const extra = statusContributors.flatMap((c) => c.render?.(r) ?? []);
  if (extra.length) blocks.push(extra);
  const energy = (r as { energy?: { since: string; total: { jobs: number } } }).energy;
  if (energy && energy.total.jobs === 0 && x.history?.recentJobs.length) extraNotes.push(`energy counts jobs submitted since ${energy.since.slice(0, 10)}; \`carbond report\` covers older ones`);
  const notes = notesOf(r, extraNotes);
  if (notes.length) blocks.push(['Notes', ...notes.flatMap((n) => wrap(`  - ${n}`, width, '    '))]);
  return blocks.filter((b) => b.length).map((b) => b.join('\n')).join('\n\n').split('\n').map((l) => clip(l, width)).join('\n');
}
