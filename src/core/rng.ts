/**
 * A seeded, serialisable PRNG (mulberry32) for data order and initialisation, so a run
 * is reproducible and a resumed run draws the same numbers as an uninterrupted one.
 * Never `Math.random`: its state cannot be saved.
 */
export class Rng {
  private s: number;

  /** `seed` is any integer; it is reduced to 32 bits. */
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The whole state: one unsigned 32-bit integer. */
  get state(): number {
    return this.s;
  }

  set state(value: number) {
    this.s = value >>> 0;
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [-limit, limit). */
  uniform(limit: number): number {
    return (this.next() * 2 - 1) * limit;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/**
 * A function drawing uniform [0, 1) numbers from a fresh `Rng`: for workloads and test cases
 * that must reproduce from a seed.
 * @example const r = seededUniform(42); r(); // same sequence on every run
 */
export function seededUniform(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}
