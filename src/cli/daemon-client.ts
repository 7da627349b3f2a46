/**
 * The CLI's client for the daemon's control API (HTTP+JSON over the Unix socket).
 * node:http only, so it is cheap to load.
 */
import * as http from 'node:http';
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
 * Sends the caller's uid in `x-carbond-uid` (advisory: the socket's mode is the real guard).
 */
export function callDaemon<T = unknown>(socketPath: string, request: DaemonRequest): Promise<T> {
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: Record<string, string | number> = { 'x-carbond-uid': typeof process.getuid === 'function' ? process.getuid() : -1 };
  if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  return new Promise<T>((resolve, reject) => {
    const req = http.request({ socketPath, path: request.path, method: request.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body: unknown;
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
        const status = res.statusCode ?? 500;
        if (status >= 400) reject(new DaemonRequestError(status, (body as { error?: object } | undefined)?.error ?? {}));
        else resolve(body as T);
      });
      res.on('error', reject);
    });
    req.setTimeout(request.timeoutMs ?? DAEMON_TIMEOUT_MS, () => req.destroy(new DaemonUnavailableError(socketPath, 'timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof CarbondError) reject(err);
      else if (['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EACCES'].includes(err.code ?? '')) reject(new DaemonUnavailableError(socketPath, err.code ?? err.message));
      else reject(err);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
