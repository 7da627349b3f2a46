/**
 * Streaming sha256 over files: fixed 1 MiB buffers, never the whole file in memory, with
 * the next reads (or the previous writes) in flight while the current chunk is hashed.
 * Large files go straight between the device and page-aligned buffers (O_DIRECT) where
 * the file system allows, else through the page cache with rolling writeback, so a 1 GB
 * checkpoint saves and verifies at close to the speed of sha256 or the disk.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * Bytes per read/write while hashing. 1 MiB stays in the CPU caches between the read and
 * the hash: verifying 10 MB took 15 ms with 1 MiB chunks against 50 ms with 4 MiB ones here
 * (sha256 alone: 6 ms), which is what bench:checkpoint's load ratio measures.
 */
export const HASH_CHUNK_BYTES = 1024 * 1024;

/** Size and sha256 of some bytes. */
export interface Digest {
  bytes: number;
  sha256: string;
}

/** Positional writes kept in flight (on libuv's thread pool) while the main thread hashes. */
const WRITES_IN_FLIGHT = 3;

/**
 * Rolling writeback (page-cache writes): once this many bytes have been written since the
 * last one, an `fdatasync` starts in the background (one at a time) while later chunks are
 * hashed and written, so the disk works while the CPU hashes and the final `fsync` (still
 * done, and still what makes the file durable) has only the tail left to flush. Files
 * smaller than this get no extra sync. Saving 10 MB: final fsync 7.6 → 5 ms here.
 */
export const WRITEBACK_EVERY_BYTES = 4 * 1024 * 1024;

/** `O_DIRECT` where the platform has it (Linux). */
const O_DIRECT: number | undefined = fsConstants.O_DIRECT;
/**
 * Files (and the part of a file being written) past this size go through O_DIRECT; smaller
 * ones through the page cache, where they stay warm for the verification that follows.
 */
export const DIRECT_FROM_BYTES = 16 * 1024 * 1024;
/** Offsets, lengths and memory of direct writes are multiples of this (512- and 4096-byte devices alike). */
const DIRECT_ALIGN = 4096;
/** errno of a file system (or device) that does not take O_DIRECT: the write goes through the page cache instead. */
const DIRECT_UNSUPPORTED = new Set(['EINVAL', 'EOPNOTSUPP', 'ENOTSUP']);
/** Staging blocks per direct write: one being filled while `WRITES_IN_FLIGHT` are written. */
const STAGES = WRITES_IN_FLIGHT + 1;
const STAGING_BLOCKS = 4 * STAGES;

/**
 * Page-aligned staging blocks of `HASH_CHUNK_BYTES`, shared by the process: O_DIRECT needs
 * aligned memory, Node's buffers are not aligned and WebAssembly memory is (the first
 * direct write would fail with EINVAL otherwise, and the file would go through the page
 * cache). Four direct writes at once; a fifth concurrent file goes through the page cache.
 */
