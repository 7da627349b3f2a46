/**
 * `carbond install` in two steps: `planInstall` looks (reads only) and says what each action
 * would do; `applyInstall` does exactly those actions. `--dry-run` prints the plan and stops.
 * Idempotent: a second run finds every action `ok` (or `keep` for the config file, which is
 * never overwritten).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CarbondError, ExitCode } from '../core/errors';
import { MODES, onDisk, type InstallLayout } from './layout';
import { configSkeleton } from './skeleton';
import { renderUnit, type UnitValues } from './unit';

/**
 * What one action does: `create` (new), `chmod` (exists, wrong mode), `update` (our unit,
 * different text), `ok` (already right), `keep` (an existing config: never overwritten),
 * `skip` (not done in this mode; `note` says what to do), `conflict` (something else is in
 * the way: nothing is applied).
 */
export type InstallOutcome = 'create' | 'chmod' | 'update' | 'ok' | 'keep' | 'skip' | 'conflict';

export interface InstallAction {
  kind: 'group' | 'dir' | 'file';
  /** A path as written (under the prefix), or the group's name. */
  target: string;
  /** Octal text, e.g. `0711`, for dirs and files. */
  mode?: string;
  outcome: InstallOutcome;
  note?: string;
  /** The file's text (files only; left out of the JSON output). */
  content?: string;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

function groupExists(name: string): boolean {
  try {
    execFileSync('getent', ['group', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function dirAction(target: string, mode: number): InstallAction {
  const st = fs.statSync(target, { throwIfNoEntry: false });
  if (!st) return { kind: 'dir', target, mode: octal(mode), outcome: 'create' };
  if (!st.isDirectory()) return { kind: 'dir', target, mode: octal(mode), outcome: 'conflict', note: 'exists and is not a directory' };
  return { kind: 'dir', target, mode: octal(mode), outcome: (st.mode & 0o777) === mode ? 'ok' : 'chmod', ...((st.mode & 0o777) === mode ? {} : { note: `was ${octal(st.mode)}` }) };
}

function fileAction(target: string, mode: number, content: string, overwrite: boolean): InstallAction {
  const st = fs.statSync(target, { throwIfNoEntry: false });
  const base = { kind: 'file' as const, target, mode: octal(mode), content };
  if (!st) return { ...base, outcome: 'create' };
  if (!st.isFile()) return { ...base, outcome: 'conflict', note: 'exists and is not a file' };
  if (!overwrite) return { ...base, outcome: 'keep', note: 'an existing config is never overwritten' };
  if (fs.readFileSync(target, 'utf8') !== content) return { ...base, outcome: 'update', note: 'rewritten for this installation' };
  return { ...base, outcome: (st.mode & 0o777) === mode ? 'ok' : 'chmod' };
}

/** What installing `layout` for `unit` would do (reads only). */
export function planInstall(layout: InstallLayout, unit: Omit<UnitValues, 'mode'>): InstallAction[] {
  const modes = MODES[layout.mode];
  const actions: InstallAction[] = [];
  if (layout.group !== null) {
    if (layout.prefix !== null) actions.push({ kind: 'group', target: layout.group, outcome: 'skip', note: `not with --prefix: on the target, run \`groupadd --system ${layout.group}\`` });
    else actions.push({ kind: 'group', target: layout.group, outcome: groupExists(layout.group) ? 'ok' : 'create', note: 'the socket\'s group: its members may submit jobs' });
  }
  const at = (p: string): string => onDisk(layout, p);
  actions.push(dirAction(at(path.dirname(layout.configPath)), modes.configDir));
  actions.push(fileAction(at(layout.configPath), modes.configFile, configSkeleton(layout.mode), false));
  actions.push(dirAction(at(layout.stateDir), modes.stateDir));
  actions.push(fileAction(at(layout.unitPath), modes.unitFile, renderUnit({ ...unit, mode: layout.mode }), true));
  return actions;
}

/** Does the planned actions; refuses (throws) when one is a conflict, before changing anything. */
export function applyInstall(actions: readonly InstallAction[]): void {
  const conflict = actions.find((a) => a.outcome === 'conflict');
  if (conflict) throw new CarbondError('E_INSTALL', `${conflict.target} ${conflict.note ?? 'is in the way'}: nothing was changed`, ExitCode.Failure);
  for (const a of actions) {
    if (a.outcome === 'ok' || a.outcome === 'keep' || a.outcome === 'skip') continue;
    const mode = a.mode === undefined ? undefined : parseInt(a.mode, 8);
    if (a.kind === 'group') execFileSync('groupadd', ['--system', a.target], { stdio: ['ignore', 'ignore', 'pipe'] });
    else if (a.kind === 'dir') {
      fs.mkdirSync(path.dirname(a.target), { recursive: true, mode: 0o755 });
      fs.mkdirSync(a.target, { recursive: true, mode });
      fs.chmodSync(a.target, mode as number); // whatever the umask
    } else {
      fs.mkdirSync(path.dirname(a.target), { recursive: true, mode: 0o755 });
      if (a.outcome !== 'chmod') writeAtomically(a.target, a.content ?? '', mode as number);
      fs.chmodSync(a.target, mode as number);
    }
  }
}

function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

/** What the operator does next (printed after the actions). */
export function nextSteps(layout: InstallLayout): string[] {
  const ctl = layout.mode === 'system' ? 'systemctl' : 'systemctl --user';
  return [
    `edit ${layout.configPath} (providers, zones, sites), then: carbond config check`,
    `${ctl} daemon-reload && ${ctl} enable --now carbond`,
    ...(layout.mode === 'system' ? [`usermod -aG ${layout.group} USER  (for each user who may submit jobs)`] : ['loginctl enable-linger "$USER"  (keeps the daemon running after you log out)']),
    'carbond doctor',
  ];
}
