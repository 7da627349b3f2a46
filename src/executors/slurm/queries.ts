/**
 * Running the Slurm executor's queries (../slurm.ts). A query is a generator that yields the
 * Slurm commands it needs and gets each result back, so the same lookup code runs without
 * blocking (`ask`: the daemon's polls, pauses, kills) or blocking (`askSync`: `adopt` only).
 * `ask` shares one queue listing (`squeue --json --states=all`) among all of a site's runs for
 * a poll interval; an action that changes the queue `invalidate`s it, so that no answer after
 * the action comes from a listing taken before it (a run polled right after its submission
 * would read as gone).
 */
import { systemClock } from '../../core/clock';
import { runSlurm, runSlurmSync, type SlurmResult } from './commands';

/** One Slurm command a query needs. */
export interface SlurmCall { command: string; args: string[] }
export type Query<T> = Generator<SlurmCall, T, SlurmResult>;
/** The queue listing every run of a site shares. */
export const QUEUE_ARGS: readonly string[] = ['--json', '--states=all'];

export class SlurmQueryRunner {
  /** The newest queue listing (in flight or done) and when it was asked for (wall ms). */
  private listing: { atMs: number; result: Promise<SlurmResult> } | undefined;

  constructor(private readonly timeoutMs: number, private readonly pollMs: number) {}

  /** Runs a query's commands asynchronously; `fresh` asks for a queue listing newer than the call. */
  async ask<T>(query: Query<T>, fresh = false): Promise<T> {
    let step = query.next();
    while (!step.done) {
      const { command, args } = step.value;
      const listing = command === 'squeue' && args.length === QUEUE_ARGS.length && args.every((a, i) => a === QUEUE_ARGS[i]);
      step = query.next(await (listing ? this.queueListing(fresh) : runSlurm(command, args, this.timeoutMs)));
    }
    return step.value;
  }

  /** Runs a query's commands blocking (no shared listing). */
  askSync<T>(query: Query<T>): T {
    let step = query.next();
    while (!step.done) step = query.next(runSlurmSync(step.value.command, step.value.args, this.timeoutMs));
    return step.value;
  }

  /** The queue changed (a submission, an action): the next listing is asked for after it. */
  invalidate(): void {
    this.listing = undefined;
  }

  /** The shared queue listing: the one asked for within the poll interval (or still in flight), else a new one. */
  private queueListing(fresh: boolean): Promise<SlurmResult> {
    const now = systemClock.now(); // wall time: the listing's age, whatever clock the daemon plans on
    if (!fresh && this.listing && now - this.listing.atMs < this.pollMs) return this.listing.result;
    const result = runSlurm('squeue', [...QUEUE_ARGS], this.timeoutMs);
    this.listing = { atMs: now, result };
    return result;
  }
}
