/**
 * `carbond submit` input (flags and `--file JOB.json`) → a JobSpec: every field of the input
 * is checked for its type and bounds before anything is sent, and every problem is reported
 * at once (InputError, exit 2), never a TypeError.
 */
import { InputError } from '../../../src/core/errors';
import { Issues } from '../../../src/core/validation';
import { specFromInput, submitInputFromFile, type SubmitInput } from '../../../src/jobs/submit-args';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const ctx = { nowMs: NOW, localZone: 'UTC', cwd: '/home/a', env: { PATH: '/bin' } };
const good: SubmitInput = { deadline: '2026-11-30T12:00:00Z', command: ['python', 'train.py'] };

function errorOf(input: unknown, earlier?: Issues): InputError {
  try {
    specFromInput(input as SubmitInput, ctx, earlier);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}
const pathsOf = (input: unknown): string[] => errorOf(input).issues.map((i) => i.path);

describe('specFromInput', () => {
  it('builds the spec of good input', () => {
    expect(specFromInput({ ...good, name: 'n', gpus: 1, powerW: 300, tags: { a: 'b' }, estimate: '2h' }, ctx)).toEqual({
      command: ['python', 'train.py'], cwd: '/home/a', env: { PATH: '/bin' }, deadlineMs: Date.parse('2026-11-30T12:00:00Z'),
      name: 'n', gpus: 1, powerW: 300, tags: { a: 'b' }, estimateMs: 7_200_000,
    });
  });

  it.each<[keyof SubmitInput, unknown, RegExp]>([
    ['name', 5, /must be text/],
    ['deadline', 20261130, /must be text/],
    ['finishBy', 7, /must be text/],
    ['tz', 1, /must be text/],
    ['estimate', 5, /must be text/],
    ['sites', 'a', /list of text/],
    ['gpus', 'two', /must be a number/],
    ['powerW', '300', /must be a number/],
    ['mode', 1, /must be text/],
    ['pauseSignal', 15, /must be text/],
    ['checkpointTimeout', 120, /must be text/],
    ['tags', [1], /map names to text/],
    ['command', 'python', /list of text/],
    ['useShell', 'yes', /true or false/],
    ['cwd', 5, /must be text/],
    ['env', 'PATH=/bin', /map names to text/],
    ['name', null, /must be text/],
  ])('rejects %s = %j from a JOB.json, naming the field and the value', (field, value, message) => {
    const input = field === 'finishBy' || field === 'tz' ? { command: good.command, [field]: value } : { ...good, [field]: value };
    const issues = errorOf(input).issues.filter((i) => i.path === field);
    expect(issues).toEqual([{ path: field, message: expect.stringMatching(message), value }]);
  });

  it('reports every wrong field at once, each once', () => {
    expect(pathsOf({ ...good, gpus: 'two', command: 'python', tags: [1], sites: 'a', estimate: 5 }).sort()).toEqual(['command', 'estimate', 'gpus', 'sites', 'tags']);
  });

  it('refuses input that is not an object', () => {
    for (const input of [null, [], 'job', 3]) expect(pathsOf(input)).toEqual(['job']);
  });

  it('bounds what the daemon bounds, before anything is sent: a 10 MB name, a trillion GPUs, a 30-day checkpoint timeout', () => {
    const err = errorOf({ ...good, name: 'n'.repeat(10 * 1_048_576), gpus: 1e12, powerW: Number.POSITIVE_INFINITY, checkpointTimeout: '30d', tags: { k: 'v'.repeat(300) } });
    expect(err.issues.map((i) => i.path)).toEqual(['name', 'gpus', 'powerW', 'tags.k', 'checkpointTimeout']);
    expect(err.issues[4]).toMatchObject({ message: expect.stringMatching(/at most 24h/), value: '30d' });
    expect(err.message.length).toBeLessThan(2_000);
  });

  it('reports a duration too long for a number as a bound, not as Infinity accepted', () => {
    expect(errorOf({ ...good, estimate: '9'.repeat(400) }).issues).toEqual([expect.objectContaining({ path: 'estimate' })]);
  });

  it('reports problems found earlier (in the flags) together with its own, one per field', () => {
    const earlier = new Issues();
    earlier.add('gpus', 'must be a whole number', 'abc');
    const err = errorOf({ ...good, gpus: Number.NaN, name: '' }, earlier);
    expect(err.issues.map((i) => [i.path, i.value])).toEqual([['gpus', 'abc'], ['name', '']]);
  });

  it('refuses --deadline together with --finish-by', () => {
    expect(pathsOf({ ...good, finishBy: '07:00' })).toEqual(['deadline']);
  });
});

describe('submitInputFromFile', () => {
  it('names the file when it is not JSON or not an object', () => {
    expect(() => submitInputFromFile('{', 'job.json')).toThrow(/file: not valid JSON/);
    expect(() => submitInputFromFile('[1]', 'job.json')).toThrow(/file: must hold a JSON object/);
  });
});
