import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashFile, HASH_CHUNK_BYTES, writeFileHashed } from '../../../checkpoints/hash';

/** The module object itself (the namespace import is a read-only copy), so a spy on it is what the store calls. */
const fsp = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
const MiB = HASH_CHUNK_BYTES;
const O_DIRECT = fs.constants.O_DIRECT as number | undefined;

/** Deterministic bytes that differ at every offset of a block, so a misplaced block changes the file. */
function bytesOf(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** `data` cut into chunks of irregular sizes. */
function* irregular(data: Buffer): Generator<Buffer> {
  const sizes = [777_777, 1, 4096, 3 * MiB, 123];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length] as number;
    yield data.subarray(at, at + n);
    at += n;
  }
}

const directOpens = (spy: jest.SpyInstance): number => spy.mock.calls.filter(([, flags]) => typeof flags === 'number' && O_DIRECT !== undefined && (flags & O_DIRECT) !== 0).length;

describe('writeFileHashed', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-hash-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sizes = [0, 1, 4095, 4096, MiB - 1, MiB, MiB + 1, 3 * MiB + 12_345];
  const variants = [
    { name: 'direct from the first block', options: { direct: true, directFromBytes: 0 } },
    { name: 'page cache for the first MiB, then direct', options: { direct: true, directFromBytes: MiB } },
    { name: 'page cache only', options: { direct: false } },
  ];
  for (const { name, options } of variants) {
    it(`writes exactly the bytes it was given and their sha256 (${name}; sizes ${sizes.join(', ')}, irregular chunks)`, async () => {
      for (const [i, size] of sizes.entries()) {
        const data = bytesOf(size, i + 1);
        const file = path.join(dir, `f-${size}.bin`);
        const digest = await writeFileHashed(file, irregular(data), options);
        expect(digest).toEqual({ bytes: size, sha256: createHash('sha256').update(data).digest('hex') });
        expect(fs.readFileSync(file).equals(data)).toBe(true);
      }
    });
  }

  it('hashes files of every size the same whether read directly or through the page cache, also right after a buffered write', async () => {
    for (const [i, size] of sizes.entries()) {
      const data = bytesOf(size, 100 + i);
      const file = path.join(dir, `r-${size}.bin`);
      await writeFileHashed(file, [data], { direct: false }); // dirty in the page cache
      const expected = { bytes: size, sha256: createHash('sha256').update(data).digest('hex') };
      expect(await hashFile(file, { directFromBytes: 0 })).toEqual(expected);
      expect(await hashFile(file, { direct: false })).toEqual(expected);
    }
  });

  it('reads through the page cache when the file system refuses O_DIRECT', async () => {
    const data = bytesOf(2 * MiB + 5, 11);
    const file = path.join(dir, 'refused.bin');
    fs.writeFileSync(file, data);
    const open = fsp.open;
    const spy = jest.spyOn(fsp, 'open').mockImplementation(async (f, flags, mode) => {
      if (typeof flags === 'number' && O_DIRECT !== undefined && (flags & O_DIRECT) !== 0) throw Object.assign(new Error('EINVAL: invalid argument, open'), { code: 'EINVAL' });
      return open(f, flags, mode);
    });
    expect(await hashFile(file, { directFromBytes: 0 })).toEqual({ bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    if (O_DIRECT !== undefined) expect(directOpens(spy)).toBe(1);
  });

  it('falls back to the page cache when the file system refuses O_DIRECT, with the same bytes', async () => {
    const open = fsp.open;
    const spy = jest.spyOn(fsp, 'open').mockImplementation(async (file, flags, mode) => {
      if (typeof flags === 'number' && O_DIRECT !== undefined && (flags & O_DIRECT) !== 0) throw Object.assign(new Error('EINVAL: invalid argument, open'), { code: 'EINVAL' });
      return open(file, flags, mode);
    });
    const data = bytesOf(2 * MiB + 5, 9);
    const file = path.join(dir, 'fallback.bin');
    expect(await writeFileHashed(file, [data], { directFromBytes: 0 })).toEqual({ bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    expect(fs.readFileSync(file).equals(data)).toBe(true);
    if (O_DIRECT !== undefined) expect(directOpens(spy)).toBe(1);
  });

  it('fails when its data fails, leaves no file handle open and gives its staging blocks back', async () => {
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytesOf(MiB + 10, 3);
      throw new Error('encoder broke');
    }
    for (let k = 0; k < 5; k++) await expect(writeFileHashed(path.join(dir, `bad-${k}.bin`), failing())).rejects.toThrow('encoder broke');
    expect(fds()).toBe(before);
    const spy = jest.spyOn(fsp, 'open');
    const data = bytesOf(2 * MiB, 4);
    await writeFileHashed(path.join(dir, 'after.bin'), [data], { directFromBytes: 0 });
    if (O_DIRECT !== undefined) expect(directOpens(spy)).toBe(1); // blocks were returned: the staged path is still taken
    expect(fs.readFileSync(path.join(dir, 'after.bin')).equals(data)).toBe(true);
  });
});
