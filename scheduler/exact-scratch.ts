/**
 * Scratch memory of the exact planner, owned by one `plan()` call (issue 14). It used to be
 * module-level and kept its high-water mark for the life of the process: one 7-day job with
 * a 14-day deadline left 394 MB behind on four sites. Now `plan()` takes one scratch, the
 * jobs of that call share it (no allocation per job once it has grown), and gives it back
 * when the call returns: kept for the next call while it holds at most `RESERVE_MAX_BYTES`
 * (fresh pages cost more than the DP of a common job: a 7-day plan 1.5 → 6 ms when each call
 * allocated anew), dropped beyond. A module-level tally of the bytes held by scratches is
 * what tests and benchmarks read to see what is retained between calls.
 */

/** Scratch bytes kept between `plan()` calls for good: 16 MiB (the largest `bench:scheduler` table, 10.6 MB, with headroom). */
export const RESERVE_KEEP_BYTES = 16 * 1024 * 1024;
/**
 * Most scratch bytes kept between `plan()` calls at all: 64 MiB. Between 16 and 64 MiB the
 * scratch is kept only until the planner has been idle for `RESERVE_IDLE_MS`: back-to-back
 * plans (a simulation) reuse it, where dropping it each call left garbage typed arrays that
 * V8 collects late (external memory) — a 7-day, 4-site job's simulation peaked at 204 MB RSS
 * instead of 126 MB; the daemon, planning a minute or more apart, gives it back.
 */
export const RESERVE_MAX_BYTES = 64 * 1024 * 1024;
export const RESERVE_IDLE_MS = 1_000;

let liveBytes = 0;

/** Bytes held by planner scratches not yet released (at most `RESERVE_MAX_BYTES` between `plan()` calls). */
export function liveScratchBytes(): number {
  return liveBytes;
}

/**
 * Named Float64 buffers that grow to the largest length asked and are given up together. No
 * headroom: a plan's sizes grow only a few times (jobs of random sizes) or shrink (a
 * simulated job's), and 25 % on a 32 MB table was 8 MB held for nothing.
 */
export class ExactScratch {
  private readonly buffers = new Map<string, Float64Array>();
  private heldBytes = 0;
  /** Most bytes this scratch held at once. */
  peakBytes = 0;

  /** A buffer of at least `length` doubles under `name`; its contents are whatever was left there. */
  float64(name: string, length: number): Float64Array {
    const have = this.buffers.get(name);
    if (have !== undefined && have.length >= length) return have;
    const next = new Float64Array(length);
    this.hold(next.byteLength - (have?.byteLength ?? 0));
    this.buffers.set(name, next);
    return next;
  }

  /** Doubles the buffer under `name` holds (0 when none): what a request of that many or fewer gets without allocating. */
  capacity(name: string): number {
    return this.buffers.get(name)?.length ?? 0;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Drops every buffer (the garbage collector returns the memory). The scratch stays usable. */
  release(): void {
    this.hold(-this.heldBytes);
    this.buffers.clear();
  }

  private hold(delta: number): void {
    this.heldBytes += delta;
    liveBytes += delta;
    this.peakBytes = Math.max(this.peakBytes, this.heldBytes);
  }
}

let reserve: ExactScratch | undefined;

/** A scratch for one `plan()` call: the one kept from the last call, if any. */
export function takeScratch(): ExactScratch {
  const s = reserve ?? new ExactScratch();
  reserve = undefined;
  return s;
}

let idleTimer: NodeJS.Timeout | undefined;

/**
 * Ends a call's use of `scratch`: kept while at most `RESERVE_KEEP_BYTES`; up to
 * `RESERVE_MAX_BYTES` until the planner is idle for `RESERVE_IDLE_MS`; released beyond.
 */
export function giveBackScratch(scratch: ExactScratch): void {
  if (scratch.bytes > RESERVE_MAX_BYTES) scratch.release();
  reserve = scratch;
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (scratch.bytes > RESERVE_KEEP_BYTES) {
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (reserve === scratch && scratch.bytes > RESERVE_KEEP_BYTES) scratch.release();
    }, RESERVE_IDLE_MS);
    idleTimer.unref();
  }
}
