/**
 * What every executor that runs a job as its owner shares (ADR 0012): who the run is for,
 * and how root reads the files a run writes in that owner's area without following a path
 * the owner controls. The local and the Slurm executor both use these.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExecutorError } from '../core/errors';
import type { JobRecord } from '../ledger/jobs';
import { FROM_USER_DATABASE } from '../jobs/env';
import { openRegularBeneath } from '../os/beneath';
import { isRoot, userById } from '../os/users';
import type { JobEvent } from './events';

/**
 * Who to run as: the submitting user, from the user database (uid, primary gid, and HOME,
 * USER, LOGNAME, SHELL), when carbond is root and the job is not root's own; else none (the
 * run is carbond's user's). A user who has left the database cannot run.
 */
export function runAsUser(job: JobRecord): { uid: number; gid: number; env: Record<string, string> } | undefined {
  if (!isRoot() || job.uid === null || job.uid === 0) return undefined;
  const who = userById(job.uid);
  if (!who) throw new ExecutorError(`cannot start job ${job.id}: its owner uid ${job.uid} is no longer in the user database`, job.id);
  const fromDb: Record<string, string> = { HOME: who.home, USER: who.name, LOGNAME: who.name, SHELL: who.shell || '/bin/sh' };
  return { uid: who.uid, gid: who.gid, env: Object.fromEntries(FROM_USER_DATABASE.map((k) => [k, fromDb[k]!])) };
}

/**
 * A run file's path split into a directory no user can replace and the part below it, read
 * with `openBeneath`: the owner's area `users/<uid>` (its entry is root's; its files must be
 * that uid's), or the state dir for runs of the layout before ADR 0012.
 */
export function trustedRunFile(stateDir: string, file: string): { base: string; rel: string; ownerUid?: number } {
  const users = path.join(stateDir, 'users');
  const rel = path.relative(users, file);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
    const [uid, ...rest] = rel.split(path.sep);
    return { base: path.join(users, uid!), rel: rest.join('/'), ownerUid: Number(uid) };
  }
  return { base: stateDir, rel: path.relative(stateDir, file) };
}

/** Size of a run file (0 when absent or not a regular file of its owner's): where "newer than a request" starts. */
export function runFileSize(stateDir: string, file: string): number {
  const { base, rel, ownerUid } = trustedRunFile(stateDir, file);
  const opened = openRegularBeneath(base, rel, ownerUid);
  if (!('fd' in opened)) return 0;
  try {
    return fs.fstatSync(opened.fd).size;
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** Events after `offset`, read window by window until drained or `windows` are read (a bounded catch-up). */
export function eventsUpTo(read: (offset: number) => { events: JobEvent[]; nextOffset: number }, offset: number, windows: number): JobEvent[] {
  const out: JobEvent[] = [];
  for (let i = 0, at = offset; i < windows; i += 1) {
    const r = read(at);
    out.push(...r.events);
    if (r.nextOffset === at) break;
    at = r.nextOffset;
  }
  return out;
}
