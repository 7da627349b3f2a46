/**
 * HTTP+JSON on a Unix socket (DESIGN §7). Who calls is the kernel's answer (`SO_PEERCRED`
 * through the native addon, ADR 0012), read once per connection; a connection whose peer
 * cannot be established is refused. The socket file is mode 0660, owned by root and the
 * `socketGroup` (system mode) or the daemon's user; a stale file left by a dead daemon is
 * removed, a live one is refused.
 *
 * Limits, so that no caller can starve the others: connections per uid and in all, time to
 * send the headers and the whole request, body size; a malformed request is a 4xx naming
 * what was wrong, never a 500.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { CarbondError, ExitCode, InputError, PermissionError } from '../../core/errors';
import { native } from '../../os/native';
import type { DaemonContext } from '../context';
import { errorBodyOf, httpStatusOf, matchRoute, RouteNotFoundError, type Caller, type Route } from './routes';

/** Largest request body accepted, bytes. */
export const MAX_BODY_BYTES = 1_048_576;

export interface ApiLimits {
  /** Open connections one uid may hold at once (root included); more are answered 429 and closed. Default 16. */
  connectionsPerUid: number;
  /** Open connections in all. Default 256. */
  connectionsTotal: number;
  /** Time a client has to send its headers, ms. Default 5 s. */
  headersTimeoutMs: number;
  /** Time a client has to send its whole request, ms. Default 15 s. */
  requestTimeoutMs: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = { connectionsPerUid: 16, connectionsTotal: 256, headersTimeoutMs: 5_000, requestTimeoutMs: 15_000 };

export interface ApiServerOptions {
  /** Group that may connect (chgrp of the socket, mode 0660); none: the daemon's user alone (0600). */
  socketGid?: number;
  limits?: Partial<ApiLimits>;
  /** Who is at the other end of a connection; default: the kernel's SO_PEERCRED. Tests of refusal replace it. */
  identify?: (socket: net.Socket) => Caller;
}

export interface ApiServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

/** True when something answers on `socketPath` (a live daemon). */
export function socketAnswers(socketPath: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const done = (v: boolean): void => { s.destroy(); resolve(v); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** The kernel's credentials of the process that connected `socket` (ADR 0012). */
export function peerOf(socket: net.Socket): Caller {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new PermissionError('cannot establish who is calling: the connection has no file descriptor');
  return native().peerCred(fd);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new InputError([{ path: 'body', message: `larger than ${MAX_BODY_BYTES} bytes`, value: declared }], 'request');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new InputError([{ path: 'body', message: `larger than ${MAX_BODY_BYTES} bytes` }], 'request');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new InputError([{ path: 'body', message: 'not valid JSON' }], 'request');
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request's path and query; a target that is not a path (`http://x/…`, `*`, garbage) is a 400. */
function targetOf(req: http.IncomingMessage): URL {
  const raw = req.url ?? '/';
  if (!raw.startsWith('/')) throw new InputError([{ path: 'url', message: 'must be a path starting with /', value: raw.slice(0, 200) }], 'request');
  try {
    return new URL(raw, 'http://carbond');
  } catch {
    throw new InputError([{ path: 'url', message: 'is not a valid URL', value: raw.slice(0, 200) }], 'request');
  }
}

async function handle(ctx: DaemonContext, routes: readonly Route[], caller: Caller | Error, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    if (caller instanceof Error) throw caller;
    const url = targetOf(req);
    const found = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!found) throw new RouteNotFoundError(`${req.method} ${url.pathname}`);
    const body = await readBody(req);
    const result = await found.route.handler(ctx, { caller, params: found.params, query: url.searchParams, body, headers: req.headers });
    send(res, 200, result);
  } catch (err) {
    const status = httpStatusOf(err);
    if (status >= 500) ctx.logger.error('control request failed', { method: req.method, url: req.url?.slice(0, 200), err });
    send(res, status, errorBodyOf(err));
  }
}

/** Answers 429 on a raw connection and closes it (before any HTTP parsing: the caller holds too many). */
function refuseBusy(socket: net.Socket, message: string): void {
  const body = JSON.stringify(errorBodyOf(new CarbondError('E_BUSY', message, ExitCode.Failure)));
  socket.end(`HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Starts serving `routes` on `socketPath`. */
export async function startApiServer(ctx: DaemonContext, routes: readonly Route[], socketPath: string, options: ApiServerOptions = {}): Promise<ApiServer> {
  const limits = { ...DEFAULT_API_LIMITS, ...options.limits };
  const identify = options.identify ?? peerOf;
  const socketDir = path.dirname(socketPath);
  if (!fs.existsSync(socketDir)) {
    fs.mkdirSync(socketDir, { recursive: true, mode: 0o755 });
    fs.chmodSync(socketDir, 0o755); // reachable; the socket's own mode decides who connects
  }
  if (fs.existsSync(socketPath)) {
    if (await socketAnswers(socketPath)) {
      throw new CarbondError('E_SOCKET_IN_USE', `another daemon answers on ${socketPath}; set a different socketPath or stop it`, ExitCode.Failure);
    }
    fs.rmSync(socketPath, { force: true });
  }
  const callers = new WeakMap<net.Socket, Caller | Error>();
  const openByUid = new Map<number, number>();
  // Check header and request deadlines every second (Node's default is every 30 s).
  const server = http.createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => void handle(ctx, routes, callers.get(req.socket) ?? new PermissionError('cannot establish who is calling'), req, res));
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = 2_000;
  server.maxConnections = limits.connectionsTotal;
  server.on('connection', (socket: net.Socket) => {
    let caller: Caller | Error;
    try {
      caller = identify(socket);
    } catch (err) {
      ctx.logger.warn('control connection without a peer identity refused', { component: 'api', err });
      callers.set(socket, new PermissionError(`cannot establish who is calling: ${(err as Error).message}`));
      return;
    }
    const open = (openByUid.get(caller.uid) ?? 0) + 1;
    if (open > limits.connectionsPerUid) {
      ctx.logger.warn('control connection refused: too many from one uid', { component: 'api', uid: caller.uid, open: open - 1 });
      refuseBusy(socket, `too many open connections from uid ${caller.uid} (limit ${limits.connectionsPerUid})`);
      return;
    }
    openByUid.set(caller.uid, open);
    callers.set(socket, caller);
    const uid = caller.uid;
    socket.once('close', () => {
      const left = (openByUid.get(uid) ?? 1) - 1;
      if (left <= 0) openByUid.delete(uid);
      else openByUid.set(uid, left);
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => { server.off('error', reject); resolve(); });
  });
  if (options.socketGid !== undefined) fs.chownSync(socketPath, process.getuid?.() ?? 0, options.socketGid);
  fs.chmodSync(socketPath, options.socketGid !== undefined ? 0o660 : 0o600);
  return {
    socketPath,
    // Requests in flight finish (up to 2 s); idle keep-alive connections are dropped at once.
    close: () => new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), 2_000);
      server.close(() => { clearTimeout(force); fs.rmSync(socketPath, { force: true }); resolve(); });
      server.closeIdleConnections();
    }),
  };
}
