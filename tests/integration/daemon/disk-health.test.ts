/** The state dir's disk, probed on a real small filesystem: full, read-only, and room again. */
import { probeDisk } from '../../../src/daemon/disk/health';
import { openLedger, WAL_SIZE_LIMIT_BYTES } from '../../../src/ledger/db';
import { makeTempDir, removeDir } from '../../helpers/state-dir';
import { canMountTmpfs, mountSmallFs, type SmallFs } from '../../helpers/small-fs';

const describeMounting = canMountTmpfs() || process.env['CI'] ? describe : describe.skip;

describeMounting('the state dir\'s disk health', () => {
  let small: SmallFs;
  beforeEach(() => { small = mountSmallFs(4 * 1024 * 1024); });
  afterEach(() => small.close());

  it('is fine with room, nearly full when filled, read-only when remounted so, and fine again after', () => {
    expect(probeDisk(small.dir, 1024 * 1024)).toMatchObject({ readOnly: false, problem: null, totalBytes: 4 * 1024 * 1024 });
    // The threshold is 5 % of a small filesystem: 4 MiB → 0.2 MiB.
    expect(probeDisk(small.dir).problem).toBeNull();
    small.fill();
    const full = probeDisk(small.dir, 1024 * 1024);
    expect(full.freeBytes).toBeLessThan(1024 * 1024);
    expect(full.problem).toMatch(/is nearly full: 0\.0 MiB free \(below 0\.2 MiB\)/);
    small.free();
    small.readOnly(true);
    expect(probeDisk(small.dir, 1024 * 1024)).toMatchObject({ readOnly: true, problem: expect.stringMatching(/read-only filesystem/) });
    small.readOnly(false);
    expect(probeDisk(small.dir, 1024 * 1024)).toMatchObject({ readOnly: false, problem: null });
  });
});

describe('the ledger\'s WAL', () => {
  it('is limited in size after each checkpoint, so that it cannot fill the disk on its own', () => {
    const dir = makeTempDir();
    try {
      const db = openLedger(`${dir}/ledger.sqlite`, { nowMs: 0 });
      expect(db.pragma('journal_size_limit', { simple: true })).toBe(WAL_SIZE_LIMIT_BYTES);
      db.close();
    } finally {
      removeDir(dir);
    }
  });
});
