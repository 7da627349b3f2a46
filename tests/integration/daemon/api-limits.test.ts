/**
 * The control server's guards (ADR 0012), in-process on a real Unix socket: a connection
 * whose peer cannot be established is refused, one uid cannot hold every connection, a
 * client that trickles its headers is cut off, an oversized body is refused before it is
 * read, and malformed targets are a 400 — never a 500.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { nullLogger } from '../../../src/core/logger';
import type { DaemonContext } from '../../../src/daemon/context';
import type { Route } from '../../../src/daemon/api/routes';
import { MAX_BODY_BYTES, startApiServer, type ApiServer, type ApiServerOptions } from '../../../src/daemon/api/server';

/** One raw HTTP/1.0 exchange; resolves with the status (0 when the server closed without answering). */
function exchange(socketPath: string, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let raw = '';
    s.on('data', (c: Buffer) => { raw += c.toString(); });
    s.once('error', reject);
    s.once('connect', () => s.write(text));
    s.once('close', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0);
      resolve({ status, body: raw.slice(raw.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('the control server\'s limits', () => {
  let dir: string;
  let server: ApiServer | undefined;
  const ctx = { logger: nullLogger } as unknown as DaemonContext;
  const routes: Route[] = [
    { method: 'GET', path: '/v1/who', handler: (_c, req) => req.caller },
    { method: 'GET', path: '/v1/things/:id', handler: (_c, req) => ({ id: req.params['id'] }) },
    { method: 'POST', path: '/v1/echo', handler: (_c, req) => req.body },
  ];
  const start = async (options: ApiServerOptions = {}): Promise<string> => {
    server = await startApiServer(ctx, routes, path.join(dir, 'api.sock'), options);
    return server.socketPath;
  };

  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-api-')); });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers with the caller the kernel reports, whatever header the client sends', async () => {
    const sock = await start();
    const r = await exchange(sock, 'GET /v1/who HTTP/1.0\r\nx-carbond-uid: 4242\r\n\r\n');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ uid: process.getuid!(), gid: process.getgid!(), pid: process.pid });
  });

  it('refuses every request on a connection whose peer cannot be established (403)', async () => {
    const sock = await start({ identify: () => { throw new Error('no SO_PEERCRED'); } });
    const r = await exchange(sock, 'GET /v1/who HTTP/1.0\r\n\r\n');
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/cannot establish who is calling: no SO_PEERCRED/);
  });

  it('answers 429 to a uid past its connection limit while other uids are still served', async () => {
    let next = 0;
    // The first three connections are "uid 7", the rest "uid 8".
    const sock = await start({ limits: { connectionsPerUid: 2 }, identify: () => ({ uid: next++ < 3 ? 7 : 8, gid: 0, pid: 1 }) });
    const held = await Promise.all([0, 1].map(() => new Promise<net.Socket>((resolve) => { const s = net.connect(sock, () => resolve(s)); })));
    const third = await exchange(sock, 'GET /v1/who HTTP/1.0\r\n\r\n');
    expect(third.status).toBe(429);
    expect(third.body).toMatch(/too many open connections from uid 7 \(limit 2\)/);
    const other = await exchange(sock, 'GET /v1/who HTTP/1.0\r\n\r\n');
    expect(other.status).toBe(200);
    for (const s of held) s.destroy();
  });

  it('cuts off a client that sends its headers too slowly', async () => {
    const sock = await start({ limits: { headersTimeoutMs: 500, requestTimeoutMs: 600 } });
    const t0 = Date.now();
    const r = await new Promise<number>((resolve) => {
      const s = net.connect(sock, () => s.write('GET /v1/who HTTP/1.0\r\nx-slow: '));
      s.on('data', () => undefined);
      s.once('close', () => resolve(Date.now() - t0));
      s.once('error', () => undefined);
    });
    expect(r).toBeLessThan(5_000);
  });

  it('refuses a body larger than the limit from its content-length, naming the limit', async () => {
    const sock = await start();
    const r = await exchange(sock, `POST /v1/echo HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: ${MAX_BODY_BYTES + 1}\r\n\r\n{}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/body: larger than 1048576 bytes/);
  });

  it.each([
    ['a malformed escape in a path segment', 'GET /v1/things/%zz HTTP/1.0', /id: is not a valid URL-encoded path segment/],
    ['an absolute-form target', 'GET http://evil/v1/who HTTP/1.0', /url: must be a path starting with \//],
    ['a body that is not JSON', 'POST /v1/echo HTTP/1.0\r\ncontent-length: 3\r\n\r\n{x:', /body: not valid JSON/],
  ])('answers 400, not 500, to %s', async (_what, line, message) => {
    const sock = await start();
    const r = await exchange(sock, line.includes('\r\n\r\n') ? line : `${line}\r\n\r\n`);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(message);
  });
});
