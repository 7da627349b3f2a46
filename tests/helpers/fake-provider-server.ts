/**
 * A real HTTP server on 127.0.0.1 that serves scripted provider responses: for each route
 * (a pathname, or a predicate on it) a list of responses served in order, the last one
 * repeating. Records every request (path, query, headers) so tests can assert on them.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeResponse {
  status?: number;
  /** A string is sent as is; anything else as JSON. Undefined = no body. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (to provoke timeouts), ms. */
  delayMs?: number;
}

export interface RecordedRequest {
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

type Matcher = string | ((path: string) => boolean);

export class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Array<{ match: Matcher; responses: FakeResponse[]; served: number }> = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Starts listening on an ephemeral port of 127.0.0.1. */
  static async start(): Promise<FakeProviderServer> {
    const s = new FakeProviderServer();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Serves `responses` in order on `match` (exact pathname, or a predicate); the last repeats. Later routes win. */
  route(match: Matcher, ...responses: FakeResponse[]): this {
    this.routes.unshift({ match, responses, served: 0 });
    return this;
  }

  /** Requests whose pathname equals or satisfies `match`. */
  requestsTo(match: Matcher): RecordedRequest[] {
    return this.requests.filter((r) => matches(match, r.path));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    const route = this.routes.find((r) => matches(r.match, url.pathname));
    const reply: FakeResponse = route ? (route.responses[Math.min(route.served++, route.responses.length - 1)] ?? {}) : { status: 404, body: { error: 'no such route' } };
    if (reply.delayMs) await new Promise<void>((resolve) => { const t = setTimeout(() => { this.timers.delete(t); resolve(); }, reply.delayMs); this.timers.add(t); });
    if (res.destroyed) return;
    const isText = typeof reply.body === 'string';
    const body = reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json', ...reply.headers });
    res.end(body);
  }

  /** Stops the server, its pending delays and every open connection. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function matches(match: Matcher, path: string): boolean {
  return typeof match === 'string' ? match === path : match(path);
}
