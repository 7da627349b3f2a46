import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/clock';
import { createHash } from 'node:crypto';
import { createFsCheckpointStore } from '../../../checkpoints/fs-store';
import { DIRECT_FROM_BYTES, WRITEBACK_EVERY_BYTES } from '../../../checkpoints/hash';

describe('the filesystem checkpoint store', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-fsck-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes the manifest for a job that wrote only files, with the clock time, and verifies it', async () => {
    const store = createFsCheckpointStore({ root, clock: new ManualClock(Date.parse('2026-11-29T03:00:00Z')) });
    const dir = path.join(root, 'step-40');
    fs.mkdirSync(path.join(dir, 'opt'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.pt'), 'weights');
    fs.writeFileSync(path.join(dir, 'opt', 'adam.pt'), 'moments');
    const r = await store.writeManifestFor(dir, 40);
    expect(r.ok).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.step).toBe(40);
    expect(manifest.createdAt).toBe('2026-11-29T03:00:00.000Z');
    expect(manifest.files.map((f: { path: string; bytes: number }) => [f.path, f.bytes])).toEqual([['model.pt', 7], ['opt/adam.pt', 7]]);
  });

  it('keeps and verifies a manifest the job wrote itself instead of rewriting it', async () => {
    const store = createFsCheckpointStore({ root });
    const w = await store.write({ step: 3, files: [{ path: 'a.bin', data: Buffer.from('abc') }] });
    if (!w.ok) throw w.failure.error;
    fs.appendFileSync(path.join(w.checkpoint.path, 'a.bin'), 'tampered');
    const r = await store.writeManifestFor(w.checkpoint.path, 3);
    expect(r.ok ? 'ok' : r.failure.reason).toBe('size-mismatch');
  });

  it('hides the temporary directory of an interrupted write and removes it on request', async () => {
    const store = createFsCheckpointStore({ root });
    fs.mkdirSync(path.join(root, '.tmp-ckpt-000000000009-123-abcd'));
    fs.writeFileSync(path.join(root, '.tmp-ckpt-000000000009-123-abcd', 'w.bin'), 'half');
    expect(await store.list()).toEqual([]);
    expect(await store.removeTemporaries()).toEqual([path.join(root, '.tmp-ckpt-000000000009-123-abcd')]);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('streams large files: a 12 MiB file written in chunks verifies with the right size', async () => {
    const store = createFsCheckpointStore({ root });
    const chunk = Buffer.alloc(3 * 1024 * 1024, 7);
    const r = await store.write({ step: 1, files: [{ path: 'big.bin', data: [chunk, chunk, chunk, chunk] }] });
    expect(r.ok && r.checkpoint.bytes).toBe(12 * 1024 * 1024);
    const v = await store.verify(path.join(root, 'ckpt-000000000001'));
    expect(v.ok).toBe(true);
  });

  it('hashes what it wrote, in order, past the rolling writeback and the start of direct I/O, and in nested folders', async () => {
    const store = createFsCheckpointStore({ root });
    const MiB = 1024 * 1024;
    const chunks = Array.from({ length: Math.max(WRITEBACK_EVERY_BYTES, DIRECT_FROM_BYTES) / MiB + 3 }, (_, i) => Buffer.alloc(MiB, i % 251));
    const expected = createHash('sha256');
    for (const c of chunks) expected.update(c);
    const r = await store.write({ step: 2, files: [{ path: 'big.bin', data: chunks }, { path: 'opt/adam/m.bin', data: Buffer.from('moments') }] });
    expect(r.ok).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'ckpt-000000000002', 'manifest.json'), 'utf8'));
    expect(manifest.files).toEqual([
      { path: 'big.bin', bytes: chunks.length * MiB, sha256: expected.digest('hex') },
      { path: 'opt/adam/m.bin', bytes: 7, sha256: createHash('sha256').update('moments').digest('hex') },
    ]);
    expect((await store.verify(path.join(root, 'ckpt-000000000002'))).ok).toBe(true);
  });

  it('fails a write whose data fails, closes every file it opened and leaves nothing behind', async () => {
    const store = createFsCheckpointStore({ root });
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(1024, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('state encoder broke');
    }
    const r = await store.write({ step: 4, files: [{ path: 'ok.bin', data: Buffer.alloc(4096, 2) }, { path: 'bad.bin', data: failing() }] });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.failure.reason).toBe('io');
    expect(!r.ok && r.failure.error.message).toContain('state encoder broke');
    expect(fs.readdirSync(root)).toEqual([]);
    expect(fds()).toBe(before);
  });

  it('fails, without hanging, a checkpoint whose manifest is a FIFO nobody writes to', async () => {
    const dir = path.join(root, 'ckpt-fifo');
    fs.mkdirSync(dir);
    execFileSync('mkfifo', [path.join(dir, 'manifest.json')]);
    const store = createFsCheckpointStore({ root, jobId: 'j', clock: new ManualClock(0) });
    const r = await Promise.race([store.verify(dir), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3_000).unref())]);
    expect(r).not.toBe('hung');
    expect(r !== 'hung' && !r.ok && r.failure.error.message).toMatch(/manifest\.json is not a regular file/);
  }, 10_000);
});
