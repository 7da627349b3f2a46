/**
 * The daemon's check of a submitted job (`POST /v1/jobs` body) against values it cannot use:
 * wrong JSON types, sizes that break the socket or the ledger, timers Node cannot hold.
 * Each is an issue naming the field and (a short form of) the value; nothing throws.
 */
import { InputError } from '../../../src/core/errors';
import { MAX_CHECKPOINT_TIMEOUT_MS, MAX_GPUS, MAX_POWER_W } from '../../../src/config/limits';
import { checkJobSpec, compileJob, MAX_COMMAND_WORDS, MAX_JOB_NAME_CHARS, MAX_TAGS, type JobSpec, type SpecContext } from '../../../src/jobs/spec';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const DAY = 86_400_000;
const ctx: SpecContext = { nowMs: NOW, sites: { box1: { gpus: 4096 } }, safetyMarginMs: 30 * 60_000, checkpointTimeoutMs: 120_000, pauseOverheadMs: 300_000 };
const good: JobSpec = { command: ['python', 'train.py'], cwd: '/home/a', deadlineMs: NOW + 10 * 3_600_000, estimateMs: 6 * 3_600_000 };
const ids = { id: 'j1', owner: 'ann', uid: 1000, gid: 1000, checkpointDir: '/c/j1' };

/** Issues of a body that may hold anything (as JSON from the socket does). */
const issuesOf = (body: unknown): Array<{ path: string; message: string; value?: unknown }> => [...checkJobSpec(body as JobSpec, ctx).all];

describe('checkJobSpec against values the daemon cannot use', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a name that is not text', { name: 5 }, 'name', /must be text/],
    ['an empty name', { name: '' }, 'name', /1 to 200 characters/],
    ['a name with a terminal escape', { name: 'x\u001b[2Jy' }, 'name', /control character/],
    ['a command that is one string', { command: 'python' }, 'command', /list of words/],
    ['a command word with a NUL byte', { command: ['python', 'a\u0000b'] }, 'command', /NUL/],
    ['useShell that is not true or false', { useShell: 'yes' }, 'useShell', /true or false/],
    ['a cwd with a NUL byte', { cwd: '/home/a\u0000' }, 'cwd', /NUL/],
    ['sites that is one string', { sites: 'box1' }, 'sites', /list of site names/],
    ['a site name that is not text', { sites: [1] }, 'sites', /list of site names/],
    ['gpus as words', { gpus: 'two' }, 'gpus', /whole number from 0 to 4096/],
    ['a trillion GPUs', { gpus: 1e12 }, 'gpus', /whole number from 0 to 4096/],
    ['infinite power', { powerW: Number.POSITIVE_INFINITY }, 'powerW', /1000000/],
    ['absurd power', { powerW: 1e9 }, 'powerW', /1000000/],
    ['power as text', { powerW: '300' }, 'powerW', /watts/],
    ['a checkpoint timeout Node cannot time', { checkpointTimeoutMs: 30 * DAY }, 'checkpointTimeout', /at most 24h/],
    ['a pause signal that is not text', { pauseSignal: 15 }, 'pauseSignal', /signal name/],
    ['tags that are a list', { tags: [1] }, 'tags', /map names to strings/],
    ['a deadline years ahead', { deadlineMs: NOW + 400 * DAY }, 'deadline', /366 days/],
    ['a deadline as text', { deadlineMs: '2026-12-01T00:00:00Z' }, 'deadline', /missing or not a time/],
    ['an estimate as text', { estimateMs: '6h' }, 'estimate', /positive duration/],
  ])('rejects %s, naming the field', (_what, change, field, message) => {
    const issues = issuesOf({ ...good, ...change });
    expect(issues.map((i) => i.path)).toEqual([field]);
    expect(issues[0]!.message).toMatch(message);
  });

  it('reports a deadline far in the past without throwing (no Invalid time value)', () => {
    const issues = issuesOf({ ...good, deadlineMs: -1e300 });
    expect(issues).toEqual([expect.objectContaining({ path: 'deadline', message: expect.stringMatching(/in the past/) })]);
  });

  it('refuses a body that is not a job object', () => {
    for (const body of [null, 5, 'job', [good], true]) {
      expect(issuesOf(body)).toEqual([expect.objectContaining({ path: 'job', message: expect.stringMatching(/JSON object/) })]);
    }
  });

  it('bounds the sizes of the name, the command and the tags, and shows a long value short', () => {
    const name = 'n'.repeat(10 * 1_048_576);
    const issues = issuesOf({
      ...good, name,
      command: Array.from({ length: MAX_COMMAND_WORDS + 1 }, () => 'w'),
      tags: Object.fromEntries(Array.from({ length: MAX_TAGS + 1 }, (_, i) => [`k${i}`, 'v'])),
    });
    expect(issues.map((i) => i.path)).toEqual(['name', 'command', 'tags']);
    expect(issues[0]!.message).toMatch(new RegExp(`1 to ${MAX_JOB_NAME_CHARS} characters`));
    expect(JSON.stringify(issues).length).toBeLessThan(2_000);
    expect(issuesOf({ ...good, command: ['python', 'x'.repeat(200_000)] })).toEqual([expect.objectContaining({ path: 'command', message: expect.stringMatching(/131072 bytes/) })]);
    expect(issuesOf({ ...good, tags: { ['k'.repeat(65)]: 'v' } })).toEqual([expect.objectContaining({ path: 'tags', message: expect.stringMatching(/64 characters/) })]);
    expect(issuesOf({ ...good, tags: { k: 'v'.repeat(257) } })).toEqual([expect.objectContaining({ path: 'tags.k', message: expect.stringMatching(/256 characters/) })]);
  });

  it('accepts the limits themselves', () => {
    const job = compileJob({
      ...good, name: 'n'.repeat(MAX_JOB_NAME_CHARS), gpus: MAX_GPUS, powerW: MAX_POWER_W, checkpointTimeoutMs: MAX_CHECKPOINT_TIMEOUT_MS,
      deadlineMs: NOW + 366 * DAY, tags: Object.fromEntries(Array.from({ length: MAX_TAGS }, (_, i) => [`k${i}`, 'v'.repeat(256)])),
    }, ctx, ids);
    expect(job).toMatchObject({ gpus: 4096, powerW: 1_000_000, checkpointTimeoutMs: 86_400_000 });
  });

  it('throws an InputError (exit 2) naming every field, for types and bounds together', () => {
    let err: unknown;
    try { compileJob({ ...good, gpus: 'two', command: 'python', tags: [1], sites: 'a', checkpointTimeoutMs: 30 * DAY } as unknown as JobSpec, ctx, ids); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).issues.map((i) => i.path).sort()).toEqual(['checkpointTimeout', 'command', 'gpus', 'sites', 'tags']);
  });
});

describe('a job\'s default name', () => {
  it.each([
    [['/usr/bin/python3', 'x'], 'python3'],
    [['/'], 'job'],
    [['dir/'], 'dir'],
    [['a\u001bb'], 'a?b'],
    [['p'.repeat(300)], 'p'.repeat(MAX_JOB_NAME_CHARS)],
  ])('of %j is %j: never empty, never longer than a name may be, no control characters', (command, name) => {
    expect(compileJob({ ...good, command }, ctx, ids).name).toBe(name);
  });
});
