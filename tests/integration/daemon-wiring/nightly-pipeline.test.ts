/**
 * Issue 16's pipeline, end to end in one process: `carbond schedule add` (the real CLI code,
 * `main()` against the daemon's socket) of a nightly job `--cron '0 1 * * *' --tz Europe/London
 * --finish-by 07:00`, an in-process daemon (registered extensions: core, schedules, signal on a
 * file provider, planned jobs, …) on a ManualClock with the real local executor running a tiny
 * sh command, the clock stepped night by night across both 2026 DST changes of London, and
 * `carbond wait JOB` (through `main()`) returning each job's exit status.
 *
 * The clock jumps to just before each night of interest and ticks by hand; the job's process
 * runs in real time (it exits at once) and its exit asks the daemon for a tick itself, which
 * records the end at the manual time. Nothing here reads the machine's zone: every instant is
 * UTC, and the schedule names its zone (CI runs the suite with TZ=America/New_York too).
 *
 * London 2026: clocks go forward 29 March 01:00 GMT → 02:00 BST (01:00 local never happens:
 * the occurrence is at the jump, 01:00Z), back 25 October 02:00 BST → 01:00 GMT (01:00 local
 * happens twice, 00:00Z and 01:00Z: one occurrence, at the first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { memoryLogger } from '../../../src/core/logger';
import { loadConfig } from '../../../src/config/load';
import { startDaemon, type DaemonHandle } from '../../../src/daemon/daemon';
import { daemonExtensions } from '../../../src/daemon/extensions';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

jest.setTimeout(60_000);

const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const at = (text: string): number => Date.parse(text);

interface Occurrence { occurrence: string; outcome: string; jobId: string | null; jobState: string | null; reason: string }
interface ScheduleView { id: string; tz: string; finishBy: string; nextOccurrence: string | null; nextDeadline: string | null; occurrences: Occurrence[] }
interface JobDetail {
  id: string; state: string; deadline: string; deadlineMissed: boolean;
  job: { submittedAtMs: number; tags: Record<string, string>; command: string[] };
  runs: Array<{ startedAt: string; endedAt: string | null; exitCode: number | null }>;
}
interface WaitOut { exitCode: number; jobs: Array<{ id: string; state: string; exitStatus: number | null; code: number; reason: string }> }

/** An hourly trace at a flat 200 g/kWh (measured), and a provider forecast issued every 6 h for 48 h: the plan runs each job at once. */
function writeTrace(dir: string): { trace: string; forecast: string } {
  const trace = path.join(dir, 'gb-flat.csv');
  const forecast = path.join(dir, 'gb-flat-forecast.csv');
  const measured = ['timestamp,zone,carbon_intensity'];
  for (let t = at('2026-01-15T00:00:00Z'); t <= at('2026-11-30T00:00:00Z'); t += H) measured.push(`${iso(t)},GB,200`);
  fs.writeFileSync(trace, `${measured.join('\n')}\n`);
  const issued = ['issued_at,timestamp,zone,carbon_intensity'];
  for (const [from, to] of [['2026-03-26T00:00:00Z', '2026-04-01T00:00:00Z'], ['2026-10-21T00:00:00Z', '2026-10-28T00:00:00Z']] as const) {
    for (let issue = at(from); issue <= at(to); issue += 6 * H) {
      for (let t = issue; t < issue + 48 * H; t += H) issued.push(`${iso(issue)},${iso(t)},GB,200`);
    }
  }
  fs.writeFileSync(forecast, `${issued.join('\n')}\n`);
  return { trace, forecast };
}

