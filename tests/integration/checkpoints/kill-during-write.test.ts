/**
 * A writer killed with SIGKILL in the middle of writing a checkpoint: the store's
 * latest verified checkpoint is still the previous one, and the debris is hidden.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import type { Child } from './child';
import { killIfRunning, REPO, start, waitFor } from './child';

// Writes step 1, then streams step 2 slowly (64 chunks of 1 MiB, 30 ms apart), saying when it has begun.
const WRITER = `
const { createFsCheckpointStore } = require(${JSON.stringify(path.join(REPO, 'dist/checkpoints/fs-store.js'))});
(async () => {
  const store = createFsCheckpointStore({ root: process.argv[1] });
  const r = await store.write({ step: 1, files: [{ path: 'w.bin', data: Buffer.alloc(1024, 1) }] });
  if (!r.ok) process.exit(3);
  async function* slow() {
    for (let i = 0; i < 64; i++) {
      yield Buffer.alloc(1 << 20, i);
      if (i === 2) process.stdout.write('writing\\n');
      await new Promise((res) => setTimeout(res, 30));
    }
  }
  await store.write({ step: 2, files: [{ path: 'w.bin', data: slow() }] });
  process.stdout.write('done\\n');
})();
`;

describe('a checkpoint writer killed mid-write', () => {
  let dir: string;
  let child: Child | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-kill-'));
  });
  afterEach(() => {
    killIfRunning(child);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the previous checkpoint as the latest verified one', async () => {
    child = start(process.execPath, ['-e', WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the second write to begin', () => out.includes('writing'));
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    expect(out).not.toContain('done');

    const store = createFsCheckpointStore({ root: dir });
    const latest = await store.latestVerified();
    expect(latest.checkpoint?.step).toBe(1);
    expect(latest.failures).toEqual([]);
    expect((await store.list()).map((e) => e.name)).toEqual(['ckpt-000000000001']);
    const debris = await store.removeTemporaries();
    expect(debris).toHaveLength(1);
    expect(path.basename(debris[0] as string)).toMatch(/^\.tmp-ckpt-000000000002-/);
  }, 30_000);
});
