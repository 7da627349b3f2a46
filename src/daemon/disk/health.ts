/**
 * Is there room to work? The state dir holds the ledger and every job's runs and
 * checkpoints; when its filesystem is full or read-only, runs die and checkpoints cannot be
 * written through no fault of the job. carbond then says so (status, logs), keeps what it
 * has (no job is failed for the disk's sake), starts nothing new, and resumes when space
 * returns. `statfs` for the free space (Node 20 `fs.statfsSync`), `access(W_OK)` for a
 * read-only mount (EROFS, even for root).
 */
import * as fs from 'node:fs';

/**
 * Below this many free bytes the state dir counts as full: a checkpoint or a ledger write may
 * not fit. 64 MiB, or 5 % of a smaller filesystem (e.g. 0.4 MiB of an 8 MiB one).
 */
export const LOW_DISK_BYTES = 64 * 1024 * 1024;
const LOW_DISK_SHARE = 0.05;

export interface DiskHealth {
  /** The directory probed (the state dir). */
  path: string;
  /** Bytes an unprivileged writer may still use; null when statfs failed. */
  freeBytes: number | null;
  totalBytes: number | null;
  readOnly: boolean;
  /** Why work cannot go on here, for people; null when it can. */
  problem: string | null;
}

/** MiB with one decimal, for messages. */
function mib(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

/** Probes `dir`'s filesystem now (two system calls; cheap enough for every start and run end). */
export function probeDisk(dir: string, lowBytes = LOW_DISK_BYTES): DiskHealth {
  let freeBytes: number | null = null;
  let totalBytes: number | null = null;
  try {
    const s = fs.statfsSync(dir);
    freeBytes = s.bavail * s.bsize;
    totalBytes = s.blocks * s.bsize;
  } catch {
    // no such dir yet, or statfs unsupported: judged by the write check alone
  }
  let readOnly = false;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    readOnly = (err as NodeJS.ErrnoException).code === 'EROFS';
  }
  const low = totalBytes === null ? lowBytes : Math.min(lowBytes, totalBytes * LOW_DISK_SHARE);
  const problem = readOnly ? `the state dir ${dir} is on a read-only filesystem`
    : freeBytes !== null && freeBytes < low ? `the state dir ${dir} is nearly full: ${mib(freeBytes)} free (below ${mib(low)})`
      : null;
  return { path: dir, freeBytes, totalBytes, readOnly, problem };
}
