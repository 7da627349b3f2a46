/**
 * The report's groups (`--group-by`). By job, owner or tag a job's figures go whole to its
 * group. By site or zone they go where they happened (issue 15): energy, overheads and actual
 * emissions to the site or zone of each energy sample; pauses, moves, paused time and the
 * embodied M to the site or zone of the run they belong to (a move counts where the job left);
 * the baseline (the same work at home from submission) to the job's home site or zone. The
 * groups add up to the totals; a group that received moved work can show a negative avoided.
 * A job counts (`jobs`, its deadline, its delay, an SCI run) in every group where it ran, or
 * at home when it has not run.
 */
import type { JobAccount, PlaceUse } from '../accounting/job';
import { mergeTally, newTally } from '../accounting/tally';
import { figuresOfShares, wholeShare, type FigureShare } from './figures';
import type { GroupBy, ReportGroup } from './model';

type PlaceGroupBy = Extract<GroupBy, 'site' | 'zone'>;

function isPlace(groupBy: GroupBy): groupBy is PlaceGroupBy {
  return groupBy === 'site' || groupBy === 'zone';
}

/** The group key of a place, and of the job's home. */
function placeKey(p: Pick<PlaceUse, 'site' | 'zone'>, groupBy: PlaceGroupBy): string {
  return groupBy === 'site' ? p.site : p.zone;
}

function homeKey(a: JobAccount, groupBy: PlaceGroupBy): string {
  return placeKey({ site: a.job.homeSite, zone: a.homeZone }, groupBy);
}

/** The group key of a job as a whole, e.g. `tag:project` → the job's `project` tag or `(none)`; by site or zone, its home. */
export function groupKeyOf(account: JobAccount, groupBy: GroupBy): string {
  const j = account.job;
  if (groupBy === 'job') return j.id;
  if (groupBy === 'owner') return j.owner;
  if (isPlace(groupBy)) return homeKey(account, groupBy);
  return j.tags[groupBy.slice('tag:'.length)] ?? '(none)';
}

/** Whether the job ran anywhere but its home site (or zone). */
export function ranAwayFromHome(a: JobAccount, groupBy: PlaceGroupBy): boolean {
  const home = homeKey(a, groupBy);
  return a.places.some((p) => placeKey(p, groupBy) !== home);
}

function emptyShare(a: JobAccount, countsJob: boolean): FigureShare {
  return { account: a, countsJob, actual: newTally(), baseline: null, overheadKWh: 0, pauses: 0, moves: 0, pausedMs: 0, embodiedG: 0 };
}

/** A job's shares by group key: one whole share, or by site or zone, one per place it ran (and home). */
export function sharesOf(a: JobAccount, groupBy: GroupBy): Map<string, FigureShare> {
  if (!isPlace(groupBy) || !ranAwayFromHome(a, groupBy)) return new Map([[groupKeyOf(a, groupBy), wholeShare(a)]]);
  const shares = new Map<string, FigureShare>();
  for (const p of a.places) {
    const key = placeKey(p, groupBy);
    const s = shares.get(key) ?? emptyShare(a, true);
    shares.set(key, s);
    mergeTally(s.actual, p.actual);
    s.overheadKWh += p.overheadKWh;
    s.pauses += p.pauses;
    s.moves += p.moves;
    s.pausedMs += p.pausedMs;
    s.embodiedG += p.embodiedG;
  }
  // The home share exists already unless the job never ran there: then it holds only the baseline.
  const home = homeKey(a, groupBy);
  const atHome = shares.get(home) ?? emptyShare(a, false);
  atHome.baseline = a.baseline;
  shares.set(home, atHome);
  return shares;
}

/** The groups, in the order their first job (by submission) reaches them. */
export function groupsOf(accounts: readonly JobAccount[], groupBy: GroupBy, nowMs: number): ReportGroup[] {
  const byKey = new Map<string, FigureShare[]>();
  for (const a of accounts) {
    for (const [key, share] of sharesOf(a, groupBy)) {
      const list = byKey.get(key);
      if (list) list.push(share);
      else byKey.set(key, [share]);
    }
  }
  return [...byKey].map(([key, list]) => ({ key, figures: figuresOfShares(list, nowMs).figures }));
}
