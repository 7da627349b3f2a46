/**
 * Whether each site can take orders now (issue 15): an executor that talks to something
 * that can be away (a Slurm controller) says so through its optional `health()`. A site
 * that is not healthy gets no new work — the planner sees no free GPU there — and no
 * decision acts on its runs until it is back (they go on under the site's own control; a
 * run there is never recorded lost for it). The live daemon publishes what it saw for
 * `carbond status` (`sites`).
 */
import type { Db } from '../../ledger/db';
import type { SiteModel } from './types';

/** How long a site's health check may take before the site counts as unavailable. */
export const HEALTH_TIMEOUT_MS = 5_000;

export interface SiteHealth {
  site: string;
  zone: string;
  executor: string;
  available: boolean;
  /** Why not, when not. */
  reason: string | null;
  /** When it was last checked (epoch ms). */
  checkedAtMs: number;
  /** Since when it has been unavailable (epoch ms), null when available. */
  unavailableSinceMs: number | null;
}

/** The health of every site, checked at `nowMs` (concurrently, each bounded by `HEALTH_TIMEOUT_MS`). */
export async function checkSites(sites: readonly SiteModel[], nowMs: number, previous: ReadonlyMap<string, SiteHealth>): Promise<Map<string, SiteHealth>> {
  const out = new Map<string, SiteHealth>();
  await Promise.all(sites.map(async (site) => {
    const answer = await healthOf(site);
    const before = previous.get(site.name);
    out.set(site.name, {
      site: site.name, zone: site.zone, executor: site.executor.kind, available: answer.ok, reason: answer.ok ? null : answer.reason ?? 'unavailable', checkedAtMs: nowMs,
      unavailableSinceMs: answer.ok ? null : before?.unavailableSinceMs ?? nowMs,
    });
  }));
  return out;
}

async function healthOf(site: SiteModel): Promise<{ ok: boolean; reason?: string }> {
  if (!site.executor.health) return { ok: true };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<{ ok: boolean; reason: string }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: `no answer to the health check within ${HEALTH_TIMEOUT_MS / 1000} s` }), HEALTH_TIMEOUT_MS);
      timer.unref();
    });
    return await Promise.race([site.executor.health(), timeout]);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** What the live daemon last saw, by its ledger (read by the status contributor in the same process). */
const published = new WeakMap<Db, readonly SiteHealth[]>();

export function publishSiteHealth(db: Db, health: Iterable<SiteHealth>): void {
  published.set(db, [...health]);
}

export function publishedSiteHealth(db: Db): readonly SiteHealth[] | undefined {
  return published.get(db);
}
