/**
 * The control API's route table: `{ method, path, handler }`, where `path` may hold
 * `:params` (`/v1/jobs/:id/pause`). A handler gets the daemon context and the parsed
 * request and returns JSON-able data (status 200) or throws: a `CarbondError` with exit
 * code 2 → 400, `PermissionError` → 403, `RouteNotFoundError` → 404, `StateError` → 409, no room
 * on the state dir's disk (`E_DISK`) → 507, anything else → 500.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CarbondError, ExitCode, InputError, PermissionError, StateError } from '../../core/errors';
import type { DaemonContext } from '../context';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who is calling, as the kernel saw it at connect(2) (`SO_PEERCRED`, ADR 0012): never from
 * a header or the body. `pid` is informational (the process may be gone by now).
 */
export interface Caller {
  uid: number;
  gid: number;
  pid: number;
}

export interface RouteRequest {
  /** The caller's identity from the kernel. */
  caller: Caller;
  /** Values of the path's `:params`, URL-decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** The parsed JSON body; undefined when there was none. */
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface Route {
  method: HttpMethod;
  /** e.g. `/v1/status`, `/v1/jobs/:id`. */
  path: string;
  /** One line for `GET /v1` (the route index). */
  summary?: string;
  handler(ctx: DaemonContext, req: RouteRequest): unknown;
}

/** No route matches (404). */
export class RouteNotFoundError extends CarbondError {
  constructor(what: string) {
    super('E_NOT_FOUND', `not found: ${what}`, ExitCode.Usage);
  }
}

/** Matches `method path` against the table; returns the route and its params. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = pathname.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((seg, i) => {
      const part = parts[i] as string;
      if (seg.startsWith(':')) {
        params[seg.slice(1)] = decodeParam(seg.slice(1), part);
        return true;
      }
      return seg === part;
    });
    if (ok) return { route, params };
  }
  return undefined;
}

/** A path segment, URL-decoded; malformed escapes (`%zz`) are the client's error (400). */
function decodeParam(name: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InputError([{ path: name, message: 'is not a valid URL-encoded path segment', value: part }], 'request');
  }
}

/**
 * A query parameter as a whole number ≥ 0, or `fallback` when absent; anything else is a
 * 400 naming the parameter (`?offset=abc`).
 */
export function queryCount(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InputError([{ path: name, message: 'must be a whole number ≥ 0', value: raw }], 'request');
  return n;
}

/** The HTTP status for an error thrown by a handler. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof RouteNotFoundError) return 404;
  if (err instanceof PermissionError) return 403;
  if (err instanceof CarbondError && err.code === 'E_DISK') return 507;
  if (err instanceof StateError) return 409;
  if (err instanceof CarbondError) return err.exitCode === ExitCode.Usage ? 400 : 500;
  return 500;
}

/** The JSON body of an error response; the CLI turns it back into an error with the same exit code. */
export interface ErrorBody {
  error: { code: string; message: string; exitCode: number; issues?: unknown };
}

export function errorBodyOf(err: unknown): ErrorBody {
  if (err instanceof CarbondError) {
    const issues = (err as { issues?: unknown }).issues;
    return { error: { code: err.code, message: err.message, exitCode: err.exitCode, ...(issues === undefined ? {} : { issues }) } };
  }
  return { error: { code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err), exitCode: ExitCode.Failure } };
}
