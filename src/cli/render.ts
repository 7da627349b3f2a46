/**
 * The one renderer (CONVENTIONS §9): data → stdout as text or JSON; errors → stderr.
 * The only place (with the default logger) that writes to the terminal.
 */
import { CarbondError, exitCodeOf, ExitCode } from '../core/errors';
import type { CommandOutput } from './command';

export interface Streams {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Prints a command's output; returns its exit code. */
export function renderOutput(out: CommandOutput, json: boolean, io: Streams): ExitCode {
  if (json && out.data !== undefined) io.stdout(JSON.stringify(out.data, null, 2));
  else if (out.text !== undefined) io.stdout(typeof out.text === 'function' ? out.text() : out.text);
  else if (out.data !== undefined) io.stdout(JSON.stringify(out.data, null, 2));
  return out.exitCode ?? ExitCode.Ok;
}

/** Prints an error as `carbond: message` on stderr; returns its exit code. Unexpected errors get their stack with CARBOND_DEBUG=1. */
export function renderError(err: unknown, io: Streams, env: NodeJS.ProcessEnv = process.env): ExitCode {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`carbond: ${message}`);
  if (!(err instanceof CarbondError) && err instanceof Error && env['CARBOND_DEBUG'] && err.stack) io.stderr(err.stack);
  return exitCodeOf(err);
}

/** A two-column `key  value` block for people. */
export function keyValues(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** A plain text table with a header row; columns padded to their widest cell. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * A status line that rewrites itself on a terminal (`carbond wait`'s progress): each call
 * replaces the line, `null` clears it. Writes nothing when `stream` is not a TTY, so a
 * pipeline's logs get only the final result.
 */
export function ttyStatusLine(stream: { isTTY?: boolean; columns?: number; write(text: string): unknown } = process.stderr): (text: string | null) => void {
  if (stream.isTTY !== true) return () => undefined;
  return (text) => {
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    stream.write(`\r\x1b[2K${text === null ? '' : text.slice(0, width)}`);
  };
}