const staging = {
  free: undefined as Buffer[] | undefined,
  take(): Buffer[] | undefined {
    if (this.free === undefined) {
      const wasm = (globalThis as unknown as { WebAssembly?: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;
      const memory = wasm ? new wasm.Memory({ initial: (STAGING_BLOCKS * HASH_CHUNK_BYTES) / 65_536 }) : undefined;
      this.free = memory ? Array.from({ length: STAGING_BLOCKS }, (_, i) => Buffer.from(memory.buffer, i * HASH_CHUNK_BYTES, HASH_CHUNK_BYTES)) : [];
    }
    return this.free.length >= STAGES ? this.free.splice(0, STAGES) : undefined;
  },
  give(blocks: Buffer[]): void {
    this.free?.push(...blocks);
  },
};

export interface HashFileOptions {
  /** Read files of `directFromBytes` or more with O_DIRECT where the platform and file system allow (default true). */
  direct?: boolean;
  /** Default `DIRECT_FROM_BYTES`. */
  directFromBytes?: number;
}

/**
 * Reads a file once, in chunks, and returns its size and sha256. Files of `DIRECT_FROM_BYTES`
 * or more are read with O_DIRECT where it works, up to `WRITES_IN_FLIGHT` reads ahead: the bytes come
 * from the device, not from a page cache that has to be filled first (a checkpoint saved
 * with O_DIRECT is not in it). Anything unexpected on that path (no O_DIRECT, a short read,
 * a file that grew) starts over through the page cache, double-buffered.
 */
export async function hashFile(path: string, options: HashFileOptions = {}): Promise<Digest> {
  const fh = await fsp.open(path, 'r');
  try {
    const { size } = await fh.stat();
    const directFrom = Math.max(options.directFromBytes ?? DIRECT_FROM_BYTES, HASH_CHUNK_BYTES);
    const blocks = (options.direct ?? true) && O_DIRECT !== undefined && size >= directFrom ? staging.take() : undefined;
    if (blocks) {
      try {
        const digest = await hashDirect(path, size, blocks);
        // The whole file, unless it grew since the stat (then the page-cache path below reads it all).
        if (digest && (await fh.read(Buffer.alloc(1), 0, 1, size)).bytesRead === 0) return digest;
      } finally {
        staging.give(blocks); // every read into them has settled by now
      }
    }
    return await hashSequential(fh);
  } finally {
    await fh.close();
  }
}

/** sha256 of bytes [0, size) read with O_DIRECT into `blocks`; undefined when O_DIRECT is refused or a read comes back short. */
async function hashDirect(path: string, size: number, blocks: Buffer[]): Promise<Digest | undefined> {
  let dfh: FileHandle;
  try {
    dfh = await fsp.open(path, fsConstants.O_RDONLY | (O_DIRECT as number));
  } catch (err) {
    if (DIRECT_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
  const queue: Array<{ block: Buffer; want: number; read: Promise<{ bytesRead: number }> }> = [];
  try {
    const hash = createHash('sha256');
    let next = 0;
    let b = 0;
    const issue = (): void => {
      if (next >= size) return;
      const block = blocks[b] as Buffer;
      b = (b + 1) % blocks.length;
      const read = dfh.read(block, 0, block.length, next); // full aligned blocks: the last one returns short at EOF
      read.catch(() => undefined); // awaited in order below
      queue.push({ block, want: Math.min(block.length, size - next), read });
      next += block.length;
    };
    while (queue.length < WRITES_IN_FLIGHT && next < size) issue();
    while (queue.length > 0) {
      const { block, want, read } = queue.shift() as (typeof queue)[number];
      let bytesRead: number;
      try {
        ({ bytesRead } = await read);
      } catch (err) {
        if (DIRECT_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
        throw err;
      }
      if (bytesRead !== want) return undefined;
      hash.update(block.subarray(0, bytesRead));
      issue();
    }
    return { bytes: size, sha256: hash.digest('hex') };
  } finally {
    await Promise.allSettled(queue.map((q) => q.read));
    await dfh.close();
  }
}

/** Reads from the start to EOF through the page cache, double-buffered. */
async function hashSequential(fh: FileHandle): Promise<Digest> {
  const hash = createHash('sha256');
  const buffers = [Buffer.allocUnsafe(HASH_CHUNK_BYTES), Buffer.allocUnsafe(HASH_CHUNK_BYTES)] as const;
  let which = 0;
  let total = 0;
  let position = 0;
  let pending: Promise<{ bytesRead: number }> = fh.read(buffers[0], 0, HASH_CHUNK_BYTES, 0);
  for (;;) {
    const { bytesRead } = await pending;
    if (bytesRead === 0) break;
    const current = buffers[which] as Buffer;
    which = 1 - which;
    position += bytesRead;
    pending = fh.read(buffers[which] as Buffer, 0, HASH_CHUNK_BYTES, position);
    hash.update(current.subarray(0, bytesRead));
    total += bytesRead;
  }
  return { bytes: total, sha256: hash.digest('hex') };
}

/**
 * Data for one checkpoint file: bytes, or chunks (sync or async) so large state streams.
 * A chunk must not be modified once yielded: up to `WRITES_IN_FLIGHT` are written concurrently.
 */
export type FileData = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

async function* chunksOf(data: FileData): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) {
    for (let at = 0; at < data.length; at += HASH_CHUNK_BYTES) yield data.subarray(at, at + HASH_CHUNK_BYTES);
    return;
  }
  yield* data as AsyncIterable<Uint8Array>;
}

/** A file whose bytes are all written and hashed but not yet durable. */
export interface HashedWrite {
  digest: Digest;
  /** fsyncs the file (what makes it durable) and closes it; throws if the fsync fails. */
  finish(): Promise<void>;
  /** Closes the file without an fsync (on a failure path). */
  close(): Promise<void>;
}

export interface WriteHashedOptions {
  /** Write full blocks past `directFromBytes` with O_DIRECT where the platform and file system allow (default true). */
  direct?: boolean;
  /** Default `DIRECT_FROM_BYTES`. */
  directFromBytes?: number;
}

/** Rolling writeback of a file written through the page cache (see `WRITEBACK_EVERY_BYTES`). */
class Writeback {
  private running: Promise<void> | undefined;
  private flushedTo = 0;

  constructor(private readonly fh: FileHandle) {}

  /** Starts an fdatasync in the background when `position` is far enough past the last one and none runs. */
  after(position: number): void {
    if (this.running !== undefined || position - this.flushedTo < WRITEBACK_EVERY_BYTES) return;
    this.flushedTo = position;
    const started: Promise<void> = this.fh.datasync().then(() => { if (this.running === started) this.running = undefined; });
    started.catch(() => undefined); // a failure surfaces in `done()`
    this.running = started;
  }

  /** Waits for the running fdatasync; throws its failure. */
  async done(): Promise<void> {
    if (this.running) await this.running;
  }

  async settled(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}

/** The open handles of a written file, as a `HashedWrite`. */
function hashedWrite(digest: Digest, fh: FileHandle, direct?: FileHandle): HashedWrite {
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all([fh.close(), direct?.close()]);
  };
  return {
    digest,
    close,
    finish: async () => {
      try {
        await fh.sync(); // the inode: data written by either handle, size and extents
      } finally {
        await close();
      }
    },
  };
}

/**
 * Writes `data` to a new file at `path`, hashing each chunk while earlier ones are being
 * written (positional writes, up to `WRITES_IN_FLIGHT` at once). Resolves once every byte
 * is written, with the size and sha256 of what was written; the caller then `finish()`es
 * it (fsync + close), so fsyncs of several files, a manifest and their directory can run
 * together.
 *
 * Where O_DIRECT works (Linux, most local file systems), every full 1 MiB block past
 * `DIRECT_FROM_BYTES` goes from a page-aligned staging block straight to the device: no copy
 * into the page cache, no dirty pages for the final fsync to write back, and no page cache
 * to fill, which on a VM whose freed memory goes back to the host costs about 1 s per GB.
 * The tail is then padded to 4 KiB and the file truncated to its size. Smaller files, and
 * file systems without O_DIRECT, go through the page cache with rolling writeback
 * (`WRITEBACK_EVERY_BYTES`).
 */
export async function writeHashed(path: string, data: FileData, options: WriteHashedOptions = {}): Promise<HashedWrite> {
  const fh = await fsp.open(path, 'wx');
  const blocks = (options.direct ?? true) && O_DIRECT !== undefined ? staging.take() : undefined;
  try {
    return blocks ? await writeStaged(fh, path, data, blocks, options.directFromBytes ?? DIRECT_FROM_BYTES) : await writeBuffered(fh, data);
  } finally {
    if (blocks) staging.give(blocks); // every write from them has settled by now
  }
}

/** Through the page cache, from the caller's chunks. */
async function writeBuffered(fh: FileHandle, data: FileData): Promise<HashedWrite> {
  const inflight: Array<Promise<unknown>> = [];
  const writeback = new Writeback(fh);
  try {
    const hash = createHash('sha256');
    let position = 0;
    for await (const chunk of chunksOf(data)) {
      if (inflight.length >= WRITES_IN_FLIGHT) await inflight.shift();
      const write = fh.write(chunk, 0, chunk.length, position);
      write.catch(() => undefined); // awaited below; this only marks it handled meanwhile
      inflight.push(write);
      position += chunk.length;
      hash.update(chunk);
      writeback.after(position);
    }
    await Promise.all(inflight.splice(0));
    await writeback.done();
    return hashedWrite({ bytes: position, sha256: hash.digest('hex') }, fh);
  } catch (err) {
    await Promise.allSettled(inflight);
    await writeback.settled();
    await fh.close();
    throw err;
  }
}

/** Through aligned staging blocks: the page cache up to `directFrom` bytes, then O_DIRECT if the file system takes it. */
async function writeStaged(fh: FileHandle, path: string, data: FileData, blocks: Buffer[], directFrom: number): Promise<HashedWrite> {
  const hash = createHash('sha256');
  const pending: Array<Promise<unknown> | undefined> = blocks.map(() => undefined);
  const writeback = new Writeback(fh);
  let direct: FileHandle | undefined;
  // An object, so the type checker does not narrow it across the `await`s of `flush`.
  const state: { mode: 'undecided' | 'direct' | 'page-cache' } = { mode: 'undecided' };
  let total = 0;
  let fill = 0; // bytes in the current block
  let at = 0; // file offset of the current block
  let b = 0; // the current block
  /** Writes the current block's first `length` bytes and moves to the next block once its earlier write is done. */
  const flush = async (length: number): Promise<void> => {
    const block = blocks[b] as Buffer;
    if (state.mode === 'undecided' && at + length > directFrom) {
      // The first full block past `directFrom` decides, synchronously: direct if the file system takes it.
      state.mode = 'page-cache';
      try {
        direct = await fsp.open(path, fsConstants.O_WRONLY | (O_DIRECT as number));
        await direct.write(block, 0, length, at);
        state.mode = 'direct';
      } catch (err) {
        if (!DIRECT_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
        await direct?.close();
        direct = undefined;
        await fh.write(block, 0, length, at);
      }
    } else {
      const write = (state.mode === 'direct' ? (direct as FileHandle) : fh).write(block, 0, length, at);
      write.catch(() => undefined); // awaited before the block is refilled, or below
      pending[b] = write;
    }
    at += length;
    if (state.mode !== 'direct') writeback.after(at);
    b = (b + 1) % blocks.length;
    const earlier = pending[b];
    pending[b] = undefined;
    if (earlier) await earlier;
  };
  try {
    for await (const chunk of chunksOf(data)) {
      hash.update(chunk);
      total += chunk.length;
      for (let off = 0; off < chunk.length; ) {
        const n = Math.min(HASH_CHUNK_BYTES - fill, chunk.length - off);
        (blocks[b] as Buffer).set(chunk.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === HASH_CHUNK_BYTES) {
          await flush(fill);
          fill = 0;
        }
      }
    }
    if (fill > 0 && state.mode === 'direct') {
      const padded = Math.ceil(fill / DIRECT_ALIGN) * DIRECT_ALIGN;
      (blocks[b] as Buffer).fill(0, fill, padded);
      await flush(padded);
    } else if (fill > 0) {
      if (state.mode === 'undecided') state.mode = 'page-cache'; // the tail of a file that never went direct
      await flush(fill);
    }
    await Promise.all(pending);
    pending.fill(undefined);
    await writeback.done();
    if (at !== total) await fh.truncate(total); // the padding of the last direct block
    return hashedWrite({ bytes: total, sha256: hash.digest('hex') }, fh, direct);
  } catch (err) {
    await Promise.allSettled(pending.filter((p) => p !== undefined));
    await writeback.settled();
    await direct?.close().catch(() => undefined);
    await fh.close();
    throw err;
  }
}

/** `writeHashed` then fsync and close: the file is durable when this resolves. */
export async function writeFileHashed(path: string, data: FileData, options: WriteHashedOptions = {}): Promise<Digest> {
  const written = await writeHashed(path, data, options);
  await written.finish();
  return written.digest;
}

/** fsyncs a directory so renames and new entries in it survive a crash. */
export async function fsyncDir(path: string): Promise<void> {
  const fh = await fsp.open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
