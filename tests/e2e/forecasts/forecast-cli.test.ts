/**
 * End to end: `carbond forecast --json` (the built CLI, spawned) with a config whose
 * providers point at a local server serving recorded API responses returns exactly their
 * values, converted to g/kWh. Needs `npm run build` first (the test script does it).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixture } from '../../contract/forecasts/adapters';
import { FakeProviderServer } from '../../helpers/fake-provider-server';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/carbond');
const HALF_HOUR = 1_800_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function carbond(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: ROOT, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

/** The recorded UK fw48h windows moved (whole half-hours) so the first one contains `nowMs`; values untouched. */
function ukShiftedToNow(nowMs: number): { body: unknown; shiftMs: number } {
  const body = fixture('uk-carbon-intensity/national_fw48h_2024-01-12T0601Z.json') as { data: Array<{ from: string; to: string }> };
  const shiftMs = Math.floor(nowMs / HALF_HOUR) * HALF_HOUR - Date.parse(body.data[0]!.from);
  const move = (t: string): string => new Date(Date.parse(t) + shiftMs).toISOString().slice(0, 16) + 'Z';
  return { body: { data: body.data.map((w) => ({ ...w, from: move(w.from), to: move(w.to) })) }, shiftMs };
}

describe('carbond forecast --json against recorded provider responses', () => {
  let server: FakeProviderServer;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let shiftMs: number;

  beforeAll(async () => {
    server = await FakeProviderServer.start();
    const uk = ukShiftedToNow(Date.now() + 60_000);
    shiftMs = uk.shiftMs;
    server.route((p) => /^\/intensity\/[^/]+\/fw48h$/.test(p), { body: uk.body });
    server.route('/v3/carbon-intensity/forecast', { body: fixture('electricity-maps/forecast_DE.json') });
    server.route('/login', { body: { token: 'jwt-e2e' } });
    server.route('/v3/forecast', { body: fixture('watttime/forecast_CAISO_NORTH.json') });
    server.route('/emissions/forecasts/current', { body: fixture('carbon-aware-sdk/forecasts_current_eastus.json') });
    server.route('/v3/zones', { body: fixture('electricity-maps/zones.json') });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-forecast-e2e-'));
    const tokenFile = path.join(dir, 'emaps.token');
    fs.writeFileSync(tokenFile, 'em-e2e-token\n', { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'config.toml'), [
      '[providers.uk]', 'type = "uk-carbon-intensity"', `baseUrl = "${server.baseUrl}"`, '',
      '[providers.emaps]', 'type = "electricity-maps"', `baseUrl = "${server.baseUrl}/v3"`, `tokenFile = "${tokenFile}"`, '',
      '[providers.wt]', 'type = "watttime"', `baseUrl = "${server.baseUrl}"`, 'username = "carbond"', 'passwordEnv = "WT_PASSWORD"', 'region = "CAISO_NORTH"', '',
      '[providers.casdk]', 'type = "carbon-aware-sdk"', `baseUrl = "${server.baseUrl}"`, 'location = "eastus"', '',
      '[zones.GB]', 'providers = ["uk"]', '[zones.DE]', 'providers = ["emaps"]', '[zones.US-CAL-CISO]', 'providers = ["wt"]', '[zones.US-EAST]', 'providers = ["casdk"]', '',
    ].join('\n'));
    env = { PATH: process.env['PATH'], HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), XDG_CONFIG_HOME: path.join(dir, 'cfg'), WT_PASSWORD: 'wt-e2e-pass', TZ: process.env['TZ'] };
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const forecast = async (zone: string, hours = 48): Promise<{ zone: string; provider: string; signal: string; points: Array<{ start: string; gPerKWh: number; kind: string; issuedAt: string }> }> => {
    const r = await carbond(['forecast', '--zone', zone, '--hours', String(hours), '--json', '--config', path.join(dir, 'config.toml')], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('UK Carbon Intensity: the recorded forecast values, in g/kWh, at their half-hour starts', async () => {
    const out = await forecast('GB');
    expect(out).toMatchObject({ zone: 'GB', provider: 'uk', signal: 'average' });
    expect(out.points.map((p) => p.gPerKWh)).toEqual([293, 301, 304, 306, 305, 305, 308, 309]);
    expect(out.points[0]!.start).toBe(new Date(Date.parse('2024-01-12T06:00Z') + shiftMs).toISOString());
    expect(out.points.every((p) => p.kind === 'forecast' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/.test(p.start))).toBe(true);
  });

  it('Electricity Maps: the recorded-shape forecast, sent with the token from a private file', async () => {
    const out = await forecast('DE');
    expect(out).toMatchObject({ zone: 'DE', provider: 'emaps', signal: 'average' });
    const hourly = (i: number): string => new Date(Date.parse('2023-05-02T20:00:00Z') + i * 3_600_000).toISOString();
    expect(out.points.map((p) => [p.start, p.gPerKWh])).toEqual([557, 552, 540, 521, 505, 498, 502, 516].map((g, i) => [hourly(i), g]));
    expect(out.points[0]!.issuedAt).toBe('2023-05-02T19:52:09.141Z');
    expect(server.requestsTo('/v3/carbon-intensity/forecast')[0]!.headers['auth-token']).toBe('em-e2e-token');
  });

  it('WattTime: lbs/MWh converted with × 0.45359237, marginal signal', async () => {
    const out = await forecast('US-CAL-CISO');
    expect(out).toMatchObject({ provider: 'wt', signal: 'marginal' });
    expect(out.points.map((p) => p.gPerKWh)).toEqual([870.0, 860.5, 855.0, 850.25, 848.0, 851.5].map((v) => v * 0.45359237));
    expect(out.points[1]!.start).toBe('2022-07-15T00:05:00.000Z');
  });

  it('Carbon Aware SDK: forecastData values as served', async () => {
    const out = await forecast('US-EAST');
    expect(out.points.map((p) => p.gPerKWh)).toEqual([547.32, 546.1, 545.67162111, 544.81, 545.2]);
    expect(out.points[0]!.issuedAt).toBe('2022-11-02T10:25:00.000Z');
  });

  it('--hours limits the window and the table for people has a sparkline', async () => {
    expect((await forecast('GB', 1)).points).toHaveLength(2);
    const r = await carbond(['forecast', '--zone', 'DE', '--config', path.join(dir, 'config.toml')], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('zone DE · provider emaps · average signal');
    expect(r.stdout).toMatch(/[▁▂▃▄▅▆▇█]{8}/);
  });

  it('carbond zones lists the configured chains, and with --provider the zones that provider serves', async () => {
    const cfg = ['--config', path.join(dir, 'config.toml'), '--json'];
    const mine = await carbond(['zones', ...cfg], env);
    expect(mine.code).toBe(0);
    expect(JSON.parse(mine.stdout)).toEqual([
      { zone: 'DE', providers: ['emaps'], staleAfterMs: 3_600_000 },
      { zone: 'GB', providers: ['uk'], staleAfterMs: 3_600_000 },
      { zone: 'US-CAL-CISO', providers: ['wt'], staleAfterMs: 3_600_000 },
      { zone: 'US-EAST', providers: ['casdk'], staleAfterMs: 3_600_000 },
    ]);
    const remote = await carbond(['zones', '--provider', 'emaps', ...cfg], env);
    expect(JSON.parse(remote.stdout).slice(0, 2)).toEqual([{ zone: 'AU-NSW', name: 'New South Wales (Australia)' }, { zone: 'DE', name: 'Germany' }]);
  });

  it('exits 3 with every failure named when the chain has no working provider', async () => {
    server.route('/emissions/forecasts/current', { status: 500, body: { title: 'InternalServerError', status: 500 } });
    const r = await carbond(['forecast', '--zone', 'US-EAST', '--json', '--config', path.join(dir, 'config.toml')], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('every provider failed: casdk: HTTP 500: InternalServerError');
  });
});
