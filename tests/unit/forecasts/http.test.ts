import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { ManualClock } from '../../../src/core/clock';
import { ConfigError, ProviderError } from '../../../src/core/errors';
import { HttpClient } from '../../../forecasts/http/client';
import { FakeProviderServer } from '../../helpers/fake-provider-server';
import { waitFor } from '../../helpers/wait';
import { backoffMs, parseRetryAfterMs } from '../../../forecasts/http/backoff';
import { describeErrorBody } from '../../../forecasts/http/body';
import { RequestBudget } from '../../../forecasts/http/budget';
import { redact, resolveSecret } from '../../../forecasts/http/secrets';

describe('retry timing', () => {
  it.each([
    [0, 0.5, 250],
    [2, 0.5, 1_000],
    [10, 1, 30_000],
    [3, 0, 0],
  ])('backoff for attempt %i with random %f is %i ms', (attempt, random, expected) => {
    expect(backoffMs(attempt, random)).toBe(expected);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2015-10-21T07:27:00Z');
    expect(parseRetryAfterMs('3', now)).toBe(3_000);
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});

describe('request budget', () => {
  it('grants requestsPerHour requests in a rolling hour and says how long until the next slot', () => {
    const budget = new RequestBudget(2);
    expect(budget.take(0)).toBe(0);
    expect(budget.take(600_000)).toBe(0);
    expect(budget.take(1_200_000)).toBe(2_400_000);
    expect(budget.take(3_600_000)).toBe(0);
  });
});

describe('error bodies', () => {
  it('names the title of an HTML page and the message of a JSON error', () => {
    expect(describeErrorBody('<html><head><title>403 Forbidden</title></head></html>', 'text/html')).toBe('HTML error page "403 Forbidden"');
    expect(describeErrorBody('{"error":{"code":"400 Bad Request","message":"No postcode match can be found."}}', 'application/json')).toBe('No postcode match can be found.');
    expect(describeErrorBody('{"title":"ArgumentException","status":400}', 'application/problem+json')).toBe('ArgumentException');
  });
});

describe('secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-secret-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the first line of a private credentials file', () => {
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'abc123\nignored\n', { mode: 0o600 });
    expect(resolveSecret({ file }, 'token', {})).toBe('abc123');
  });

  it('refuses a world-readable credentials file, naming the field and the path', () => {
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'abc123\n');
    fs.chmodSync(file, 0o644);
    expect(() => resolveSecret({ file }, 'token', {})).toThrow(ConfigError);
    expect(() => resolveSecret({ file }, 'token', {})).toThrow(/tokenFile: credentials file is world-readable \(mode 644\)/);
  });

  it('takes the secret from the named environment variable and fails when it is unset', () => {
    expect(resolveSecret({ env: 'EM_TOKEN' }, 'token', { EM_TOKEN: 'from-env' })).toBe('from-env');
    expect(() => resolveSecret({ env: 'EM_TOKEN' }, 'token', {})).toThrow(/tokenEnv: environment variable EM_TOKEN is not set/);
  });

  it('redacts every secret from a text', () => {
    expect(redact('token abcd and abcd, pass wxyz', ['abcd', 'wxyz', undefined])).toBe('token *** and ***, pass ***');
  });
});

describe('aborting (the daemon stops)', () => {
  let server: FakeProviderServer;
  beforeEach(async () => { server = await FakeProviderServer.start(); });
  afterEach(async () => { await server.stop(); });

  const client = (signal: AbortSignal, sleep?: (ms: number) => Promise<void>): HttpClient =>
    new HttpClient({ provider: 'uk', baseUrl: server.baseUrl, timeoutMs: 10_000, retries: 2, requestsPerHour: 100 }, { clock: new ManualClock(0), signal, random: () => 1, ...(sleep ? { sleep } : {}) });

  it('ends a request in flight at once with a non-retryable ProviderError, and sends no retry', async () => {
    server.route('/x', { hang: true });
    const stop = new AbortController();
    const t0 = Date.now();
    const pending = client(stop.signal).getJson({ path: '/x' });
    await waitFor('the request', () => server.requests.length === 1);
    stop.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toBe('uk: aborted: carbond is stopping (GET /x)');
    expect((err as ProviderError).retryable).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });

  it('ends a retry wait at once, and sends nothing once aborted', async () => {
    server.route('/x', { status: 503 });
    const stop = new AbortController();
    const waits: number[] = [];
    const never = (ms: number): Promise<void> => { waits.push(ms); if (waits.length === 1) setTimeout(() => stop.abort(), 10); return new Promise(() => undefined); };
    await expect(client(stop.signal, never).getJson({ path: '/x' })).rejects.toThrow('uk: aborted: carbond is stopping (GET /x)');
    expect(waits).toHaveLength(1);
    await expect(client(stop.signal).getJson({ path: '/x' })).rejects.toThrow(/aborted/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('timeouts', () => {
  let server: FakeProviderServer;
  beforeEach(async () => { server = await FakeProviderServer.start(); });
  afterEach(async () => { await server.stop(); });

  it('times out a request that never answers even when the garbage collector runs meanwhile', async () => {
    // Node's fetch can lose a timeout/abort signal it only follows weakly once a GC runs (nodejs/undici#4068).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    server.route('/x', { hang: true });
    const http = new HttpClient({ provider: 'uk', baseUrl: server.baseUrl, timeoutMs: 300, retries: 0, requestsPerHour: 100 }, { clock: new ManualClock(0), signal: new AbortController().signal });
    const collect = setInterval(gc, 20);
    const t0 = Date.now();
    try {
      await expect(http.getJson({ path: '/x' })).rejects.toThrow('uk: timed out after 300 ms (GET /x)');
    } finally {
      clearInterval(collect);
    }
    expect(Date.now() - t0).toBeLessThan(3_000);
  }, 20_000);

  it('aborts a request that never answers on stop even when the garbage collector runs meanwhile', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    server.route('/x', { hang: true });
    const stop = new AbortController();
    const http = new HttpClient({ provider: 'uk', baseUrl: server.baseUrl, timeoutMs: 60_000, retries: 0, requestsPerHour: 100 }, { clock: new ManualClock(0), signal: stop.signal });
    const collect = setInterval(gc, 20);
    setTimeout(() => stop.abort(), 300);
    const t0 = Date.now();
    try {
      await expect(http.getJson({ path: '/x' })).rejects.toThrow('uk: aborted: carbond is stopping (GET /x)');
    } finally {
      clearInterval(collect);
    }
    expect(Date.now() - t0).toBeLessThan(3_000);
  }, 20_000);
});
