import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { callDaemon, DaemonRequestError, DaemonUnavailableError, parseResponse } from '../../../src/cli/daemon-client';
import { CarbondError } from '../../../src/core/errors';
import { nullLogger } from '../../../src/core/logger';
import type { DaemonContext } from '../../../src/daemon/context';
import type { Route } from '../../../src/daemon/api/routes';
import { startApiServer, type ApiServer } from '../../../src/daemon/api/server';

describe('parseResponse', () => {
  it('reads the status and the JSON body, multi-byte characters included', () => {
    const raw = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"zone":"GB","note":"142 gCO₂/kWh"}');
    expect(parseResponse(raw)).toEqual({ status: 200, body: { zone: 'GB', note: '142 gCO₂/kWh' } });
  });

  it('keeps the status of an error answer', () => {
    expect(parseResponse(Buffer.from('HTTP/1.1 409 Conflict\r\n\r\n{"error":{"code":"E_STATE"}}'))).toEqual({ status: 409, body: { error: { code: 'E_STATE' } } });
  });

  it('refuses a cut-off answer and something that is not HTTP', () => {
    expect(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\ncontent-'))).toThrow(CarbondError);
    expect(() => parseResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow('not HTTP');
  });
});

describe('callDaemon against a daemon that refuses the request before reading it', () => {
  let dir: string;
  let server: ApiServer | undefined;
  const ctx = { logger: nullLogger } as unknown as DaemonContext;
  const routes: Route[] = [{ method: 'POST', path: '/v1/jobs', handler: (_c, req) => req.body }];

  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carbond-client-')); });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the daemon\'s 400 for an oversized body, not the EPIPE of the unfinished write', async () => {
    server = await startApiServer(ctx, routes, path.join(dir, 'api.sock'), { identify: () => ({ uid: 1, gid: 1, pid: 1 }) });
    const body = { name: 'x'.repeat(10 * 1_048_576) };
    for (let i = 0; i < 5; i++) {
      const err = await callDaemon(server.socketPath, { method: 'POST', path: '/v1/jobs', body, timeoutMs: 10_000 }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DaemonRequestError);
      expect(err).toMatchObject({ status: 400, exitCode: 2, message: expect.stringMatching(/body: larger than 1048576 bytes/) });
    }
  });

  it('shows an answer the daemon sent before it reset the connection', async () => {
    const sock = path.join(dir, 'reset.sock');
    const answer = JSON.stringify({ error: { code: 'E_INPUT', message: 'invalid request:\n  - body: too big', exitCode: 2 } });
    const raw = net.createServer((s) => {
      s.once('data', () => {
        s.write(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(answer)}\r\n\r\n${answer}`);
        s.destroy();
      });
    });
    await new Promise<void>((resolve) => raw.listen(sock, resolve));
    try {
      const err = await callDaemon(sock, { method: 'POST', path: '/v1/jobs', body: { blob: 'y'.repeat(16 * 1_048_576) }, timeoutMs: 10_000 }).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ status: 400, code: 'E_INPUT', exitCode: 2, message: expect.stringMatching(/body: too big/) });
    } finally {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('still says the daemon is not running when nothing listens', async () => {
    await expect(callDaemon(path.join(dir, 'none.sock'), { path: '/v1/status' })).rejects.toBeInstanceOf(DaemonUnavailableError);
  });
});
