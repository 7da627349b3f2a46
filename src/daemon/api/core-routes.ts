/** The daemon's own routes: the route index and status. */
import { liveStatus } from '../status/build';
import type { Route } from './routes';

export const coreRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/status',
    summary: 'daemon, ledger, zones and jobs (same JSON as carbond status --json)',
    handler: (ctx) => liveStatus(ctx),
  },
];
