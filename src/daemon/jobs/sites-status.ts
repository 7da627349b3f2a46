/**
 * The sites part of `carbond status`: each configured site, its zone, executor and GPUs, and —
 * from the live daemon — whether it can take orders now (./site-health). Without a daemon the
 * availability is unknown (null).
 */
import type { StatusContributor } from '../status/contribute';

export interface SiteStatus {
  site: string;
  zone: string;
  executor: string;
  gpus: number;
  /** null: not known (no daemon answered, or the executor has no health check and the daemon has not ticked). */
  available: boolean | null;
  reason: string | null;
  unavailableSinceMs: number | null;
}

export const sitesStatus: StatusContributor = {
  name: 'sites',
  contribute: (input, report) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { publishedSiteHealth } = require('./site-health') as typeof import('./site-health');
    const health = new Map((input.live ? publishedSiteHealth(input.db) ?? [] : []).map((h) => [h.site, h]));
    const sites: SiteStatus[] = Object.entries(input.config().sites).map(([name, site]) => {
      const h = health.get(name);
      const available = h ? h.available : input.live && site.executor === 'local' ? true : null;
      return { site: name, zone: site.zone, executor: site.executor, gpus: site.gpus, available, reason: h?.reason ?? null, unavailableSinceMs: h?.unavailableSinceMs ?? null };
    });
    (report as unknown as Record<string, unknown>)['sites'] = sites;
    for (const s of sites) {
      if (s.available === false) report.notes.push(`site ${s.site} is unavailable (${s.reason ?? 'no reason given'}): no new work goes there until it is back`);
    }
  },
  render: (report) => {
    const sites = (report as unknown as Record<string, SiteStatus[] | undefined>)['sites'] ?? [];
    return sites.map((s) => `site ${s.site} (${s.executor}, zone ${s.zone}, ${s.gpus} GPU${s.gpus === 1 ? '' : 's'}): ${s.available === null ? 'availability unknown' : s.available ? 'available' : `UNAVAILABLE: ${s.reason ?? ''}`}`);
  },
};
