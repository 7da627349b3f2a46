/** Temporary directories for tests; always removed in afterEach. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh empty directory under the OS temp dir (short path: Unix socket paths are limited to ~107 bytes). */
export function makeTempDir(prefix = 'carbond-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Names of the entries in `dir` (sorted); [] when it does not exist. */
export function entriesOf(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
