/**
 * Moving one verified checkpoint to another site's checkpoint storage (issue 15, DESIGN §4,
 * `docs/sites.md`). The copy counts only once it is verified where it landed:
 *
 * 1. the source's `manifest.json` is read as the owner and validated here; its sha256 is
 *    what the copy's manifest must hash to (so a flipped `step` digit, which would still
 *    verify against itself, is caught too);
 * 2. the destination's job checkpoint dir is made (`mkdir -p`) and must be the owner's;
 * 3. `rsync -a --fsync` (with `-e ssh` to `host:`) copies the directory into a temporary
 *    name (`.tmp-<name>-transfer-…`, never taken for a checkpoint), as the owner;
 * 4. on arrival: on this host, the manifest's sha256, then the project's verifier
 *    (`checkpoint-worker.ts`, as the owner) checks every file's size and sha256; on a remote
 *    host, `sha256sum --check` runs there over ssh against the *source's* manifest (every
 *    file's hash plus the manifest's own), so nothing the remote copy says is trusted;
 * 5. only then is it renamed into place (and fsynced), and its path, bytes and the measured
 *    seconds are returned — the planner's default move cost.
 *
 * Every step runs with the owner's rights (`setpriv`, ADR 0012); root never touches the
 * user's paths. A failed or corrupt copy is removed, the source is never touched (this
 * module deletes nothing there), and a `TransferError` names the job, source and destination.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { TEMP_PREFIX } from '../../checkpoints/store';
import { MANIFEST_FILE, manifestBytes, validateManifest, type Manifest } from '../../checkpoints/manifest';
import { systemClock, type Clock } from '../core/clock';
import { ExecutorError } from '../core/errors';
import { isRoot } from '../os/users';
import { workerScript } from './as-user';
import { serveWorkerRequest, type WorkerAnswer, type WorkerRequest } from './checkpoint-worker';
import { describeFailure, ownerRunner, type OwnerRunner, type TransferOwner } from './transfer/as-owner';
import { CHECKSUMS_SH, COMMIT_SH, PREPARE_SH, REMOVE_SH, StepFailed, stepRunner, type StepRunner } from './transfer/steps';

export type { TransferOwner } from './transfer/as-owner';

/** Default limit for the copy and for the verification on arrival, each: 6 h (a large checkpoint over a slow link). */
export const DEFAULT_TRANSFER_TIMEOUT_MS = 6 * 3_600_000;
/** Default limit for the small steps (read the manifest, prepare, rename, remove): 2 min. */
export const DEFAULT_STEP_TIMEOUT_MS = 120_000;
/** Largest source manifest read, bytes (as the store's limit). */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
/** A checkpoint's directory name: what the store writes (`ckpt-000000001200`); nothing a shell or rsync could read as an option. */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
/** `[user@]host` as ssh takes it: a host name, an IPv4 address or an ssh_config alias. */
const HOST_PATTERN = /^([a-z_][a-z0-9_.-]*@)?[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** An ssh option word that rsync's `-e` splitting keeps whole. */
const SSH_WORD = /^[^\s'"\\]+$/;

export type TransferStage = 'request' | 'source' | 'prepare' | 'copy' | 'verify' | 'commit';

/** A move of a checkpoint failed; nothing was renamed into place and the source is untouched. */
export class TransferError extends ExecutorError {
  readonly source: string;
  readonly destination: string;
  readonly stage: TransferStage;
  /** The copy arrived but did not match the source's manifest (it was removed). */
  readonly corrupt: boolean;
  constructor(fields: { jobId: string; source: string; destination: string; stage: TransferStage; detail: string; corrupt?: boolean; cause?: unknown }) {
    super(`job ${fields.jobId}: moving checkpoint ${fields.source} to ${fields.destination} failed (${fields.stage}): ${fields.detail}`, fields.jobId, { cause: fields.cause });
    this.source = fields.source;
    this.destination = fields.destination;
    this.stage = fields.stage;
    this.corrupt = fields.corrupt ?? false;
  }
}

export interface CopyCheckpointOptions {
  jobId: string;
  /** The verified checkpoint directory on this host (absolute). */
  from: { path: string };
  /**
   * The job's checkpoint directory at the destination site (absolute), made if missing; the
   * copy lands at `<root>/<basename of from.path>`. With `host` (`[user@]host`; the owner's
   * login name when no user is given) it is on that host, reached with the owner's ssh keys
   * and config; `port` and `sshOptions` (e.g. `-o UserKnownHostsFile=…`) are passed to ssh.
   */
  to: { root: string; host?: string; port?: number; sshOptions?: readonly string[] };
  /** The job's owner: every step runs with these rights. */
  owner: TransferOwner;
  /** Measures the transfer. Default: the system clock. */
  clock?: Clock;
  /** Limit for the copy, and for the verification, each, ms. Default 6 h. */
  timeoutMs?: number;
  /** Limit for each small step, ms. Default 2 min. */
  stepTimeoutMs?: number;
  /** Test hook: called once the copy has arrived under its temporary name, before it is verified. */
  onArrived?: (arrived: { tmpPath: string; host?: string }) => Promise<void> | void;
}

/** A verified copy in place at the destination. */
export interface CopiedCheckpoint {
  /** The copy's final path on the destination (on `host` when there is one). */
  path: string;
  host?: string;
  step: number;
  /** The checkpoint's bytes: its files as the manifest lists them (as `CheckpointInfo.bytes`). */
  bytes: number;
  /** From the start to the verified copy in place: the measured cost of the move, s. */
  seconds: number;
  /** Of which rsync, s. */
  copySeconds: number;
  /** Of which the verification on arrival, s. */
  verifySeconds: number;
}

interface Plan {
  jobId: string;
  source: string;
  name: string;
  root: string;
  tmpName: string;
  host?: string;
  sshArgs: string[];
  destination: string;
}

/**
 * Copies one checkpoint to another site, verifies it there and renames it into place; see
 * the module comment. Throws `TransferError`; never deletes the source.
 */
export async function copyCheckpoint(options: CopyCheckpointOptions): Promise<CopiedCheckpoint> {
  const plan = planTransfer(options);
  const fail = (stage: TransferStage, detail: string, extra: { corrupt?: boolean; cause?: unknown } = {}): TransferError =>
    new TransferError({ jobId: plan.jobId, source: plan.source, destination: plan.destination, stage, detail, ...extra });
  const run = ownerRunner(options.owner);
  if (typeof run === 'string') throw fail('request', run);
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS;
  const stepTimeoutMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  const step = stepRunner(run, plan.host === undefined ? undefined : { host: plan.host, sshArgs: plan.sshArgs });
  const startMs = clock.now();

  const source = await readSourceManifest(run, plan.source, stepTimeoutMs).catch((e: Error) => { throw fail('source', e.message, { cause: e }); });
  await step('preparing the destination', PREPARE_SH, [plan.root], { timeoutMs: stepTimeoutMs })
    .catch((e: Error) => { throw fail('prepare', e.message, { cause: e }); });
  let stage: TransferStage = 'copy';
  const copyStartMs = clock.now();
  try {
    await rsync(run, plan, timeoutMs);
    const copiedMs = clock.now();
    await options.onArrived?.({ tmpPath: path.posix.join(plan.root, plan.tmpName), ...(plan.host === undefined ? {} : { host: plan.host }) });
    stage = 'verify';
    const verifyStartMs = clock.now();
    await verifyArrival(run, step, plan, source, { timeoutMs, stepTimeoutMs, nowMs: verifyStartMs });
    const verifiedMs = clock.now();
    stage = 'commit';
    const aside = `${TEMP_PREFIX}old-${plan.name}-${randomBytes(4).toString('hex')}`;
    await step('renaming the copy into place', COMMIT_SH, [plan.root, plan.tmpName, plan.name, aside], { timeoutMs: stepTimeoutMs });
    const endMs = clock.now();
    return {
      path: path.posix.join(plan.root, plan.name),
      ...(plan.host === undefined ? {} : { host: plan.host }),
      step: source.manifest.step,
      bytes: manifestBytes(source.manifest),
      seconds: (endMs - startMs) / 1000,
      copySeconds: (copiedMs - copyStartMs) / 1000,
      verifySeconds: (verifiedMs - verifyStartMs) / 1000,
    };
  } catch (error) {
    const removed = await step('removing the partial copy', REMOVE_SH, [plan.root, plan.tmpName], { timeoutMs: stepTimeoutMs })
      .then(() => '', (e: Error) => `; the partial copy ${plan.tmpName} could not be removed: ${e.message}`);
    const corrupt = error instanceof Mismatch;
    const detail = `${error instanceof Error ? error.message : String(error)}${corrupt ? '; the copy did not match the source and was removed' : ''}${removed}`;
    throw fail(stage, detail, { corrupt, cause: error });
  }
}

/** Checks the request and names the temporary directory; throws `TransferError` (stage `request`). */
function planTransfer(o: CopyCheckpointOptions): Plan {
  const source = path.posix.normalize(o.from.path).replace(/\/+$/, '');
  const root = path.posix.normalize(o.to.root).replace(/(.)\/+$/, '$1');
  const name = path.posix.basename(source);
  const host = o.to.host;
  const destination = `${host === undefined ? '' : `${host}:`}${path.posix.join(root, name)}`;
  const problems: string[] = [];
  if (!path.posix.isAbsolute(source)) problems.push(`the source ${o.from.path} must be an absolute path`);
  if (!NAME_PATTERN.test(name)) problems.push(`the checkpoint's name ${JSON.stringify(name)} must match ${NAME_PATTERN}`);
  if (!path.posix.isAbsolute(root)) problems.push(`the destination root ${o.to.root} must be an absolute path`);
  if (host !== undefined && !HOST_PATTERN.test(host)) problems.push(`the host ${JSON.stringify(host)} must be [user@]host`);
  if (o.to.port !== undefined && (!Number.isInteger(o.to.port) || o.to.port < 1 || o.to.port > 65535)) problems.push(`the port ${o.to.port} must be 1..65535`);
  for (const w of o.to.sshOptions ?? []) if (!SSH_WORD.test(w)) problems.push(`the ssh option ${JSON.stringify(w)} must have no spaces, quotes or backslashes`);
  if (host === undefined && (o.to.port !== undefined || (o.to.sshOptions ?? []).length > 0)) problems.push('port and sshOptions need a host');
  if (host === undefined && (root === source || root.startsWith(`${source}/`))) problems.push('the destination lies inside the source');
  if (problems.length > 0) throw new TransferError({ jobId: o.jobId, source, destination, stage: 'request', detail: problems.join('; ') });
  const sshArgs = ['-o', 'BatchMode=yes', ...(o.to.port === undefined ? [] : ['-p', String(o.to.port)]), ...(o.to.sshOptions ?? [])];
  const tmpName = `${TEMP_PREFIX}${name}-transfer-${process.pid}-${randomBytes(4).toString('hex')}`;
  return { jobId: o.jobId, source, name, root, tmpName, sshArgs, destination, ...(host === undefined ? {} : { host }) };
}

/** The arrived copy differs from the source's manifest (as opposed to a step that could not run). */
class Mismatch extends Error {}

interface SourceManifest { manifest: Manifest; sha256: string }

/** The source's manifest, read as the owner (`cat`: a FIFO only stalls until the step's timeout), validated, hashed. */
async function readSourceManifest(run: OwnerRunner, source: string, timeoutMs: number): Promise<SourceManifest> {
  const file = path.posix.join(source, MANIFEST_FILE);
  const r = await run(['cat', '--', file], { timeoutMs, maxStdoutBytes: MAX_MANIFEST_BYTES });
  if (r.code !== 0 || r.overflowed) throw new Error(r.overflowed ? `${file} is larger than ${MAX_MANIFEST_BYTES} bytes` : `cannot read ${file}: ${describeFailure(r, timeoutMs)}`);
  let parsed: unknown;
  try { parsed = JSON.parse(r.stdout.toString('utf8')); } catch { throw new Error(`${file} is not valid JSON`); }
  const { manifest, issues } = validateManifest(parsed);
  if (!manifest) throw new Error(`${file} is invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  const odd = manifest.files.find((f) => /[\n\r]/.test(f.path));
  if (odd) throw new Error(`${file} lists a path with a line break (${JSON.stringify(odd.path)}), which sha256sum lists cannot carry`);
  return { manifest, sha256: createHash('sha256').update(r.stdout).digest('hex') };
}

/** `rsync -a --fsync` as the owner, into `<root>/<tmpName>/`; over ssh with `-s` (arguments sent safely) to a host. */
async function rsync(run: OwnerRunner, plan: Plan, timeoutMs: number): Promise<void> {
  const target = `${path.posix.join(plan.root, plan.tmpName)}/`;
  const argv = plan.host === undefined
    ? ['rsync', '-a', '--fsync', `${plan.source}/`, target]
    : ['rsync', '-a', '--fsync', '-s', '-e', ['ssh', ...plan.sshArgs].join(' '), `${plan.source}/`, `${plan.host}:${target}`];
  const r = await run(argv, { timeoutMs });
  if (r.code !== 0) throw new Error(`rsync ${describeFailure(r, timeoutMs)}`);
}

/**
 * The arrived copy against the source's manifest: the manifest's own sha256, then every
 * file. On this host the files are checked by the project's verifier as the owner; on a
 * remote host by `sha256sum --check` there, fed the source's hashes.
 */
async function verifyArrival(run: OwnerRunner, step: StepRunner, plan: Plan, source: SourceManifest, limits: { timeoutMs: number; stepTimeoutMs: number; nowMs: number }): Promise<void> {
  const tmpPath = path.posix.join(plan.root, plan.tmpName);
  const manifestLine = `${source.sha256}  ${MANIFEST_FILE}\n`;
  if (plan.host !== undefined) {
    const lines = manifestLine + source.manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
    await step('verifying the copy on arrival (sha256sum --check)', CHECKSUMS_SH, [tmpPath], { input: lines, timeoutMs: limits.timeoutMs }).catch(asMismatch);
    return;
  }
  await step('checking the copy\'s manifest', CHECKSUMS_SH, [tmpPath], { input: manifestLine, timeoutMs: limits.stepTimeoutMs }).catch(asMismatch);
  const answer = await verifyAsOwner(run, { op: 'verify', root: plan.root, jobId: plan.jobId, dir: tmpPath, step: source.manifest.step, nowMs: limits.nowMs }, limits.timeoutMs);
  if (!answer.ok) throw new Mismatch(`verifying the copy on arrival: ${answer.message}`);
  if (!('step' in answer) || answer.step !== source.manifest.step || answer.bytes !== manifestBytes(source.manifest)) {
    throw new Mismatch(`verifying the copy on arrival: the verifier answered ${JSON.stringify(answer)}, not step ${source.manifest.step} of ${manifestBytes(source.manifest)} bytes`);
  }
}

/** sha256sum's exit 1 (a file differs or is missing) is a mismatch; anything else (ssh's 255, a timeout) is not. */
function asMismatch(error: unknown): never {
  if (error instanceof StepFailed && error.code === 1) throw new Mismatch(error.message);
  throw error;
}

/** The checkpoint worker's verification (`checkpoint-worker.ts`) as the owner; in-process when carbond is the owner itself. */
async function verifyAsOwner(run: OwnerRunner, req: WorkerRequest, timeoutMs: number): Promise<WorkerAnswer> {
  if (!isRoot()) return serveWorkerRequest(req);
  const r = await run([process.execPath, workerScript()], { input: JSON.stringify(req), timeoutMs });
  try {
    return JSON.parse(r.stdout.toString('utf8')) as WorkerAnswer;
  } catch {
    throw new Error(`the checkpoint worker gave no answer (${describeFailure(r, timeoutMs)})`);
  }
}
