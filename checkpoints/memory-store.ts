/**
 * An in-memory `CheckpointStore` for tests of code that uses a store (executors, the
 * daemon) without touching the disk. It passes the same contract suite as the
 * filesystem store (`tests/contract/checkpoints/`), so it cannot drift from it.
 * Directories are plain path strings; a "crashed writer" is simulated with `putFiles`.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Clock } from '../src/core/clock';
import { isoUtc, systemClock } from '../src/core/clock';
import { CheckpointError } from '../src/core/errors';
import type { FileData } from './hash';
import type { Manifest, ManifestFile } from './manifest';
import { isSafeRelativePath, manifestBytes, validateManifest } from './manifest';
import type { CheckpointEntry, CheckpointFailureReason, CheckpointResult, CheckpointStore, LatestVerified } from './store';
import { checkpointName, newestVerified, sortEntries } from './store';

interface Dir {
  files: Map<string, Buffer>;
  /** The manifest as its JSON text (so tests can store a malformed one). */
  manifestText?: string;
}

export interface MemoryCheckpointStore extends CheckpointStore {
  /** Creates or adds to a directory without a manifest, as a job that writes only files does. */
  putFiles(dir: string, files: Record<string, Uint8Array>): void;
  /** Flips the lowest bit of one byte of a stored file. */
  flipByte(dir: string, file: string, offset: number): void;
  removeManifest(dir: string): void;
}

async function collect(data: FileData): Promise<Buffer> {
  if (data instanceof Uint8Array) return Buffer.from(data);
  const parts: Buffer[] = [];
  for await (const c of data as AsyncIterable<Uint8Array>) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function createMemoryCheckpointStore(options: { root: string; jobId?: string; clock?: Clock }): MemoryCheckpointStore {
  const root = path.resolve(options.root);
  const clock = options.clock ?? systemClock;
  const dirs = new Map<string, Dir>();
  const fail = (reason: CheckpointFailureReason, dir: string, message: string, file?: string): CheckpointResult => {
    const error = new CheckpointError(`checkpoint ${dir}: ${message}`, dir, options.jobId);
    return { ok: false, failure: file === undefined ? { reason, path: dir, error } : { reason, path: dir, file, error } };
  };

  const readManifest = (dir: string): Manifest | CheckpointResult => {
    const d = dirs.get(dir);
    if (!d) return fail('missing', dir, 'does not exist');
    if (d.manifestText === undefined) return fail('no-manifest', dir, 'has no manifest.json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(d.manifestText);
    } catch {
      return fail('bad-manifest', dir, 'manifest.json is not valid JSON', 'manifest.json');
    }
    const { manifest, issues } = validateManifest(parsed);
    return manifest ?? fail('bad-manifest', dir, `invalid manifest.json: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, 'manifest.json');
  };

  async function verify(dirIn: string): Promise<CheckpointResult> {
    const dir = path.resolve(dirIn);
    const m = readManifest(dir);
    if ('ok' in m) return m;
    const files = (dirs.get(dir) as Dir).files;
    for (const f of m.files) {
      const data = files.get(f.path);
      if (!data) return fail('missing-file', dir, `${f.path} is missing`, f.path);
      if (data.length !== f.bytes) return fail('size-mismatch', dir, `${f.path} has ${data.length} bytes, manifest says ${f.bytes}`, f.path);
      if (sha256(data) !== f.sha256) return fail('sha256-mismatch', dir, `${f.path} sha256 differs from the manifest's`, f.path);
    }
    return { ok: true, checkpoint: { path: dir, step: m.step, createdAt: m.createdAt, bytes: manifestBytes(m), files: m.files, ...(m.meta ? { meta: m.meta } : {}) } };
  }

  const manifestOf = (step: number, files: Map<string, Buffer>, meta?: Record<string, unknown>): Manifest => {
    const list: ManifestFile[] = [...files.keys()].sort().map((p) => ({ path: p, bytes: (files.get(p) as Buffer).length, sha256: sha256(files.get(p) as Buffer) }));
    return { step, createdAt: isoUtc(clock.now()), files: list, ...(meta ? { meta } : {}) };
  };

  async function list(): Promise<CheckpointEntry[]> {
    const entries: CheckpointEntry[] = [];
    for (const dir of dirs.keys()) {
      const name = path.basename(dir);
      if (path.dirname(dir) !== root || name.startsWith('.')) continue;
      const m = readManifest(dir);
      entries.push('ok' in m ? { path: dir, name } : { path: dir, name, step: m.step });
    }
    return sortEntries(entries);
  }

  const store: MemoryCheckpointStore = {
    root,
    async write(input) {
      const dir = path.join(root, input.name ?? checkpointName(input.step));
      const bad = input.files.find((f) => !isSafeRelativePath(f.path));
      if (bad) return fail('io', dir, `refusing unsafe name ${bad.path}`, bad.path);
      const files = new Map<string, Buffer>();
      for (const f of input.files) files.set(f.path, await collect(f.data));
      dirs.set(dir, { files, manifestText: JSON.stringify(manifestOf(input.step, files, input.meta)) });
      return verify(dir);
    },
    verify,
    async writeManifestFor(dirIn, step, meta) {
      const dir = path.resolve(dirIn);
      const d = dirs.get(dir);
      if (d && d.manifestText === undefined) d.manifestText = JSON.stringify(manifestOf(step, d.files, meta));
      return verify(dir);
    },
    list,
    async latestVerified(): Promise<LatestVerified> {
      const { verified, failures } = await newestVerified(await list(), verify, 1);
      return verified[0] ? { checkpoint: verified[0], failures } : { failures };
    },
    async prune(keep) {
      if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`prune keeps at least 1 checkpoint (got ${keep})`);
      const { verified, failures, older } = await newestVerified(await list(), verify, keep);
      const removed = verified.length === keep ? older.map((e) => e.path).filter((p) => dirs.delete(p)) : [];
      return { kept: verified, removed, failures };
    },
    async removeTemporaries() {
      const temps = [...dirs.keys()].filter((d) => path.dirname(d) === root && path.basename(d).startsWith('.tmp-'));
      temps.forEach((d) => dirs.delete(d));
      return temps;
    },
    putFiles(dirIn, files) {
      const dir = path.resolve(dirIn);
      const d = dirs.get(dir) ?? { files: new Map<string, Buffer>() };
      for (const [p, data] of Object.entries(files)) d.files.set(p, Buffer.from(data));
      dirs.set(dir, d);
    },
    flipByte(dir, file, offset) {
      const data = dirs.get(path.resolve(dir))?.files.get(file);
      if (!data) throw new Error(`no file ${file} in ${dir}`);
      data[offset] = (data[offset] as number) ^ 0x01;
    },
    removeManifest(dir) {
      const d = dirs.get(path.resolve(dir));
      if (d) delete d.manifestText;
    },
  };
  return store;
}
