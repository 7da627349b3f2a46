/**
 * The README's install path: `npm pack` this checkout (after `npm run build`, as `npm test`
 * does), `npm install -g --prefix TMP` the tarball, then run the installed copy. A real
 * install: dependencies come from the npm registry (or the local npm cache), better-sqlite3
 * compiles from source where no prebuilt binary downloads (about 2–3 min on 2 cores), and
 * carbond's postinstall builds its native addon from the shipped source. Optional
 * dependencies (tfjs-node, which downloads libtensorflow) are left out, as the README says.
 * Slow on purpose: copying node_modules from the checkout would not test the package.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../../helpers/processes';
import { makeTempDir, removeDir } from '../../helpers/state-dir';

const REPO = path.join(__dirname, '../../..');

describe('npm pack, installed globally', () => {
  let dir: string;
  beforeAll(() => { dir = makeTempDir('carbond-pack-'); });
  afterAll(() => removeDir(dir));

  it('installs from the tarball and the installed carbond runs: version, install --dry-run, the native addon', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    for (const f of ['bin/carbond', 'dist/src/cli/main.js', 'native/carbond_native.c', 'scripts/build-native.js', 'python/carbond_job.py', 'README.md']) expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('tests/') || f.startsWith('src/') || f.startsWith('native/build/'))).toBe(false);

    const prefix = path.join(dir, 'global');
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--omit=optional', '--no-audit', '--no-fund', path.join(dir, packed[0]!.filename)], { cwd: dir, stdio: 'pipe', timeout: 540_000 });
    const installed = path.join(prefix, 'lib', 'node_modules', 'carbond');
    expect(fs.existsSync(path.join(installed, 'native', 'build', 'carbond_native.node'))).toBe(true);

    const bin = path.join(prefix, 'bin', 'carbond');
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    // `carbond version` (the CLI has no --version flag: src/cli/main.ts turns yargs' off)
    expect(execFileSync(bin, ['version'], { encoding: 'utf8', env: isolatedEnv(dir) })).toContain(pkg.version);

    const staged = path.join(dir, 'staged');
    fs.mkdirSync(staged);
    const dry = execFileSync(bin, ['install', '--dry-run', '--prefix', staged], { encoding: 'utf8', env: isolatedEnv(dir) });
    expect(dry).toContain(`ExecStart: ${process.execPath} ${fs.realpathSync(path.join(installed, 'bin', 'carbond'))} daemon`);
    expect(fs.readdirSync(staged)).toEqual([]);

    const doctor = JSON.parse(execFileSync(bin, ['doctor', '--json', '--state-dir', path.join(dir, 'state')], { encoding: 'utf8', env: isolatedEnv(dir, {}, '[providers.s]\ntype = "static"\ncountry = "GB"\n[zones.GB]\nproviders = ["s"]\n[sites.box]\nzone = "GB"\n') })) as { checks: Array<{ name: string; status: string }> };
    expect(doctor.checks.find((c) => c.name === 'native-addon')?.status).toBe('ok');
  }, 600_000);
});
