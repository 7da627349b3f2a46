/**
 * The filesystem `CheckpointStore`: one directory per checkpoint under the job's
 * checkpoint directory, each with a `manifest.json` (DESIGN §4).
 *
 * Atomicity: a checkpoint is written into `.tmp-<name>-<pid>-<rand>/`, every file, the
 * manifest and every directory inside are fsynced (these fsyncs run together, once every
 * byte is written), the temporary directory is renamed to `<name>`, and the parent is
 * fsynced. A writer killed at any point leaves either the previous state or a hidden
 * temporary directory that `list()` ignores.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Clock } from '../src/core/clock';
import { isoUtc, systemClock } from '../src/core/clock';
import { CheckpointError } from '../src/core/errors';
import type { HashedWrite } from './hash';
import { fsyncDir, hashFile, writeHashed } from './hash';
import type { Manifest, ManifestFile } from './manifest';
import { isSafeRelativePath, MANIFEST_FILE, manifestBytes, validateManifest } from './manifest';
import type {
  CheckpointEntry, CheckpointFailure, CheckpointFailureReason, CheckpointInfo, CheckpointResult,
  CheckpointStore, LatestVerified, PruneResult, WriteCheckpointInput,
} from './store';
import { checkpointName, newestVerified, sortEntries, TEMP_PREFIX } from './store';

export interface FsCheckpointStoreOptions {
  /** The job's checkpoint directory; created when missing. */
  root: string;
  /** Carried into every `CheckpointError`. */
  jobId?: string;
  /** For `createdAt`; default the system clock. */
  clock?: Clock;
}

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

