import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../../src/core/errors';
import { configError, isSecretKey, maskIssue, maskSecrets, MASK } from '../../../src/config/mask';

describe('isSecretKey', () => {
  it.each([
    'token', 'TOKEN', 'authToken', 'sessionToken', 'password', 'passwd', 'passphrase', 'secret', 'clientSecret', 'apiKey', 'apikey',
    'api_key', 'api-key', 'API_KEY', 'key', 'privateKey', 'accessKey', 'auth', 'Authorization', 'credentials', 'private', 'bearer',
  ])('treats %s as a secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'tokenFile', 'tokenEnv', 'passwordFile', 'passwordEnv', 'token_file', 'TOKEN_ENV', 'privateKeyFile', 'username', 'zone',
    'region', 'baseUrl', 'keepCheckpoints', 'signal', 'location', 'type', 'path', 'country', 'colour',
  ])('treats %s as not a secret', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('maskSecrets', () => {
  it('masks secret keys at any depth but treats provider, zone and site names as names, not keys', () => {
    const config = {
      providers: { auth: { type: 'electricity-maps', token: 's3cret', tokenFile: '/run/em-token' } },
      zones: { secret: { providers: ['auth'] } },
      sites: { private: { zone: 'secret', gpus: 2 } },
    };
    expect(maskSecrets(config)).toEqual({
      providers: { auth: { type: 'electricity-maps', token: MASK, tokenFile: '/run/em-token' } },
      zones: { secret: { providers: ['auth'] } },
      sites: { private: { zone: 'secret', gpus: 2 } },
    });
  });

  it('masks the password and the secret-like query parameters of a URL, keeping the rest', () => {
    expect(maskSecrets({ baseUrl: 'https://ada:hunter2@api.example.org/v3?zone=DE&api_key=k123&x=1' }))
      .toEqual({ baseUrl: `https://ada:${MASK}@api.example.org/v3?zone=DE&api_key=${MASK}&x=1` });
  });
});

describe('maskIssue', () => {
  it('masks the value of a secret field and scrubs it out of a message that quotes it', () => {
    const issue = { path: 'providers.em.token', message: "Invalid enum value. Expected 'a' | 'b', received 'abc-secret-123'", value: 'abc-secret-123' };
    expect(maskIssue(issue)).toEqual({ path: 'providers.em.token', message: `Invalid enum value. Expected 'a' | 'b', received '${MASK}'`, value: MASK });
  });

  it('masks the secrets inside a reported object and keeps its other fields', () => {
    const issue = { path: 'providers.em', message: 'bad entry', value: { type: 'electricity-maps', token: ['abc-secret-123'], tokenEnv: 'EM_TOKEN' } };
    expect(maskIssue(issue)).toEqual({ path: 'providers.em', message: 'bad entry', value: { type: 'electricity-maps', token: MASK, tokenEnv: 'EM_TOKEN' } });
  });

  it('leaves an issue that holds no secret as it was, even under an entry named like a secret', () => {
    const issues = [
      { path: 'sites.private.gpus', message: 'Number must be greater than or equal to 0', value: -1 },
      { path: 'providers.em.tokenFile', message: 'Expected string, received number', value: 42 },
      { path: 'scheduler.policy', message: 'unknown policy' },
    ];
    expect(issues.map(maskIssue)).toEqual(issues);
  });
});

describe('configError', () => {
  it('makes a ConfigError whose issues and message are masked', () => {
    const err = configError([{ path: 'providers.wt.password', message: 'Expected string, received number', value: 314159265 }], 'configuration (x.toml)');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues).toEqual([{ path: 'providers.wt.password', message: 'Expected string, received number', value: MASK }]);
    expect(err.message).toBe(`invalid configuration (x.toml):\n  - providers.wt.password: Expected string, received number (got "${MASK}")`);
  });

  it('is the only maker of ConfigError in src/config, so no issue skips the masking', () => {
    const dir = path.join(__dirname, '../../../src/config');
    const makers = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))
      .flatMap((f) => (fs.readFileSync(path.join(dir, f), 'utf8').match(/new ConfigError\(/g) ?? []).map(() => f));
    expect(makers).toEqual(['mask.ts']);
  });
});
