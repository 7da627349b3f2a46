/**
 * The destination-side steps of a checkpoint transfer as small POSIX shell scripts, run as
 * the job's owner: with `sh -c` on this host, or over ssh on the destination's host (the
 * same script, its arguments shell-quoted), so a local and a remote move do exactly the
 * same thing. Every path handed to them is absolute or a checked plain name.
 */
import { shellQuote } from '../slurm/parse';
import { describeFailure, type OwnerCommandOptions, type OwnerCommandResult, type OwnerRunner } from './as-owner';

/**
 * `$1` root. Creates the job's checkpoint directory at the destination and refuses one the
 * owner does not own (a root pointing into someone else's world-writable directory): the
 * copy then never writes there, even where the modes would let it. Exit 3: refused.
 */
export const PREPARE_SH = `set -e
mkdir -p -- "$1"
[ -d "$1" ] || { echo "$1 is not a directory" >&2; exit 3; }
owner=$(stat -L -c %u -- "$1")
[ "$owner" = "$(id -u)" ] || { echo "$1 belongs to uid $owner, not to $(id -un) (uid $(id -u)): refusing to copy into it" >&2; exit 3; }`;

/** `$1` the arrived directory; stdin `sha256sum` lines. Every listed file must match. */
export const CHECKSUMS_SH = `cd -- "$1" && exec sha256sum --check --strict --quiet -`;

/**
 * `$1` root, `$2` temporary name, `$3` final name, `$4` name for an older copy moved aside.
 * Makes the arrived directories durable (rsync --fsync did the files), renames into place —
 * an existing copy of the same checkpoint (a job moved back) is moved aside first and
 * removed after — and fsyncs the root.
 */
export const COMMIT_SH = `set -e
cd -- "$1"
find "./$2" -type d -exec sync -- {} +
if [ -e "./$3" ] || [ -L "./$3" ]; then mv -T -- "./$3" "./$4"; fi
mv -T -- "./$2" "./$3"
sync -- .
rm -rf -- "./$4"`;

/** `$1` root, `$2` name: removes a partial or corrupt copy. */
export const REMOVE_SH = `cd -- "$1" && rm -rf -- "./$2"`;

/** Where the destination-side steps run: on this host, or on `host` over ssh. */
export interface StepRunner {
  /** Runs `script` with `args` as the owner at the destination; throws with `what` and the command's own words on failure. */
  (what: string, script: string, args: readonly string[], options: OwnerCommandOptions): Promise<OwnerCommandResult>;
}

/** A destination-side step ended badly. */
export class StepFailed extends Error {
  /** `code` is the script's exit status (ssh's 255 when the host could not be reached). */
  constructor(readonly what: string, readonly detail: string, readonly code: number | null) {
    super(`${what}: ${detail}`);
  }
}

/** `sh -c` on this host, or `ssh [sshArgs] host -- sh -c …` there; both as the owner. */
export function stepRunner(run: OwnerRunner, remote?: { host: string; sshArgs: readonly string[] }): StepRunner {
  return async (what, script, args, options) => {
    const argv = remote
      ? ['ssh', ...remote.sshArgs, remote.host, '--', ['sh', '-c', script, 'sh', ...args].map(shellQuote).join(' ')]
      : ['sh', '-c', script, 'sh', ...args];
    const r = await run(argv, options);
    if (r.code !== 0) throw new StepFailed(what, describeFailure(r, options.timeoutMs), r.code);
    return r;
  };
}
