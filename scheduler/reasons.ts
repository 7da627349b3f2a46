/**
 * A reason for every decision, for people (DESIGN §5):
 * `paused 17:30: next run at 21:00 averages 142 g vs 289 g now; saves 1.9 kg net of 0.1 kg overhead`.
 * Times are rendered in UTC (the scheduler has no time zone; the CLI renders local time).
 */
import { formatDurationMs, formatGrams } from '../src/core/units';
import type { ExactSolution } from './exact';
import type { JobProblem } from './costs';
import { gramsOf } from './costs';
import type { ActionKind } from './types';

/** `HH:MM` in UTC. @example hhmm(Date.parse('2021-07-01T17:30:00Z')) === '17:30' */
export function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

export interface ReasonContext {
  problem: JobProblem;
  solution: ExactSolution;
  action: ActionKind;
  nowMs: number;
  slotMs: number;
  siteNames: readonly string[];
  expectedG: number;
  overheadG: number;
  guarded: boolean;
  /** Time from now to the deadline minus the margin, ms (may be negative). */
  untilDeadlineMs: number;
  failOpenReason?: string;
  policy: string;
  /** Set while the job's run is protected from planned pauses (its minimum runtime), UTC ms. */
  protectedUntilMs?: number;
}

/** Emissions of running straight through from now on the preferred site, under the same forecast. */
function straightG(ctx: ReasonContext): number {
  const p = ctx.problem;
  const g = p.intensity[p.preferredSite]!;
  const resume = p.start.phase === 'paused' ? p.overheadSlots : 0;
  let sum = 0;
  for (let t = 0; t < p.workSlots + resume && t < g.length; t++) sum += gramsOf(p.job.powerW, ctx.slotMs, g[t]!);
  return sum;
}

/** The next planned run from slot `from`: its first slot and its average intensity, g/kWh. */
function nextRun(ctx: ReasonContext, from: number): { slot: number; avgGPerKWh: number } | undefined {
  const { siteAt } = ctx.solution;
  let t = from;
  while (t < siteAt.length && siteAt[t]! < 0) t++;
  if (t >= siteAt.length) return undefined;
  let sum = 0;
  let n = 0;
  for (let i = t; i < siteAt.length && siteAt[i]! >= 0; i++, n++) sum += ctx.problem.intensity[siteAt[i]!]![i]!;
  return { slot: t, avgGPerKWh: sum / n };
}

function lastRunEnd(sol: ExactSolution): number {
  for (let t = sol.siteAt.length - 1; t >= 0; t--) if (sol.siteAt[t]! >= 0) return t + 1;
  return 0;
}

const g0 = (v: number): string => `${Math.round(v)} g`;

/** True when no allowed site has room for the job in the first slot: capacity, not carbon, holds it back. */
function noRoomNow(p: JobProblem): boolean {
  return p.sites.length > 0 && p.sites.every((s) => s.runG[0] === Infinity);
}

/** The sentence explaining `ctx.action`. */
export function reasonFor(ctx: ReasonContext): string {
  const { problem: p, solution: sol, nowMs, slotMs } = ctx;
  const at = hhmm(nowMs);
  const site0 = sol.siteAt[0]!;
  const siteName = (local: number): string => ctx.siteNames[p.siteIndexes[local]!] ?? '?';
  const here = site0 >= 0 ? site0 : p.preferredSite;
  const nowG = p.intensity[here]![0]!;
  const saves = `saves ${formatGrams(Math.max(0, straightG(ctx) - ctx.expectedG))} net of ${formatGrams(ctx.overheadG)} overhead`;
  if (ctx.failOpenReason) return `fail open ${at}: ${ctx.failOpenReason}; runs now on ${siteName(here)}`;
  if (p.job.manualOverride) return `manual ${p.job.manualOverride} ${at}: the user's override holds until released`;
  if (ctx.guarded) {
    const left = formatDurationMs(p.job.remainingWorkMs);
    const then = site0 < 0 && noRoomNow(p) ? `no room on ${siteName(here)} now (protected or more urgent runs hold the GPUs); runs as soon as there is,` : `runs now on ${siteName(here)}`;
    return `deadline guard ${at}: ${left} of work left and ${ctx.untilDeadlineMs > 0 ? formatDurationMs(ctx.untilDeadlineMs) : 'no time left'} until the deadline minus the margin; ${then} whatever the signal`;
  }
  const next = nextRun(ctx, site0 >= 0 ? 0 : 1);
  const nextText = next ? `next run at ${hhmm(nowMs + next.slot * slotMs)} averages ${g0(next.avgGPerKWh)} vs ${g0(nowG)} now` : 'nothing left to run';
  const finish = hhmm(nowMs + lastRunEnd(sol) * slotMs);
  const full = site0 < 0 && noRoomNow(p) ? `no room on ${p.siteIndexes.map((_, local) => siteName(local)).join(', ')} now (more urgent jobs hold the GPUs)` : undefined;
  switch (ctx.action) {
    case 'pause':
      return full ? `paused ${at}: ${full}; ${nextText}` : `paused ${at}: ${nextText}; ${saves}`;
    case 'start':
      return ctx.policy === 'baseline'
        ? `started ${at} on ${siteName(here)}: the baseline policy runs at submission`
        : `started ${at} on ${siteName(here)}: ${g0(nowG)}/kWh now, plan finishes ${finish}; ${saves}`;
    case 'resume':
      return `resumed ${at} on ${siteName(here)}: ${g0(nowG)}/kWh now, plan finishes ${finish}; ${saves}`;
    case 'migrate': {
      const from = p.start.phase === 'running' ? p.start.site : p.preferredSite;
      return `moved ${at} to ${siteName(here)}: ${g0(nowG)} there vs ${g0(p.intensity[from]![0]!)} on ${siteName(from)}; ${saves}`;
    }
    case 'keep':
      if (site0 >= 0) {
        const exempt = ctx.protectedUntilMs === undefined ? '' : `; protected from planned pauses until ${hhmm(ctx.protectedUntilMs)} (minimum runtime)`;
        return `running on ${siteName(here)}: ${g0(nowG)}/kWh now, plan finishes ${finish}${exempt}`;
      }
      return full ? `waiting ${at}: ${full}; ${nextText}` : `waiting ${at}: ${nextText}; ${saves}`;
  }
}
