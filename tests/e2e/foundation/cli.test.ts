import * as fs from 'node:fs';
import * as path from 'node:path';
import { commands } from '../../../src/cli/commands';
import { isolatedEnv, killAll, runCli } from '../../helpers/processes';
import { entriesOf, makeTempDir, removeDir } from '../../helpers/state-dir';

describe('carbond CLI (built binary)', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(async () => { await killAll(); removeDir(dir); });

  it('lists every registered command with its one-line summary in --help', async () => {
    const r = await runCli(['--help'], isolatedEnv(dir));
    expect(r.code).toBe(0);
    for (const cmd of commands) {
      const name = cmd.command.split(' ')[0] as string;
      expect(r.stdout).toContain(`carbond ${name}`);
    }
    expect(r.stdout).toContain('show the daemon, the ledger, zones and jobs');
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 failure, 2 usage/);
  });

  it('rejects an unknown flag with exit code 2 and names it on stderr', async () => {
    const r = await runCli(['status', '--colour'], isolatedEnv(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown argument: colour');
    expect(r.stdout).toBe('');
  });

  it('rejects an unknown command and a missing command with exit code 2', async () => {
    expect((await runCli(['frobnicate'], isolatedEnv(dir))).code).toBe(2);
    const none = await runCli([], isolatedEnv(dir));
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('a command is required');
  });

  it('answers status with no daemon and no ledger, exit 0, and creates nothing', async () => {
    const state = path.join(dir, 'state');
    const r = await runCli(['status', '--state-dir', state, '--json'], isolatedEnv(dir));
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { source: string; daemon: { running: boolean; pid: unknown }; ledger: { exists: boolean; path: string } };
    expect(report.source).toBe('none');
    expect(report.daemon).toMatchObject({ running: false, pid: null });
    expect(report.ledger).toEqual({ path: path.join(state, 'ledger.sqlite'), exists: false, schemaVersion: null });
    expect(fs.existsSync(state)).toBe(false);
    expect(entriesOf(dir)).toEqual(['config.toml']);
  });

  it('prints the version as text and as JSON', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect((await runCli(['version'], isolatedEnv(dir))).stdout.trim()).toMatch(new RegExp(`^carbond ${pkg.version.replace(/\./g, '\\.')} `));
    expect(JSON.parse((await runCli(['version', '--json'], isolatedEnv(dir))).stdout)).toMatchObject({ version: pkg.version });
    const flag = await runCli(['--version'], isolatedEnv(dir));
    expect(flag.code).toBe(0);
    expect(flag.stdout.trim()).toMatch(new RegExp(`^carbond ${pkg.version.replace(/\./g, '\\.')} `));
  });

  it('config check prints the resolved config with secrets masked', async () => {
    const env = isolatedEnv(dir, {}, '[providers.em]\ntype = "electricity-maps"\ntoken = "tok-123"\n[zones.DE]\nproviders = ["em"]\n[sites.box]\nzone = "DE"\n');
    const r = await runCli(['config', 'check', '--json'], env);
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout) as { providers: Record<string, { token?: string }>; configPath: string };
    expect(config.providers['em']!.token).toBe('********');
    expect(config.configPath).toBe(path.join(dir, 'config.toml'));
    expect(r.stdout).not.toContain('tok-123');
  });

  it('config check names a file provider whose trace file does not exist (exit 2)', async () => {
    const env = isolatedEnv(dir, {}, '[providers.trace]\ntype = "file"\npath = "missing.csv"\n[zones.GB]\nproviders = ["trace"]\n[sites.box]\nzone = "GB"\n');
    const r = await runCli(['config', 'check'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/providers\.trace\.path: .*(not|no such|does not exist)/i);
  });
});
