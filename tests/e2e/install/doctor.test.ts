/**
 * `carbond doctor` on a good and a broken state dir. The providers are a local HTTP server
 * (no remote network); nvidia-smi, RAPL and the clock are whatever this box has, so only
 * their presence in the report is asserted.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { isolatedEnv, runCli } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

interface Report { ok: boolean; checks: Array<{ name: string; status: string; detail: string; fix?: string }> }

describe('carbond doctor', () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => { res.statusCode = 404; res.end('{}'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((r) => server.close(r)); });
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  const config = (): string => `[providers.caw]\ntype = "carbon-aware-sdk"\nbaseUrl = "${url}"\nlocation = "westeurope"\n[zones.NL]\nproviders = ["caw"]\n[sites.box]\nzone = "NL"\n`;
  const byName = (r: Report, name: string): Report['checks'][number] | undefined => r.checks.find((c) => c.name === name);

  it('passes a good state dir: config valid, modes right, provider reachable; exit 0', async () => {
    const state = path.join(dir, 'state');
    fs.mkdirSync(state, { mode: 0o700 });
    fs.chmodSync(state, process.getuid?.() === 0 ? 0o711 : 0o700);
    const r = await runCli(['doctor', '--json', '--state-dir', state], isolatedEnv(dir, {}, config()));
    const report = JSON.parse(r.stdout) as Report;
    expect(byName(report, 'config')?.status).toBe('ok');
    expect(byName(report, 'state-dir')?.status).toBe('ok');
    expect(byName(report, 'provider caw')).toMatchObject({ status: 'ok', detail: expect.stringContaining('HTTP 404') });
    expect(byName(report, 'disk')?.status).toBe('ok');
    for (const name of ['socket', 'nvidia-smi', 'rapl', 'slurm', 'clock', 'native-addon']) expect(byName(report, name)).toBeDefined();
    expect(byName(report, 'slurm')?.status).toBe('skip');
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.ok).toBe(true);
  });

  it('fails a broken state dir and a broken config with a fix for each; exit 1', async () => {
    const state = path.join(dir, 'state');
    fs.mkdirSync(state);
    fs.chmodSync(state, 0o777);
    fs.writeFileSync(path.join(state, 'ledger.sqlite'), '');
    fs.chmodSync(path.join(state, 'ledger.sqlite'), 0o644);
    const env = isolatedEnv(dir, {}, `${config()}[sites.bad]\nzone = "NOWHERE"\n`);
    const r = await runCli(['doctor', '--json', '--state-dir', state], env);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.ok).toBe(false);
    expect(byName(report, 'config')).toMatchObject({ status: 'fail', fix: expect.stringContaining('carbond config check') });
    expect(byName(report, 'state-dir')).toMatchObject({ status: 'fail', detail: expect.stringContaining('is 0777'), fix: expect.stringContaining('chmod') });
    expect(byName(report, 'state-dir')?.detail).toContain('ledger.sqlite is 0644, not 0600');

    const text = await runCli(['doctor', '--state-dir', state], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^FAIL {2}state-dir/m);
    expect(text.stdout).toMatch(/fix: chmod/);
    expect(text.stdout).toMatch(/\d+ ok, \d+ warnings?, 2 failed, \d+ skipped/);
  });
});
