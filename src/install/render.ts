/** Text for people of `carbond install` and `carbond doctor`. */
import type { InstallAction } from './plan';

export interface InstallReport {
  dryRun: boolean;
  mode: string;
  prefix: string | null;
  execStart: string[];
  actions: Array<Omit<InstallAction, 'content'>>;
  next: string[];
}

const DONE: Record<InstallAction['outcome'], [string, string]> = {
  create: ['would create', 'created'],
  chmod: ['would chmod', 'chmod'],
  update: ['would update', 'updated'],
  ok: ['ok', 'ok'],
  keep: ['keep', 'kept'],
  skip: ['skip', 'skipped'],
  conflict: ['CONFLICT', 'CONFLICT'],
};

export function renderInstall(r: InstallReport): string {
  const verb = (a: InstallReport['actions'][number]): string => DONE[a.outcome][r.dryRun ? 0 : 1];
  const width = Math.max(...r.actions.map((a) => verb(a).length));
  const lines = [
    `${r.dryRun ? 'dry run: nothing changed. ' : ''}carbond install (${r.mode} mode${r.prefix ? `, under ${r.prefix}` : ''})`,
    `ExecStart: ${r.execStart.join(' ')}`,
    '',
    ...r.actions.map((a) => `  ${verb(a).padEnd(width)}  ${a.kind} ${a.target}${a.mode ? ` (${a.mode})` : ''}${a.note ? `: ${a.note}` : ''}`),
    '',
    'next:',
    ...r.next.map((n) => `  ${n}`),
  ];
  return lines.join('\n');
}
