/**
 * HTTP+JSON on a Unix socket (DESIGN §7). The socket file is created mode 0660 (owner
 * and group); a stale file left by a dead daemon is removed, a live one is refused.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { CarbondError, ExitCode, InputError } from '../../core/errors';
import type { DaemonContext } from '../context';
import { errorBodyOf, httpStatusOf, matchRoute, RouteNotFoundError, type Route } from './routes';

/** Largest request body accepted, bytes. */
export const MAX_BODY_BYTES = 1_048_576;

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

async function readBody(req: http.IncomingMessage): Promise<unknown> {
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
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(ctx: DaemonContext, routes: readonly Route[], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://carbond');
    const found = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!found) throw new RouteNotFoundError(`${req.method} ${url.pathname}`);
    const body = await readBody(req);
    const result = await found.route.handler(ctx, { params: found.params, query: url.searchParams, body, headers: req.headers });
    send(res, 200, result);
  } catch (err) {
    const status = httpStatusOf(err);
    if (status >= 500) ctx.logger.error('control request failed', { method: req.method, url: req.url, err });
    send(res, status, errorBodyOf(err));
  }
}

/** Starts serving `routes` on `socketPath`. */
export async function startApiServer(ctx: DaemonContext, routes: readonly Route[], socketPath: string): Promise<ApiServer> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  if (fs.existsSync(socketPath)) {
    if (await socketAnswers(socketPath)) {
      throw new CarbondError('E_SOCKET_IN_USE', `another daemon answers on ${socketPath}; set a different socketPath or stop it`, ExitCode.Failure);
    }
    fs.rmSync(socketPath, { force: true });
  }
  const server = http.createServer((req, res) => void handle(ctx, routes, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => { server.off('error', reject); resolve(); });
  });
  fs.chmodSync(socketPath, 0o660);
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