describe('a nightly pipeline across the 2026 DST changes (schedule add → occurrences → wait)', () => {
  let dir = '';
  let handle: DaemonHandle | undefined;
  let socket = '';
  let statusFile = '';
  let ranFile = '';
  let savedExitCode: typeof process.exitCode;
  let logs: ReturnType<typeof memoryLogger>;

  beforeEach(async () => {
    savedExitCode = process.exitCode;
    dir = makeTempDir('cd-nightly-');
    const { trace, forecast } = writeTrace(dir);
    statusFile = path.join(dir, 'status');
    ranFile = path.join(dir, 'ran');
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, [
      '[providers.flat]', 'type = "file"', `path = ${JSON.stringify(trace)}`, `forecastPath = ${JSON.stringify(forecast)}`,
      '[zones.GB]', 'providers = ["flat"]',
      '[sites.local]', 'zone = "GB"', 'gpus = 1', '',
    ].join('\n'));
    const loaded = loadConfig({ env: {}, uid: 1000, cwd: dir, homeDir: dir, configFlag: config, stateDirFlag: path.join(dir, 'state') });
    socket = loaded.socketPath;
    // Friday 27 March 2026, noon UTC: the first occurrence is Saturday 01:00 GMT.
    handle = await startDaemon(loaded, { clock: new ManualClock(at('2026-03-27T12:00:00Z')), logger: (logs = memoryLogger()), extensions: daemonExtensions, schedule: false, env: {} });
    await handle.ticker.idle();
  });
  afterEach(async () => {
    await handle?.stop('test end');
    handle = undefined;
    removeDir(dir);
    process.exitCode = savedExitCode;
  });

  /** `carbond ARGS --socket S` in-process: its exit code and what it printed. */
  async function carbond(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const { main } = await import('../../../src/cli/main');
    let out = '';
    let err = '';
    const dashes = args.indexOf('--');
    const argv = dashes < 0 ? [...args, '--socket', socket] : [...args.slice(0, dashes), '--socket', socket, ...args.slice(dashes)];
    const code = await main(argv, { stdout: (t) => void (out += `${t}\n`), stderr: (t) => void (err += `${t}\n`) });
    return { code, out, err };
  }
  async function json<T>(args: string[]): Promise<T> {
    const r = await carbond([...args, '--json']);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    return JSON.parse(r.out) as T;
  }
  async function tickAt(text: string): Promise<void> {
    (handle!.ctx.clock as ManualClock).set(at(text));
    await handle!.ticker.request('test');
    await handle!.ticker.idle();
  }
  const show = (id: string): Promise<ScheduleView> => json<ScheduleView>(['schedule', 'show', id]);
  const submittedJobs = async (id: string): Promise<Occurrence[]> => (await show(id)).occurrences.filter((o) => o.outcome === 'submitted');

  /**
   * One night: nothing is submitted a minute before `occurrence`; at it, exactly one job is,
   * submitted at that instant, due by `deadline`, tagged with the schedule; its command runs and
   * `carbond wait` exits with `status`. Returns the job's id.
   */
  async function night(scheduleId: string, occurrence: string, deadline: string, status: number): Promise<string> {
    fs.writeFileSync(statusFile, `${status}\n`);
    const before = (await submittedJobs(scheduleId)).length;
    await tickAt(iso(at(occurrence) - 60_000));
    expect((await submittedJobs(scheduleId)).length).toBe(before);
    await tickAt(occurrence);
    const shown = await show(scheduleId);
    const newest = shown.occurrences[0]!;
    expect(newest).toMatchObject({ occurrence: iso(at(occurrence)), outcome: 'submitted' });
    expect(shown.occurrences.filter((o) => o.outcome === 'submitted')).toHaveLength(before + 1);
    const jobId = newest.jobId!;
    const job = await json<JobDetail>(['show', jobId]);
    expect(job.job.submittedAtMs).toBe(at(occurrence));
    expect(job.deadline).toBe(iso(at(deadline)));
    expect(job.job.tags).toEqual({ schedule: scheduleId });

    const waited = await carbond(['wait', jobId, '--timeout', '30s', '--json']);
    expect({ code: waited.code, err: waited.err }).toEqual({ code: status, err: '' });
    const out = JSON.parse(waited.out) as WaitOut;
    expect(out).toMatchObject({
      exitCode: status,
      jobs: [status === 0
        ? { id: jobId, state: 'finished', exitStatus: 0, code: 0, reason: 'finished' }
        : { id: jobId, state: 'failed', exitStatus: status, code: status, reason: `failed with exit status ${status}` }],
    });
    const ended = await json<JobDetail>(['show', jobId]);
    // One run: the tick that submits the job starts it once (two overlapping ticks once started it twice).
    expect(ended.runs).toHaveLength(1);
    expect(ended.runs[0]).toMatchObject({ startedAt: iso(at(occurrence)), exitCode: status });
    expect(ended.deadlineMissed).toBe(false);
    // The command itself ran, once, as this job.
    expect(fs.readFileSync(ranFile, 'utf8').trim().split('\n').at(-1)).toBe(jobId);
    return jobId;
  }

  it('submits each night at 01:00 London (the jump on 29 March, the first 01:00 on 25 October), due 07:00 London; wait returns each exit status', async () => {
    // The real CLI path; the command reads the night's exit status from a file and notes its job.
    const added = await carbond([
      'schedule', 'add', '--cron', '0 1 * * *', '--tz', 'Europe/London', '--finish-by', '07:00', '--estimate', '30m',
      '--name', 'nightly', '--env', `NIGHTLY_DIR=${dir}`, '--json',
      '--', '/bin/sh', '-c', 'echo "$CARBOND_JOB_ID" >> "$NIGHTLY_DIR/ran"; exit "$(cat "$NIGHTLY_DIR/status")"',
    ]);
    expect({ code: added.code, err: added.err }).toEqual({ code: 0, err: '' });
    const schedule = JSON.parse(added.out) as ScheduleView;
    expect(schedule).toMatchObject({ tz: 'Europe/London', finishBy: '07:00', nextOccurrence: '2026-03-28T01:00:00.000Z', nextDeadline: '2026-03-28T07:00:00.000Z', occurrences: [] });
    const id = schedule.id;

    // Saturday 28 March, GMT: 01:00 local = 01:00Z, due 07:00Z.
    const sat = await night(id, '2026-03-28T01:00:00Z', '2026-03-28T07:00:00Z', 0);
    // Sunday 29 March: 01:00 GMT jumps to 02:00 BST, so 01:00 local never happens: the
    // occurrence is at the jump (01:00Z = 02:00 BST); 07:00 BST = 06:00Z. This night fails.
    const spring = await night(id, '2026-03-29T01:00:00Z', '2026-03-29T06:00:00Z', 3);
    // The spring-forward night's occurrence happens once: later ticks that night add nothing.
    await tickAt('2026-03-29T02:00:00Z');
    await tickAt('2026-03-29T23:00:00Z'); // 00:00 BST on the 30th
    expect(await submittedJobs(id)).toHaveLength(2);
    // Monday 30 March, BST: 01:00 local = 00:00Z, due 06:00Z.
    const mon = await night(id, '2026-03-30T00:00:00Z', '2026-03-30T06:00:00Z', 0);

    // The clock jumps to the autumn. The newest occurrence missed meanwhile (23 October, 00:00Z)
    // can no longer finish by its 06:00Z deadline: it is skipped, never submitted late.
    await tickAt('2026-10-23T23:00:00Z');
    const afterJump = await show(id);
    expect(afterJump.occurrences[0]).toMatchObject({ occurrence: '2026-10-23T00:00:00.000Z', outcome: 'skipped', jobId: null });
    expect(afterJump.occurrences[0]!.reason).toMatch(/cannot finish by its deadline 2026-10-23T06:00:00.000Z/);
    expect(afterJump.nextOccurrence).toBe('2026-10-24T00:00:00.000Z');

    // Saturday 24 October, BST: 01:00 local = 00:00Z, due 06:00Z.
    const oct24 = await night(id, '2026-10-24T00:00:00Z', '2026-10-24T06:00:00Z', 0);
    // Sunday 25 October: 01:00 happens at 00:00Z (BST) and again at 01:00Z (GMT); the job is
    // submitted at the first, once, and due 07:00 GMT = 07:00Z. This night fails too.
    const fall = await night(id, '2026-10-25T00:00:00Z', '2026-10-25T07:00:00Z', 3);
    await tickAt('2026-10-25T00:59:00Z');
    await tickAt('2026-10-25T01:00:00Z'); // the second 01:00 local
    await tickAt('2026-10-25T01:30:00Z');
    const afterFall = await show(id);
    expect(afterFall.occurrences.map((o) => o.occurrence)).not.toContain('2026-10-25T01:00:00.000Z');
    expect(afterFall.nextOccurrence).toBe('2026-10-26T01:00:00.000Z');
    expect(afterFall.nextDeadline).toBe('2026-10-26T07:00:00.000Z');
    // Monday 26 October, GMT again: 01:00 local = 01:00Z, due 07:00Z.
    const oct26 = await night(id, '2026-10-26T01:00:00Z', '2026-10-26T07:00:00Z', 0);

    // The whole history, newest first: one job a night, the autumn jump's skip, nothing else.
    const final = await show(id);
    expect(final.occurrences.map((o) => [o.occurrence, o.outcome, o.jobId, o.jobState])).toEqual([
      ['2026-10-26T01:00:00.000Z', 'submitted', oct26, 'finished'],
      ['2026-10-25T00:00:00.000Z', 'submitted', fall, 'failed'],
      ['2026-10-24T00:00:00.000Z', 'submitted', oct24, 'finished'],
      ['2026-10-23T00:00:00.000Z', 'skipped', null, null],
      ['2026-03-30T00:00:00.000Z', 'submitted', mon, 'finished'],
      ['2026-03-29T01:00:00.000Z', 'submitted', spring, 'failed'],
      ['2026-03-28T01:00:00.000Z', 'submitted', sat, 'finished'],
    ]);
    expect(fs.readFileSync(ranFile, 'utf8').trim().split('\n')).toEqual([sat, spring, mon, oct24, fall, oct26]);
    // Waiting for several jobs at once: the first one (in the order given) that did not finish gives the code.
    const all = await carbond(['wait', sat, spring, mon, '--json']);
    expect(all.code).toBe(3);
    expect((JSON.parse(all.out) as WaitOut).jobs.map((j) => j.code)).toEqual([0, 3, 0]);
    expect(logs.records.filter((r) => r['level'] === 'error')).toEqual([]);
  });
});
