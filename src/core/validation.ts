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

/** Most characters of a value an issue shows (as text or JSON); longer ones are cut, with their length. */
export const MAX_ISSUE_VALUE_CHARS = 200;

/**
 * `value` short enough to print in an error: a 10 MB job name is shown by its first 200
 * characters and its length, so the error itself stays small (and fits the socket's answer).
 * @example shortValue('x'.repeat(1000)) === `${'x'.repeat(200)}… (1000 characters)`
 */
export function shortValue(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_ISSUE_VALUE_CHARS ? `${value.slice(0, MAX_ISSUE_VALUE_CHARS)}… (${value.length} characters)` : value;
  if (typeof value !== 'object' || value === null) return value;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return String(value).slice(0, MAX_ISSUE_VALUE_CHARS);
  }
  return json !== undefined && json.length > MAX_ISSUE_VALUE_CHARS ? `${json.slice(0, MAX_ISSUE_VALUE_CHARS)}… (${json.length} characters of JSON)` : value;
}

/** Collects issues; `throwIfAny` raises them all together. Values are kept short (`shortValue`). */
export class Issues {
  private readonly list: Issue[] = [];

  add(path: string, message: string, value?: unknown): void {
    this.list.push(value === undefined ? { path, message } : { path, message, value: shortValue(value) });
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
