import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../src/core/errors';
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
