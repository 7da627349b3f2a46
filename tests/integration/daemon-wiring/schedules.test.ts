/**
 * Recurring schedules in a real daemon (in-process, registered extensions, ManualClock, ticks
 * driven by hand): add through the socket, occurrences become jobs linked to the schedule at the
 * first tick at or after their time, a restart after days down submits only the newest occurrence,
 * remove stops them; another user can neither see nor remove the schedule.
 */
import { callDaemon, type DaemonRequest } from '../../../src/cli/daemon-client';
import { ManualClock } from '../../../src/core/clock';
import { httpStatusOf, matchRoute } from '../../../src/daemon/api/routes';
import type { DaemonHandle } from '../../../src/daemon/daemon';
import { sampleDaemonPerTest, T0_SAMPLE } from '../../helpers/sample-daemon';

interface View { id: string; nextOccurrence: string | null; nextDeadline: string | null; removedAt: string | null; occurrences: Array<{ occurrence: string; outcome: string; jobId: string | null; reason: string }> }
interface JobView { id: string; deadline: string; job: { tags: Record<string, string>; command: string[]; uid: number } }

const uid = process.getuid!();

describe('recurring schedules in the daemon', () => {
  const daemon = sampleDaemonPerTest();
  const api = <T>(h: DaemonHandle, req: DaemonRequest): Promise<T> => callDaemon<T>(h.ctx.config.socketPath, req);
  const clockOf = (h: DaemonHandle): ManualClock => h.ctx.clock as ManualClock;
  async function tickAt(h: DaemonHandle, iso: string): Promise<void> {
    clockOf(h).set(Date.parse(iso));
    await h.ticker.request('test');
    await h.ticker.idle();
  }
  /** A route handler called with a chosen caller (the socket always gives this process's uid). */
  async function asUser(h: DaemonHandle, asUid: number, method: string, path: string): Promise<number> {
    const found = matchRoute(h.routes, method, path)!;
    try {
      await found.route.handler(h.ctx, { caller: { uid: asUid, gid: asUid, pid: 1 }, params: found.params, query: new URLSearchParams(), body: undefined, headers: {} });
      return 200;
    } catch (err) {
      return httpStatusOf(err);
    }
  }
  const body = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    cron: '30 7 * * *', tz: 'Europe/London', finishBy: '18:00', job: { command: ['/bin/true'], cwd: daemon.dir(), estimateMs: 2 * 3_600_000, powerW: 200, env: { SECRET: 'x' } }, ...over,
  });

  it('submits each occurrence as a job tagged with its schedule, once, and none after remove', async () => {
    const h = await daemon.start(); // now 2030-01-07T06:00Z (London: GMT)
    expect(T0_SAMPLE).toBe(Date.parse('2030-01-07T06:00:00Z'));
    const added = await api<View & { job: { envNames: string[]; env?: unknown } }>(h, { method: 'POST', path: '/v1/schedules', body: body() });
    expect(added).toMatchObject({ nextOccurrence: '2030-01-07T07:30:00.000Z', nextDeadline: '2030-01-07T18:00:00.000Z', occurrences: [] });
    expect(added.job.envNames).toEqual(['SECRET']);
    expect(added.job.env).toBeUndefined();

    await tickAt(h, '2030-01-07T07:29:00Z');
    expect((await api<View>(h, { path: `/v1/schedules/${added.id}` })).occurrences).toEqual([]);
    await tickAt(h, '2030-01-07T07:30:00Z');
    await tickAt(h, '2030-01-07T07:31:00Z'); // a second tick: the same occurrence is not submitted again
    const shown = await api<View>(h, { path: `/v1/schedules/${added.id}` });
    expect(shown.occurrences).toEqual([expect.objectContaining({ occurrence: '2030-01-07T07:30:00.000Z', outcome: 'submitted' })]);
    const job = await api<JobView>(h, { path: `/v1/jobs/${shown.occurrences[0]!.jobId}` });
    expect(job.job.tags).toEqual({ schedule: added.id });
    expect(job.deadline).toBe('2030-01-07T18:00:00.000Z');
    expect(job.job.uid).toBe(uid);

    const removed = await api<View>(h, { method: 'DELETE', path: `/v1/schedules/${added.id}` });
    expect(removed.removedAt).toBe('2030-01-07T07:31:00.000Z');
    await tickAt(h, '2030-01-08T07:30:00Z');
    expect((await api<View>(h, { path: `/v1/schedules/${added.id}` })).occurrences).toHaveLength(1);
    const jobs = await api<{ jobs: Array<{ id: string }> }>(h, { path: '/v1/jobs' });
    expect(jobs.jobs).toHaveLength(1);
  });

  it('after days without ticks submits only the newest occurrence that can still finish, and skips the rest', async () => {
    const h = await daemon.start();
    const added = await api<View>(h, { method: 'POST', path: '/v1/schedules', body: body({ cron: '0 8 * * *', finishBy: undefined, withinMs: 3 * 3_600_000 }) });
    await tickAt(h, '2030-01-10T08:30:00Z'); // 7th, 8th, 9th missed; the 10th's job (2 h + margin) fits before 11:00
    await tickAt(h, '2030-01-11T10:00:00Z'); // the 11th: 10:00 + 2 h > 11:00
    const shown = await api<View>(h, { path: `/v1/schedules/${added.id}` });
    expect(shown.occurrences.map((o) => [o.occurrence, o.outcome])).toEqual([
      ['2030-01-11T08:00:00.000Z', 'skipped'],
      ['2030-01-10T08:00:00.000Z', 'submitted'],
    ]);
    expect(shown.occurrences[0]!.reason).toMatch(/cannot finish by its deadline 2030-01-11T11:00:00.000Z/);
  });

  it('refuses bad input naming each field, and lets only the owner or root see or remove a schedule', async () => {
    const h = await daemon.start();
    await expect(api(h, { method: 'POST', path: '/v1/schedules', body: body({ cron: '61 * * * *', tz: 'Mars/Olympus', withinMs: 3_600_000, job: { command: ['x'], cwd: daemon.dir(), tags: { schedule: 'mine' } } }) }))
      .rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/cron[\s\S]*61 \* \* \* \*[\s\S]*tz[\s\S]*Mars\/Olympus[\s\S]*finishBy[\s\S]*exactly one[\s\S]*job\.tags\.schedule/) });
    await expect(api(h, { method: 'POST', path: '/v1/schedules', body: body({ finishBy: undefined, withinMs: 3_600_000 }) }))
      .rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/job\.estimate[\s\S]*cannot fit before the deadline/) });
    const added = await api<View>(h, { method: 'POST', path: '/v1/schedules', body: body() });
    const other = uid === 0 ? 4242 : uid + 1;
    expect(await asUser(h, other, 'GET', `/v1/schedules/${added.id}`)).toBe(403);
    expect(await asUser(h, other, 'DELETE', `/v1/schedules/${added.id}`)).toBe(403);
    const list = matchRoute(h.routes, 'GET', '/v1/schedules')!;
    const theirs = await list.route.handler(h.ctx, { caller: { uid: other, gid: other, pid: 1 }, params: {}, query: new URLSearchParams(), body: undefined, headers: {} });
    expect(theirs).toEqual({ schedules: [] });
    expect(await asUser(h, 0, 'GET', `/v1/schedules/${added.id}`)).toBe(200);
    expect((await api<View>(h, { path: `/v1/schedules/${added.id}` })).removedAt).toBeNull();
  });
});
