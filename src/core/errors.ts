/**
 * Typed errors (CONVENTIONS §8). Every error carbond raises on purpose is a
 * `CarbondError` with a stable `code`; subclasses carry the fields a caller needs.
 * The CLI maps each error to an `ExitCode` (documented in the README).
 */
import type { Issue } from './validation';

/** Process exit codes of the `carbond` CLI. Stable: scripts depend on them. */
export enum ExitCode {
  /** Success. */
  Ok = 0,
  /** A runtime failure not covered below (ledger, I/O, daemon error). */
  Failure = 1,
  /** Bad usage, bad configuration or bad input; nothing was changed. */
  Usage = 2,
  /** Every carbon-intensity provider for the request failed. */
  Provider = 3,
  /** An executor or checkpoint operation failed. */
  Executor = 4,
}

export interface CarbondErrorOptions {
  cause?: unknown;
}

export class CarbondError extends Error {
  /** Stable machine-readable code, e.g. `E_CONFIG`. */
  readonly code: string;
  /** The exit code the CLI uses when this error ends a command. */
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode = ExitCode.Failure, options: CarbondErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Formats issues as one line each: `  - path: message (got value)`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}${i.value === undefined ? '' : ` (got ${JSON.stringify(i.value)})`}`).join('\n');
}

/** The configuration is invalid. Carries every issue found, not just the first. */
export class ConfigError extends CarbondError {
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[], source = 'configuration') {
    super('E_CONFIG', `invalid ${source}:\n${formatIssues(issues)}`, ExitCode.Usage);
    this.issues = issues;
  }
}

/**
 * The caller may not do this: not the job's owner nor root, or no identity the kernel
 * vouches for (ADR 0012). Exit 2 (usage): nothing was changed. HTTP 403.
 */
export class PermissionError extends CarbondError {
  constructor(message: string) {
    super('E_PERMISSION', message, ExitCode.Usage);
  }
}

/** User input (flags, job files, CSV, JSON) is invalid. Carries every issue found. */
export class InputError extends CarbondError {
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[], what = 'input') {
    super('E_INPUT', `invalid ${what}:\n${formatIssues(issues)}`, ExitCode.Usage);
    this.issues = issues;
  }
}

export interface ProviderErrorFields {
  provider: string;
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

/** A carbon-intensity provider failed (HTTP error, timeout, malformed body, auth). */
export class ProviderError extends CarbondError {
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, fields: ProviderErrorFields) {
    super('E_PROVIDER', `${fields.provider}: ${message}`, ExitCode.Provider, { cause: fields.cause });
    this.provider = fields.provider;
    this.status = fields.status;
    this.retryable = fields.retryable;
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/** Starting, pausing, resuming or stopping a run failed. */
export class ExecutorError extends CarbondError {
  readonly jobId: string | undefined;
  constructor(message: string, jobId?: string, options: CarbondErrorOptions = {}) {
    super('E_EXECUTOR', message, ExitCode.Executor, options);
    this.jobId = jobId;
  }
}

/** A checkpoint could not be written, read or verified. */
export class CheckpointError extends CarbondError {
  readonly jobId: string | undefined;
  readonly path: string;
  constructor(message: string, path: string, jobId?: string, options: CarbondErrorOptions = {}) {
    super('E_CHECKPOINT', message, ExitCode.Executor, options);
    this.jobId = jobId;
    this.path = path;
  }
}

/** The ledger (SQLite) failed or is in a state carbond does not understand. */
export class LedgerError extends CarbondError {
  constructor(message: string, options: CarbondErrorOptions = {}) {
    super('E_LEDGER', message, ExitCode.Failure, options);
  }
}

/** An operation is not allowed in the current state (e.g. an illegal job transition). */
export class StateError extends CarbondError {
  constructor(message: string, exitCode: ExitCode = ExitCode.Usage) {
    super('E_STATE', message, exitCode);
  }
}

/** The exit code for any thrown value: typed errors know theirs, the rest are failures. */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof CarbondError ? err.exitCode : ExitCode.Failure;
}
