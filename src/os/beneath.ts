/**
 * Reading a file that a user controls, as root, without being fooled (DESIGN §7, ADR 0012).
 * `base` is a directory the user cannot replace (its entry lives in a root-owned directory);
 * `rel` is the user's part of the path. No component of `rel` may be a symbolic link
 * (openat + O_NOFOLLOW at every step, through the native addon), the open never blocks
 * (O_NONBLOCK: a FIFO cannot hang the daemon), anything but a regular file is refused, and
 * at most `maxBytes` are read whatever the file's size (a 2 GiB sparse file costs nothing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { native } from './native';

/** What a bounded read found: bytes from `offset` (at most maxBytes) and the file's size. */
export type BeneathRead =
  | { kind: 'data'; data: Buffer; sizeBytes: number }
  | { kind: 'missing' }
  | { kind: 'refused'; reason: string };

const READ_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Opens `base/rel` for reading; returns the fd of a regular file, or why not. The caller
 * closes the fd. ENOENT reads as missing; a symbolic link anywhere in `rel` is refused.
 * With `ownerUid`, a file owned by anyone else is refused too: a hard link to root's file
 * (where `fs.protected_hardlinks` is off) has root's uid, not the user's.
 */
export function openRegularBeneath(base: string, rel: string, ownerUid?: number): { fd: number } | { kind: 'missing' } | { kind: 'refused'; reason: string } {
  const clean = path.posix.normalize(rel);
  if (clean.startsWith('../') || clean === '..' || path.posix.isAbsolute(clean)) return { kind: 'refused', reason: `path ${rel} leaves ${base}` };
  let fd: number;
  try {
    fd = native().openBeneath(base, clean, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP' || code === 'ENOTDIR') return { kind: 'refused', reason: `a symbolic link (or non-directory) in ${rel}` };
    return { kind: 'refused', reason: `${code ?? 'error'} opening ${rel}` };
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    return { kind: 'refused', reason: `${rel} is ${kindOf(st)}` };
  }
  if (ownerUid !== undefined && st.uid !== ownerUid) {
    fs.closeSync(fd);
    return { kind: 'refused', reason: `${rel} belongs to uid ${st.uid}, not to uid ${ownerUid}` };
  }
  return { fd };
}

/** Reads at most `maxBytes` of `base/rel` from byte `offset` (see the module comment and `openRegularBeneath`). */
export function readBeneath(base: string, rel: string, offset: number, maxBytes: number, ownerUid?: number): BeneathRead {
  const opened = openRegularBeneath(base, rel, ownerUid);
  if (!('fd' in opened)) return opened;
  try {
    const sizeBytes = fs.fstatSync(opened.fd).size;
    const want = Math.max(0, Math.min(maxBytes, sizeBytes - offset));
    const data = Buffer.alloc(want);
    const n = want > 0 ? fs.readSync(opened.fd, data, 0, want, offset) : 0;
    return { kind: 'data', data: data.subarray(0, n), sizeBytes };
  } finally {
    fs.closeSync(opened.fd);
  }
}
