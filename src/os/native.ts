/**
 * The native addon (`native/carbond_native.c`, ADR 0012): what a root daemon needs from
 * the kernel and Node.js does not expose — the peer of a Unix socket, the user database
 * with supplementary groups, and opening a path under a trusted directory without
 * following a symbolic link anywhere below it. Built by `npm run build`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CarbondError, ExitCode } from '../core/errors';

export interface PeerCred { pid: number; uid: number; gid: number }

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** Supplementary groups as `initgroups(3)` would set them (primary gid included). */
  groups: number[];
}

interface NativeAddon {
  peerCred(fd: number): PeerCred;
  userById(uid: number): PasswdEntry | null;
  openBeneath(base: string, rel: string, flags: number): number;
}

/** The addon could not be loaded (not built, or not Linux). */
export class NativeUnavailableError extends CarbondError {
  constructor(detail: string) {
    super('E_NATIVE', `carbond's native addon is not available (${detail}); run \`npm run build\``, ExitCode.Failure);
  }
}

let loaded: NativeAddon | undefined;

/** `native/build/carbond_native.node`, found from `src/os` (ts-jest) or `dist/src/os` (built). */
function addonPath(): string | undefined {
  for (const up of ['../..', '../../..']) {
    const p = path.resolve(__dirname, up, 'native', 'build', 'carbond_native.node');
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** The loaded addon; throws `NativeUnavailableError` when it is missing. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  if (process.platform !== 'linux') throw new NativeUnavailableError(`platform ${process.platform}`);
  const p = addonPath();
  if (!p) throw new NativeUnavailableError('native/build/carbond_native.node not found');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require(p) as NativeAddon;
  return loaded;
}