/** Waits for all; then throws the first failure, if any. */
async function allOrFirstError<T>(promises: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** `dir` and each directory between it and `top` (both included), e.g. for nested checkpoint files. */
function dirsUpTo(dir: string, top: string): string[] {
  const out = [dir];
  for (let d = dir; d !== top && d.startsWith(top + path.sep); ) out.push((d = path.dirname(d)));
  return out;
}

/** Largest manifest read, bytes (a million files' entries fit well under it). */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/**
 * A file's text, opened without blocking and without following a final symbolic link, and
 * only if it is a regular file of sane size: a manifest replaced by a FIFO must not hang the
 * verifier (ADR 0012).
 */
async function readRegularText(file: string): Promise<string> {
  const fh = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${path.basename(file)} is not a regular file`);
    if (st.size > MAX_MANIFEST_BYTES) throw new Error(`${path.basename(file)} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

export function createFsCheckpointStore(options: FsCheckpointStoreOptions): CheckpointStore {
  const root = path.resolve(options.root);
  const clock = options.clock ?? systemClock;
  const fail = (reason: CheckpointFailureReason, dir: string, message: string, file?: string, cause?: unknown): { ok: false; failure: CheckpointFailure } => {
    const error = new CheckpointError(`checkpoint ${dir}: ${message}`, dir, options.jobId, { cause });
    const failure: CheckpointFailure = file === undefined ? { reason, path: dir, error } : { reason, path: dir, file, error };
    return { ok: false, failure };
  };

  async function readManifest(dir: string): Promise<{ manifest: Manifest } | { ok: false; failure: CheckpointFailure }> {
    let text: string;
    try {
      text = await readRegularText(path.join(dir, MANIFEST_FILE));
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') {
        const exists = await fsp.stat(dir).then(() => true, () => false);
        return exists ? fail('no-manifest', dir, 'has no manifest.json') : fail('missing', dir, 'does not exist');
      }
      return fail('io', dir, `cannot read manifest.json: ${(err as Error).message}`, MANIFEST_FILE, err);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return fail('bad-manifest', dir, 'manifest.json is not valid JSON', MANIFEST_FILE, err);
    }
    const { manifest, issues } = validateManifest(parsed);
    if (!manifest) return fail('bad-manifest', dir, `invalid manifest.json: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, MANIFEST_FILE);
    return { manifest };
  }

  const infoOf = (dir: string, m: Manifest): CheckpointInfo => {
    const info: CheckpointInfo = { path: dir, step: m.step, createdAt: m.createdAt, bytes: manifestBytes(m), files: m.files };
    if (m.meta) info.meta = m.meta;
    return info;
  };

  async function verify(dirIn: string): Promise<CheckpointResult> {
    const dir = path.resolve(dirIn);
    const read = await readManifest(dir);
    if (!('manifest' in read)) return read;
    for (const f of read.manifest.files) {
      const file = path.join(dir, f.path);
      let digest;
      try {
        const st = await fsp.stat(file);
        if (!st.isFile()) return fail('missing-file', dir, `${f.path} is not a regular file`, f.path);
        if (st.size !== f.bytes) return fail('size-mismatch', dir, `${f.path} has ${st.size} bytes, manifest says ${f.bytes}`, f.path);
        digest = await hashFile(file);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') return fail('missing-file', dir, `${f.path} is missing`, f.path, err);
        return fail('io', dir, `cannot read ${f.path}: ${(err as Error).message}`, f.path, err);
      }
      if (digest.bytes !== f.bytes) return fail('size-mismatch', dir, `${f.path} has ${digest.bytes} bytes, manifest says ${f.bytes}`, f.path);
      if (digest.sha256 !== f.sha256) return fail('sha256-mismatch', dir, `${f.path} sha256 ${digest.sha256} differs from the manifest's ${f.sha256}`, f.path);
    }
    return { ok: true, checkpoint: infoOf(dir, read.manifest) };
  }

  async function writeManifestAtomic(dir: string, manifest: Manifest): Promise<void> {
    const tmp = path.join(dir, `${TEMP_PREFIX}${MANIFEST_FILE}-${randomBytes(4).toString('hex')}`);
    const fh = await fsp.open(tmp, 'wx');
    try {
      await fh.writeFile(JSON.stringify(manifest, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, path.join(dir, MANIFEST_FILE));
    await fsyncDir(dir);
  }

  async function write(input: WriteCheckpointInput): Promise<CheckpointResult> {
    const name = input.name ?? checkpointName(input.step);
    const finalDir = path.join(root, name);
    const bad = input.files.find((f) => !isSafeRelativePath(f.path));
    if (bad || name.startsWith('.') || name.includes('/')) return fail('io', finalDir, `refusing unsafe name ${bad ? bad.path : name}`, bad?.path);
    const tmpDir = path.join(root, `${TEMP_PREFIX}${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const open: HashedWrite[] = [];
    try {
      await fsp.mkdir(tmpDir, { recursive: true });
      // Files are written and hashed concurrently; a failure closes every file opened.
      const dirs = new Set<string>([tmpDir]);
      const written = await allOrFirstError(input.files.map(async (f) => {
        const target = path.join(tmpDir, f.path);
        await fsp.mkdir(path.dirname(target), { recursive: true });
        for (const d of dirsUpTo(path.dirname(target), tmpDir)) dirs.add(d);
        const w = await writeHashed(target, f.data);
        open.push(w);
        return w;
      }));
      const files: ManifestFile[] = written.map((w, i) => ({ path: input.files[i]!.path, ...w.digest }));
      const manifest: Manifest = { step: input.step, createdAt: isoUtc(clock.now()), files };
      if (input.meta) manifest.meta = input.meta;
      // The directory is private until renamed, so the manifest goes in under its own name.
      // Every entry exists now: the fsyncs of the files, the manifest and the directories run together.
      const mfh = await fsp.open(path.join(tmpDir, MANIFEST_FILE), 'wx');
      const manifestDurable = (async (): Promise<void> => {
        try {
          await mfh.writeFile(JSON.stringify(manifest, null, 2) + '\n');
          await mfh.sync();
        } finally {
          await mfh.close();
        }
      })();
      await allOrFirstError([manifestDurable, ...open.map((w) => w.finish()), ...[...dirs].map((d) => fsyncDir(d))]);
      await replaceDir(tmpDir, finalDir);
      return { ok: true, checkpoint: infoOf(finalDir, manifest) };
    } catch (err) {
      await Promise.allSettled(open.map((w) => w.close()));
      await fsp.rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
      return fail('io', finalDir, `write failed: ${(err as Error).message}`, undefined, err);
    }
  }

  /** Renames `from` to `to`; an existing `to` is moved aside first and removed after. */
  async function replaceDir(from: string, to: string): Promise<void> {
    const aside = path.join(root, `${TEMP_PREFIX}old-${path.basename(to)}-${randomBytes(4).toString('hex')}`);
    const existed = await fsp.rename(to, aside).then(() => true, (err) => {
      if (errnoOf(err) === 'ENOENT') return false;
      throw err;
    });
    await fsp.rename(from, to);
    await fsyncDir(root);
    if (existed) await fsp.rm(aside, { recursive: true, force: true });
  }

  async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
    const out: string[] = [];
    for (const e of await fsp.readdir(path.join(dir, prefix), { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.name.startsWith(TEMP_PREFIX) || rel === MANIFEST_FILE) continue;
      if (e.isDirectory()) out.push(...(await filesUnder(dir, rel)));
      else if (e.isFile()) out.push(rel);
    }
    return out.sort();
  }

  async function writeManifestFor(dirIn: string, step: number, meta?: Record<string, unknown>): Promise<CheckpointResult> {
    const dir = path.resolve(dirIn);
    const existing = await readManifest(dir);
    if ('manifest' in existing || existing.failure.reason !== 'no-manifest') return verify(dir);
    try {
      const files: ManifestFile[] = [];
      for (const rel of await filesUnder(dir)) files.push({ path: rel, ...(await hashFile(path.join(dir, rel))) });
      const manifest: Manifest = { step, createdAt: isoUtc(clock.now()), files };
      if (meta) manifest.meta = meta;
      await writeManifestAtomic(dir, manifest);
    } catch (err) {
      return fail('io', dir, `cannot write manifest.json: ${(err as Error).message}`, MANIFEST_FILE, err);
    }
    return verify(dir);
  }

  async function list(): Promise<CheckpointEntry[]> {
    let dirents;
    try {
      dirents = await fsp.readdir(root, { withFileTypes: true });
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw new CheckpointError(`cannot list ${root}: ${(err as Error).message}`, root, options.jobId, { cause: err });
    }
    const entries: CheckpointEntry[] = [];
    for (const d of dirents) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      const dir = path.join(root, d.name);
      const read = await readManifest(dir);
      entries.push('manifest' in read ? { path: dir, name: d.name, step: read.manifest.step } : { path: dir, name: d.name });
    }
    return sortEntries(entries);
  }

  async function latestVerified(): Promise<LatestVerified> {
    const { verified, failures } = await newestVerified(await list(), verify, 1);
    return verified[0] ? { checkpoint: verified[0], failures } : { failures };
  }

  async function prune(keep: number): Promise<PruneResult> {
    if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`prune keeps at least 1 checkpoint (got ${keep})`);
    const { verified, failures, older } = await newestVerified(await list(), verify, keep);
    const removed: string[] = [];
    if (verified.length === keep) {
      for (const e of older) {
        await fsp.rm(e.path, { recursive: true, force: true });
        removed.push(e.path);
      }
      if (removed.length > 0) await fsyncDir(root);
    }
    return { kept: verified, removed, failures };
  }

  async function removeTemporaries(): Promise<string[]> {
    const names = await fsp.readdir(root).catch(() => [] as string[]);
    const removed = names.filter((n) => n.startsWith(TEMP_PREFIX)).map((n) => path.join(root, n));
    for (const p of removed) await fsp.rm(p, { recursive: true, force: true });
    return removed;
  }

  return { root, write, verify, writeManifestFor, list, latestVerified, prune, removeTemporaries };
}
