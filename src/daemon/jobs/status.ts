/** The jobs part of `carbond status`: every unfinished job (read-only; works on a read-only ledger). */
import type { StatusContributor } from '../status/contribute';

export const jobsStatus: StatusContributor = {
  name: 'jobs',
  contribute: (input, report) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { jobSummaries } = require('./views') as typeof import('./views');
    const terminal = new Set(['finished', 'failed', 'cancelled']);
    for (const j of jobSummaries(input.db, input.nowMs)) {
      if (!terminal.has(j.state)) report.jobs.push({ ...j });
    }
  },
};
