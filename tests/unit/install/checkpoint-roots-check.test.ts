/** `carbond doctor`'s check of the sites' checkpoint roots (docs/sites.md): the daemon's start refuses what it fails. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkpointRootsCheck } from '../../../src/install/doctor-local';
import type { SiteConfig } from '../../../src/config/types';

const site = (checkpointRoot?: string): SiteConfig => ({ executor: 'local', zone: 'GB', gpus: 1, idlePowerW: 50, gpuPowerW: 300, cpuPowerW: 65, ...(checkpointRoot ? { checkpointRoot } : {}) });

describe('doctor: checkpoint roots', () => {
  let dir: string;
  const uid = process.getuid?.() ?? 0;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-roots-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('skips without roots, passes a private one, warns for a missing one and fails one that others can write or a link', () => {
    expect(checkpointRootsCheck({ sites: { a: site() } }, uid).status).toBe('skip');
    const good = path.join(dir, 'good');
    fs.mkdirSync(good, { mode: 0o711 });
    fs.chmodSync(good, 0o711);
    expect(checkpointRootsCheck({ sites: { a: site(good) } }, uid)).toMatchObject({ status: 'ok', detail: `a: ${good}` });
    expect(checkpointRootsCheck({ sites: { a: site(good), b: site(path.join(dir, 'later')) } }, uid)).toMatchObject({ status: 'warn', detail: expect.stringMatching(/site b: .*later does not exist yet/) });
    const open = path.join(dir, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    fs.symlinkSync(good, path.join(dir, 'link'));
    const r = checkpointRootsCheck({ sites: { a: site(open), b: site(path.join(dir, 'link')), c: site(good) } }, uid);
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/site a: .*open can be written by others \(mode 777\); site b: .*link is not a directory/);
    expect(r.fix).toMatch(/chmod 0711/);
    expect(checkpointRootsCheck({ sites: { a: site(good) } }, uid + 1)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/belongs to uid/) });
  });
});
