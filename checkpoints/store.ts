/**
 * The `CheckpointStore` contract (CONVENTIONS §3): write, verify, list, find the latest
 * verified checkpoint, and prune, over one job's checkpoint directory. Every failure
 * is returned as a typed record carrying a `CheckpointError`, so callers can record it
 * in the ledger; nothing here throws for a bad checkpoint.
 *
 * One implementation: `createFsCheckpointStore` (the filesystem, `./fs-store`). The
 * shared contract suite is `tests/contract/checkpoints/`.
 */
import type { CheckpointError } from '../src/core/errors';
import type { FileData } from './hash';
import type { ManifestFile } from './manifest';

export type { FileData } from './hash';

/** A verified checkpoint: its directory and what its manifest says. */
export interface CheckpointInfo {
  /** Absolute path of the checkpoint directory. */
  path: string;
  step: number;
  /** ISO-8601 UTC completion time, from the manifest. */
  createdAt: string;
  /** Sum of the files' bytes. */
  bytes: number;
  files: ManifestFile[];
  meta?: Record<string, unknown>;
}

/** Why a checkpoint is not usable. */
export type CheckpointFailureReason =
  | 'missing' // the directory does not exist
  | 'no-manifest' // no manifest.json (e.g. the writer was killed before finishing)
  | 'bad-manifest' // manifest.json is not valid JSON or not a valid manifest
  | 'missing-file' // a listed file is absent
  | 'size-mismatch' // a listed file has other bytes than listed
  | 'sha256-mismatch' // a listed file's content differs (a flipped byte)
  | 'io'; // reading or writing failed otherwise (permissions, disk full…)

/** A failure record: what went wrong where, as a `CheckpointError` to log or record. */
export interface CheckpointFailure {
  reason: CheckpointFailureReason;
  /** The checkpoint directory. */
  path: string;
  /** The file concerned, relative to `path`, when one is. */
  file?: string;
  error: CheckpointError;
}

export type CheckpointResult = { ok: true; checkpoint: CheckpointInfo } | { ok: false; failure: CheckpointFailure };

/** One sub-directory of the store as listed, before any hashing. */
export interface CheckpointEntry {
  path: string;
  /** Directory name, e.g. `ckpt-000000001200`. */
  name: string;
  /** The manifest's step when the manifest parses; undefined otherwise. */
  step?: number;
}

/** What to write: files (relative paths) with their data, for `step` completed steps. */
export interface WriteCheckpointInput {
  step: number;
  files: ReadonlyArray<{ path: string; data: FileData }>;
  meta?: Record<string, unknown>;
  /** Directory name; default `checkpointName(step)`. An existing one is replaced atomically. */
  name?: string;
}

/** The newest checkpoint that verifies, and the failures of every newer one skipped. */
export interface LatestVerified {
  checkpoint?: CheckpointInfo;
  failures: CheckpointFailure[];
}

export interface PruneResult {
  /** The newest verified checkpoints kept, newest first. */
  kept: CheckpointInfo[];
  /** Directories removed (older than the oldest kept). */
  removed: string[];
  /** Verification failures met on the way (newer corrupt ones are kept, for inspection). */
  failures: CheckpointFailure[];
}

export interface CheckpointStore {
  /** The job's checkpoint directory (`CARBOND_CHECKPOINT_DIR`). */
  readonly root: string;
  /** Writes files + manifest under a temporary name, fsyncs, renames into place. */
  write(input: WriteCheckpointInput): Promise<CheckpointResult>;
  /** Verifies a checkpoint directory: manifest, then every file's bytes and sha256. */
  verify(path: string): Promise<CheckpointResult>;
  /**
   * For jobs that write only files: writes `manifest.json` from the files present in
   * `dir` (atomically), then verifies. An existing manifest is kept and verified.
   */
  writeManifestFor(dir: string, step: number, meta?: Record<string, unknown>): Promise<CheckpointResult>;
  /** The checkpoint directories under `root`, oldest first (by manifest step, else the last number in the name); temporaries excluded. */
  list(): Promise<CheckpointEntry[]>;
  /** The newest verified checkpoint; newer ones that fail are skipped and reported. */
  latestVerified(): Promise<LatestVerified>;
  /**
   * Keeps the newest `keep` verified checkpoints (and anything newer, e.g. a corrupt one kept
   * for inspection) and removes everything older. With fewer than `keep` verified, removes nothing.
   */
  prune(keep: number): Promise<PruneResult>;
  /** Removes leftovers of interrupted writes (call only while the job is not running). */
  removeTemporaries(): Promise<string[]>;
}

/**
 * The default directory name for a checkpoint of `step` steps: zero-padded so names sort.
 * @example checkpointName(1200) === 'ckpt-000000001200'
 */
export function checkpointName(step: number): string {
  return `ckpt-${String(step).padStart(12, '0')}`;
}

/** Prefix of in-progress or replaced directories; `list()` skips every name starting with `.`. */
export const TEMP_PREFIX = '.tmp-';

/**
 * Where a directory sorts: its manifest's step, else the last number in its name
 * (`ckpt-000000001200` without a manifest → 1200), else before everything (-1).
 */
export function sortKeyOf(entry: CheckpointEntry): number {
  if (entry.step !== undefined) return entry.step;
  const m = /(\d+)(?!.*\d)/.exec(entry.name);
  return m ? Number(m[1]) : -1;
}

/** Orders entries oldest first (by `sortKeyOf`, then name). Shared by every store. */
export function sortEntries(entries: CheckpointEntry[]): CheckpointEntry[] {
  return entries.sort((a, b) => sortKeyOf(a) - sortKeyOf(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Walks `entries` newest → oldest, verifying, until `want` verified checkpoints are found;
 * returns them (newest first), the failures met, and the entries older than the last one looked at.
 */
export async function newestVerified(
  entries: readonly CheckpointEntry[],
  verify: (path: string) => Promise<CheckpointResult>,
  want: number,
): Promise<{ verified: CheckpointInfo[]; failures: CheckpointFailure[]; older: CheckpointEntry[] }> {
  const newestFirst = [...entries].reverse();
  const verified: CheckpointInfo[] = [];
  const failures: CheckpointFailure[] = [];
  let i = 0;
  for (; i < newestFirst.length && verified.length < want; i++) {
    const r = await verify((newestFirst[i] as CheckpointEntry).path);
    if (r.ok) verified.push(r.checkpoint);
    else failures.push(r.failure);
  }
  return { verified, failures, older: newestFirst.slice(i) };
}
