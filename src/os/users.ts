/**
 * Who a uid is, from the user database (never from a client): its name, primary group and
 * supplementary groups, as `initgroups(3)` gives them (DESIGN §7, ADR 0012).
 */
import { native, type PasswdEntry } from './native';

export type { PasswdEntry } from './native';

/** The user database entry of `uid`, or undefined when there is none. */
export function userById(uid: number): PasswdEntry | undefined {
  return native().userById(uid) ?? undefined;
}

/** The daemon's own uid (-1 where there are no uids). */
export function ownUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

/** True when carbond runs as root, and so runs each job as its owner. */
export function isRoot(): boolean {
  return ownUid() === 0;
}
