/**
 * The CLI's client for the daemon's control API (HTTP+JSON over the Unix socket).
 * Plain HTTP/1.0 over node:net (node:http costs ~10 ms more to load, and this is on the
 * `carbond status` path).
 */
import * as net from 'node:net';
import { CarbondError, ExitCode } from '../core/errors';

/** Default time a CLI call waits for the daemon, ms. */
export const DAEMON_TIMEOUT_MS = 2_000;

/** Nothing answers on the socket (no daemon, or a stale socket file). */
export class DaemonUnavailableError extends CarbondError {
  constructor(socketPath: string, reason: string) {
    super('E_NO_DAEMON', `the carbond daemon is not running (no answer on ${socketPath}: ${reason})`, ExitCode.Failure);
  }
}

/** The daemon answered with an error; carries its code and exit code. */
export class DaemonRequestError extends CarbondError {
  readonly status: number;
  readonly issues: unknown;
  constructor(status: number, body: { code?: string; message?: string; exitCode?: number; issues?: unknown }) {
    super(body.code ?? 'E_DAEMON', body.message ?? `daemon answered HTTP ${status}`, (body.exitCode as ExitCode | undefined) ?? ExitCode.Failure);
    this.status = status;
    this.issues = body.issues;
  }
}

export interface DaemonRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  timeoutMs?: number;
}

/**
 * Calls the daemon and returns the parsed JSON body. Throws `DaemonUnavailableError` when
 * nothing answers (ENOENT, ECONNREFUSED, timeout) and `DaemonRequestError` for HTTP ≥ 400.
 * The daemon learns who is calling from the kernel (SO_PEERCRED, ADR 0012): nothing here states it.
 */
export function callDaemon<T = unknown>(socketPath: string, request: DaemonRequest): Promise<T> {
  const payload = request.body === undefined ? '' : JSON.stringify(request.body);
  const head = [
    `${request.method ?? 'GET'} ${request.path} HTTP/1.0`, 'host: carbond',
    ...(request.body === undefined ? [] : ['content-type: application/json', `content-length: ${Buffer.byteLength(payload)}`]),
  ].join('\r\n');
  return new Promise<T>((resolve, reject) => {
    const socket = net.connect(socketPath);
    const chunks: Buffer[] = [];
    socket.setTimeout(request.timeoutMs ?? DAEMON_TIMEOUT_MS, () => socket.destroy(new DaemonUnavailableError(socketPath, 'timed out')));
    // No half-close: Node's server drops a half-closed connection whose answer is still pending (an async handler such as cancel). HTTP/1.0: the server closes after answering.
    socket.once('connect', () => socket.write(`${head}\r\n\r\n${payload}`));
    socket.on('data', (c: Buffer) => chunks.push(c));
    const settle = (raw: Buffer): void => {
      try {
        const { status, body } = parseResponse(raw);
        if (status >= 400) reject(new DaemonRequestError(status, (body as { error?: object } | undefined)?.error ?? {}));
        else resolve(body as T);
      } catch (err) {
        reject(err);
      }
    };
    socket.once('error', (err: NodeJS.ErrnoException) => {
      // The daemon may answer and close before it has read the whole request (a body over its
      // limit: 400): our write then fails with EPIPE or ECONNRESET, but its answer is what to show.
      const raw = Buffer.concat(chunks);
      if (err instanceof CarbondError) reject(err);
      else if (isCompleteResponse(raw)) settle(raw);
      else if (UNAVAILABLE.includes(err.code ?? '')) reject(new DaemonUnavailableError(socketPath, err.code ?? err.message));
      else if (err.code === 'EPIPE') reject(new CarbondError('E_DAEMON', 'the daemon closed the connection before it read the whole request, without an answer', ExitCode.Failure, { cause: err }));
      else reject(err);
    });
    socket.once('close', (hadError) => {
      if (!hadError) settle(Buffer.concat(chunks));
    });
  });
}

/** True when `raw` holds a whole answer: headers and the `content-length` bytes they announce. */
export function isCompleteResponse(raw: Buffer): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.subarray(0, end).toString('latin1'))?.[1];
  return length !== undefined && raw.length - (end + 4) >= Number(length);
}

const UNAVAILABLE = ['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EACCES', 'ECONNRESET'];

/**
 * An HTTP/1.0 response from our own server: status line, headers, blank line, a JSON body
 * of `content-length` bytes (the server never chunks a reply to a 1.0 request).
 */
export function parseResponse(raw: Buffer): { status: number; body: unknown } {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new CarbondError('E_DAEMON', 'the daemon closed the connection without a complete answer');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw.subarray(0, end).toString('latin1'))?.[1] ?? NaN);
  if (!Number.isFinite(status)) throw new CarbondError('E_DAEMON', 'the daemon answered something that is not HTTP');
  const text = raw.subarray(end + 4).toString('utf8');
  let body: unknown;
  try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
  return { status, body };
}
