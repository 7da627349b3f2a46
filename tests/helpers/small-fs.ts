/**
 * A small real filesystem for disk-fault tests: a tmpfs of a given size mounted on a temp
 * dir (root only; CI runs as root), which can be filled, remounted read-only, and is always
 * unmounted by `close()`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** True where a tmpfs can be mounted (root on Linux with mount(8)). */
export function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-mnt-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

export interface SmallFs {
  dir: string;
  /** Writes a file of zeros until the filesystem is full (ENOSPC), leaving `leaveBytes` free at most. */
  fill(): void;
  /** Removes the filler. */
  free(): void;
  readOnly(on: boolean): void;
  close(): void;
}

export function mountSmallFs(sizeBytes: number): SmallFs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-smallfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  const filler = path.join(dir, '.filler');
  return {
    dir,
    fill: () => {
      const fd = fs.openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (;;) fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        fs.closeSync(fd);
      }
    },
    free: () => fs.rmSync(filler, { force: true }),
    readOnly: (on) => execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir]),
    close: () => {
      try { execFileSync('umount', ['-l', dir], { stdio: 'ignore' }); } catch { /* not mounted */ }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
