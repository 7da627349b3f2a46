/**
 * Validation that reports every problem at once (CONVENTIONS §7, §8): collect
 * issues while checking, then throw one error that names each field and value.
 */

/** One problem with one field. `path` is dotted (`sites.box1.gpus`, `jobs[3].deadline`). */
export interface Issue {
  path: string;
  message: string;
  /** The offending value, when there is one to show. */
  value?: unknown;
}

/** Collects issues; `throwIfAny` raises them all together. */
export class Issues {
  private readonly list: Issue[] = [];

  add(path: string, message: string, value?: unknown): void {
    this.list.push(value === undefined ? { path, message } : { path, message, value });
  }

  addAll(issues: readonly Issue[], prefix = ''): void {
    for (const i of issues) this.list.push({ ...i, path: prefix && i.path ? `${prefix}.${i.path}` : prefix || i.path });
  }

  get count(): number {
    return this.list.length;
  }

  get all(): readonly Issue[] {
    return this.list;
  }

  /** Throws `make(issues)` when any issue was collected. */
  throwIfAny(make: (issues: readonly Issue[]) => Error): void {
    if (this.list.length > 0) throw make([...this.list]);
  }
}
