/**
 * The checkpoint manifest of DESIGN §4: `manifest.json` in a checkpoint directory,
 * listing every file of the checkpoint with its size and sha256.
 *
 * @example
 * { "step": 1200, "createdAt": "2026-11-29T03:00:00Z",
 *   "files": [{ "path": "weights.bin", "bytes": 4096, "sha256": "9f86d0…" }] }
 */
import type { Issue } from '../src/core/validation';
import { Issues } from '../src/core/validation';

/** The manifest's file name inside a checkpoint directory. */
export const MANIFEST_FILE = 'manifest.json';

/** One file of a checkpoint; `path` is relative to the checkpoint directory, `/`-separated. */
export interface ManifestFile {
  path: string;
  bytes: number;
  /** Lower-case hex sha256 of the file's bytes (64 characters). */
  sha256: string;
}

/** A checkpoint manifest. `step` counts completed training steps: a resume runs step `step` next. */
export interface Manifest {
  step: number;
  /** ISO-8601 UTC time the checkpoint was completed. */
  createdAt: string;
  files: ManifestFile[];
  /** Free-form data of the writer (backend, job id…); carbond never interprets it. */
  meta?: Record<string, unknown>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when `p` is a safe relative path inside a checkpoint: not empty, not absolute,
 * no `.`/`..` segments, no backslashes, and not the manifest itself.
 */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  const parts = p.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) return false;
  return p !== MANIFEST_FILE;
}

function checkFile(value: unknown, at: string, issues: Issues, seen: Set<string>): ManifestFile | undefined {
  if (!isRecord(value)) {
    issues.add(at, 'must be an object with path, bytes and sha256', value);
    return undefined;
  }
  const { path, bytes, sha256 } = value;
  const before = issues.count;
  if (typeof path !== 'string' || !isSafeRelativePath(path)) issues.add(`${at}.path`, 'must be a relative path inside the checkpoint (no .., not absolute, not manifest.json)', path);
  else if (seen.has(path)) issues.add(`${at}.path`, 'is listed twice', path);
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) issues.add(`${at}.bytes`, 'must be a non-negative integer', bytes);
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) issues.add(`${at}.sha256`, 'must be 64 lower-case hex digits', sha256);
  if (issues.count > before) return undefined;
  seen.add(path as string);
  return { path: path as string, bytes: bytes as number, sha256: sha256 as string };
}

/**
 * Checks a parsed `manifest.json`: every problem is reported (with its field path),
 * and the manifest is returned only when there is none.
 */
export function validateManifest(value: unknown): { manifest?: Manifest; issues: readonly Issue[] } {
  const issues = new Issues();
  if (!isRecord(value)) {
    issues.add('', 'manifest must be a JSON object', value);
    return { issues: issues.all };
  }
  const { step, createdAt, files, meta } = value;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) issues.add('step', 'must be a non-negative integer', step);
  if (typeof createdAt !== 'string' || !ISO_UTC.test(createdAt) || Number.isNaN(Date.parse(createdAt))) issues.add('createdAt', 'must be an ISO-8601 time with a zone', createdAt);
  if (meta !== undefined && !isRecord(meta)) issues.add('meta', 'must be an object when present', meta);
  const checked: ManifestFile[] = [];
  if (!Array.isArray(files)) issues.add('files', 'must be an array', files);
  else {
    const seen = new Set<string>();
    files.forEach((f, i) => {
      const file = checkFile(f, `files[${i}]`, issues, seen);
      if (file) checked.push(file);
    });
  }
  if (issues.count > 0) return { issues: issues.all };
  const manifest: Manifest = { step: step as number, createdAt: createdAt as string, files: checked };
  if (meta !== undefined) manifest.meta = meta as Record<string, unknown>;
  return { manifest, issues: [] };
}

/** Total bytes of the files a manifest lists. */
export function manifestBytes(manifest: Manifest): number {
  return manifest.files.reduce((sum, f) => sum + f.bytes, 0);
}
