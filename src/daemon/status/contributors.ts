/**
 * The registry of status contributors. To add one: write a module exporting a
 * `StatusContributor` (see ./contribute) and add ONE line to this list. Keep its
 * top-level imports light (types only; load heavy modules inside `contribute`):
 * the CLI loads this file on the `carbond status` path.
 */
import type { StatusContributor } from './contribute';
import { jobsStatus } from '../jobs/status';
import { energyStatus } from '../../reports/status-contributor';
import { zonesStatus } from '../signal/status';
import { diskStatus } from '../disk/status';
import { sitesStatus } from '../jobs/sites-status';

export const statusContributors: StatusContributor[] = [
  jobsStatus,
  energyStatus,
  zonesStatus,
  diskStatus,
  sitesStatus,
  // e.g. zonesStatus, jobsStatus — one line each
];
