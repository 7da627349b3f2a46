/**
 * The disk part of `carbond status`: the state dir's free space and whether it is writable,
 * with a note when work cannot go on (see ./health). Probed at status time, daemon or not.
 */
import type { StatusContributor } from '../status/contribute';

export const diskStatus: StatusContributor = {
  name: 'disk',
  contribute: (input, report) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { probeDisk } = require('./health') as typeof import('./health');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const path = require('node:path') as typeof import('node:path');
    const health = probeDisk(path.dirname(report.ledger.path));
    (report as unknown as Record<string, unknown>)['disk'] = { path: health.path, freeBytes: health.freeBytes, totalBytes: health.totalBytes, readOnly: health.readOnly, problem: health.problem };
    if (health.problem) report.notes.push(`${health.problem}: running jobs may fail to checkpoint; nothing new starts until there is room`);
  },
  render: (report) => {
    const d = (report as unknown as Record<string, { freeBytes: number | null; problem: string | null } | undefined>)['disk'];
    if (!d || d.freeBytes === null) return [];
    return [`disk: ${(d.freeBytes / 1_073_741_824).toFixed(1)} GiB free in the state dir${d.problem ? ' (NOT ENOUGH)' : ''}`];
  },
};
