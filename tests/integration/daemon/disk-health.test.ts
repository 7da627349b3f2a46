/** The state dir's disk, probed on a real small filesystem: full, read-only, and room again. */
import { isDiskError, probeDisk } from '../../../src/daemon/disk/health';
import { canMountTmpfs, mountSmallFs, type SmallFs } from '../../helpers/small-fs';

const describeMounting = canMountTmpfs() || process.env['CI'] ? describe : describe.skip;

describeMounting('the state dir\'s disk health', () => {
  let small: SmallFs;
  beforeEach(() => { small = mountSmallFs(4 * 1024 * 1024); });
  afterEach(() => small.close());

  it('is fine with room, nearly full when filled, read-only when remounted so, and fine again after', () => {
    expect(probeDisk(small.dir, 1024 * 1024)).toMatchObject({ readOnly: false, problem: null, totalBytes: 4 * 1024 * 1024 });
    small.fill();
    const full = probeDisk(small.dir, 1024 * 1024);
    expect(full.freeBytes).toBeLessThan(1024 * 1024);
    expect(full.problem).toMatch(/is nearly full: 0\.0 MiB free \(below 1\.0 MiB\)/);
    small.free();
    small.readOnly(true);
    expect(probeDisk(small.dir, 1024 * 1024)).toMatchObject({ readOnly: true, problem: expect.stringMatching(/read-only filesystem/) });
    small.readOnly(false);
    expect(probeDisk(small.dir, 1024 * 1024)).toMatchObject({ readOnly: false, problem: null });
  });

  it.each([['ENOSPC', true], ['EDQUOT', true], ['EROFS', true], ['EACCES', false], ['ENOENT', false]])('counts %s as the disk\'s doing: %s', (code, yes) => {
    expect(isDiskError(Object.assign(new Error(code), { code }))).toBe(yes);
  });
});
