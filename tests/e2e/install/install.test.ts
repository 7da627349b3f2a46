/**
 * `carbond install` with --prefix (never into / from a test): dry run changes nothing; a real
 * run creates the dirs with ADR 0012 modes, a config skeleton carbond accepts, and a unit
 * whose ExecStart is this node and this checkout's CLI; a second run changes nothing.
 * `systemd-analyze verify` checks the unit where the command exists (it does on Debian CI
 * images with systemd installed, and here); elsewhere that one assertion is skipped, loudly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv, runCli } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const CLI = fs.realpathSync(path.join(__dirname, '../../../bin/carbond'));
const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { stdio: 'ignore' }).status === 0;

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(`${path.relative(dir, p)} ${(fs.statSync(p).mode & 0o777).toString(8)}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

const mode = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);

describe('carbond install', () => {
  let dir: string;
  let root: string;
  beforeEach(() => { dir = makeTempDir(); root = path.join(dir, 'root'); fs.mkdirSync(root); });
  afterEach(() => removeDir(dir));

  it('--dry-run prints every action and changes nothing', async () => {
    const r = await runCli(['install', '--dry-run', '--prefix', root], isolatedEnv(dir));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tree(root)).toEqual([]);
    expect(r.stdout).toContain('dry run: nothing changed');
    for (const p of ['etc/carbond/config.toml', 'var/lib/carbond', 'etc/systemd/system/carbond.service']) expect(r.stdout).toContain(`would create  ${p.includes('.') ? 'file' : 'dir'} ${path.join(root, p)}`);
    expect(r.stdout).toContain(`ExecStart: ${process.execPath} ${CLI} daemon`);
  });

  it('--prefix creates the dirs with their modes, a valid config skeleton and a unit for this node and CLI; a second run changes nothing', async () => {
    const env = isolatedEnv(dir);
    const r = await runCli(['install', '--prefix', root, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { actions: Array<{ kind: string; outcome: string }> };
    expect(out.actions.map((a) => `${a.kind}:${a.outcome}`)).toEqual(['group:skip', 'dir:create', 'file:create', 'dir:create', 'file:create']);
    expect(mode(path.join(root, 'var/lib/carbond'))).toBe('711');
    expect(mode(path.join(root, 'etc/carbond'))).toBe('755');
    expect(mode(path.join(root, 'etc/carbond/config.toml'))).toBe('600');
    const unit = fs.readFileSync(path.join(root, 'etc/systemd/system/carbond.service'), 'utf8');
    expect(unit).toContain(`\nExecStart=${process.execPath} ${CLI} daemon\n`);

    const check = await runCli(['config', 'check', '--json', '--config', path.join(root, 'etc/carbond/config.toml')], env);
    expect(check.code).toBe(0);

    fs.appendFileSync(path.join(root, 'etc/carbond/config.toml'), '# mine\n');
    const again = await runCli(['install', '--prefix', root, '--json'], env);
    expect((JSON.parse(again.stdout) as typeof out).actions.map((a) => a.outcome)).toEqual(['skip', 'ok', 'keep', 'ok', 'ok']);
    expect(fs.readFileSync(path.join(root, 'etc/carbond/config.toml'), 'utf8')).toContain('# mine');
  });

  it('--user puts the config, state dir and a user unit under the XDG dirs, 0700', async () => {
    const env = isolatedEnv(dir);
    const r = await runCli(['install', '--user', '--prefix', root], env);
    expect(r.code).toBe(0);
    const xdg = path.join(root, dir, 'xdg-config');
    expect(mode(path.join(xdg, 'carbond'))).toBe('700');
    expect(mode(path.join(root, dir, 'xdg-state', 'carbond'))).toBe('700');
    expect(fs.readFileSync(path.join(xdg, 'systemd/user/carbond.service'), 'utf8')).toContain('WantedBy=default.target');
  });

  it('refuses a path that is in the way, changing nothing (exit 1)', async () => {
    fs.mkdirSync(path.join(root, 'var/lib'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib/carbond'), 'not a dir');
    const r = await runCli(['install', '--prefix', root], isolatedEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a directory: nothing was changed');
    expect(fs.existsSync(path.join(root, 'etc'))).toBe(false);
  });

  (hasAnalyze ? it : it.skip)('the unit passes systemd-analyze verify', async () => {
    await runCli(['install', '--prefix', root], isolatedEnv(dir));
    const unit = path.join(root, 'etc/systemd/system/carbond.service');
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.includes('carbond.service'))).toEqual([]);
    expect(r.status).toBe(0);
    expect(execFileSync('systemd-analyze', ['verify', path.join(__dirname, '../../../packaging/carbond.service')]).length).toBe(0);
  });
});
