/**
 * `carbond submit` parsed in-process exactly as the binary parses it (`main`), with the daemon
 * call replaced: bad flags and bad JOB.json fields end in exit 2 naming each field, and only a
 * well-formed body is ever sent.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { callDaemon } from '../../../src/cli/daemon-client';

jest.mock('../../../src/cli/daemon-client', () => ({
  ...jest.requireActual('../../../src/cli/daemon-client'),
  callDaemon: jest.fn(),
}));
const daemon = callDaemon as jest.MockedFunction<typeof callDaemon>;

describe('carbond submit', () => {
  let dir: string;
  const saved = { config: process.env['CARBOND_CONFIG'], exitCode: process.exitCode };
  const deadline = (): string => new Date(Date.now() + 12 * 3_600_000).toISOString();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-submit-'));
    fs.writeFileSync(path.join(dir, 'config.toml'), '');
    process.env['CARBOND_CONFIG'] = path.join(dir, 'config.toml');
    daemon.mockReset();
    daemon.mockImplementation(async (_socket, request) => ({ id: 'j1', name: (request.body as { name?: string }).name ?? 'x', deadline: 'd', state: 'queued' }));
  });
  afterEach(() => {
    if (saved.config === undefined) delete process.env['CARBOND_CONFIG'];
    else process.env['CARBOND_CONFIG'] = saved.config;
    process.exitCode = saved.exitCode;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function submit(...args: string[]): Promise<{ code: number; stderr: string; body: Record<string, unknown> | undefined }> {
    let stderr = '';
    const code = await main(['submit', '--state-dir', dir, ...args], { stdout: () => undefined, stderr: (t) => { stderr += `${t}\n`; } });
    const body = daemon.mock.calls[0]?.[1].body as Record<string, unknown> | undefined;
    return { code, stderr, body };
  }
  const jobFile = (fields: Record<string, unknown>): string => {
    const file = path.join(dir, 'job.json');
    fs.writeFileSync(file, JSON.stringify(fields));
    return file;
  };

  it('sends a well-formed job for good flags', async () => {
    const r = await submit('--name', 'n', '--deadline', deadline(), '--gpus', '2', '--power-w', '350.5', '--tag', 'a=b', '--', 'python', 'train.py');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.body).toMatchObject({ name: 'n', gpus: 2, powerW: 350.5, tags: { a: 'b' }, command: ['python', 'train.py'] });
  });

  it.each([
    [['--gpus', 'abc'], /gpus: must be a whole number[^\n]*"abc"/],
    [['--gpus', '1.5'], /gpus: must be a whole number[^\n]*"1.5"/],
    [['--gpus', ''], /gpus: must be a whole number/],
    [['--gpus', '1e400'], /gpus: must be a whole number/],
    [['--power-w', 'lots'], /powerW: must be a number of watts[^\n]*"lots"/],
    [['--power-w', 'Infinity'], /powerW: must be a number of watts/],
  ])('refuses %j with exit 2 naming the field and the value, sending nothing', async (flags, message) => {
    const r = await submit('--deadline', deadline(), ...flags, '--', 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(daemon).not.toHaveBeenCalled();
  });

  it.each([
    [['--name', 'a', '--name', 'b'], /name: is given more than once/],
    [['--gpus', '1', '--gpus', '2'], /gpus: is given more than once/],
    [['--no-name'], /name: must be a value/],
    [['--name.first', 'x'], /Unknown argument|name: must be a value/],
  ])('refuses %j rather than keeping one value silently', async (flags, message) => {
    const r = await submit('--deadline', deadline(), ...flags, '--', 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(daemon).not.toHaveBeenCalled();
  });

  it('refuses --deadline and --finish-by given together on the command line', async () => {
    const r = await submit('--deadline', deadline(), '--finish-by', '07:00', '--', 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/deadline.*finish-by|finish-by.*deadline/);
    expect(daemon).not.toHaveBeenCalled();
  });

  it('lets a flag override the file\'s deadline or finish-by, either way round', async () => {
    const fromFlag = await submit('--file', jobFile({ deadline: '2001-01-01T00:00:00Z', command: ['true'] }), '--finish-by', '07:00', '--tz', 'UTC');
    expect(fromFlag.code).toBe(0);
    expect(new Date(fromFlag.body!['deadlineMs'] as number).toISOString()).toMatch(/T07:00:00\.000Z$/);
    daemon.mockClear();
    const at = deadline();
    const other = await submit('--file', jobFile({ finishBy: 'soon', command: ['true'] }), '--deadline', at);
    expect(other.code).toBe(0);
    expect(other.body!['deadlineMs']).toBe(Date.parse(at));
  });

  it('refuses a JOB.json with wrong types, naming every field at once, not a TypeError', async () => {
    const file = jobFile({ gpus: 'two', command: 'python', tags: 'ab', sites: 'a', estimate: 5, env: 'X=1', deadline: deadline() });
    const r = await submit('--file', file, '--tag', 'k=v');
    expect(r.code).toBe(2);
    for (const field of ['gpus', 'command', 'tags', 'sites', 'estimate', 'env']) expect(r.stderr).toMatch(new RegExp(`- ${field}: `));
    expect(r.stderr).not.toMatch(/TypeError|is not a function/);
    expect(daemon).not.toHaveBeenCalled();
  });

  it('refuses a JOB.json that cannot be read, naming the file', async () => {
    const r = await submit('--file', path.join(dir, 'absent.json'), '--deadline', deadline(), '--', 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/file: cannot be read \(ENOENT\)/);
    expect((await submit('--file', dir, '--deadline', deadline(), '--', 'true')).stderr).toMatch(/file: cannot be read \(EISDIR\)/);
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, `{"name": "${'x'.repeat(1_048_576)}"}`);
    const tooBig = await submit('--file', big, '--deadline', deadline(), '--', 'true');
    expect(tooBig).toMatchObject({ code: 2, stderr: expect.stringMatching(/file: is larger than 1048576 bytes/) });
  });

  it('refuses a 10 MB --name before sending anything, showing it short', async () => {
    const r = await submit('--name', 'n'.repeat(10 * 1_048_576), '--deadline', deadline(), '--', 'true');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name: must be 1 to 200 characters/);
    expect(r.stderr.length).toBeLessThan(2_000);
    expect(daemon).not.toHaveBeenCalled();
  });
});
