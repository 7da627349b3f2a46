/** Whose rights checkpoint work needs (ADR 0012): the area's owner, else the directory's owner. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { areaUidOf, workUidOf } from '../../../src/executors/as-user';

describe('the uid checkpoint work runs as', () => {
  it.each([
    ['/s/users/1001/checkpoints/j1', 1001],
    ['/s/users/0/checkpoints/j1', 0],
    ['/s/checkpoints/j1', undefined],
    ['/s/users/../checkpoints/j1', undefined],
    ['/elsewhere/users/1001/x', undefined],
    ['/s/users/abc/x', undefined],
  ])('is the area owner for %s: %s', (dir, uid) => {
    expect(areaUidOf('/s', dir)).toBe(uid);
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('is the owner of a checkpoint dir of the old layout, which its user could change', () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-asuser-'));
    try {
      const legacy = path.join(state, 'checkpoints', 'j1');
      fs.mkdirSync(legacy, { recursive: true });
      fs.chownSync(legacy, 4242, 4242);
      expect(workUidOf(state, legacy)).toBe(4242);
      expect(workUidOf(state, path.join(state, 'checkpoints', 'missing'))).toBeUndefined();
      expect(workUidOf(state, path.join(state, 'users', '1001', 'checkpoints', 'j2'))).toBe(1001);
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });
});
