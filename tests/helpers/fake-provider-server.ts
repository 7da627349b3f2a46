/**
 * A real HTTP server on 127.0.0.1 that serves scripted provider responses: for each route
 * (a pathname, or a predicate on it) a list of responses served in order, the last one
 * repeating, or a function of the request (`respond`: faults on a schedule). Records every
 * request (path, query, headers) so tests can assert on them. Besides status, body and
 * delay, a response can misbehave at the transport level: never answer (`hang`), reset
 * the connection (`reset`) or cut the body short (`truncateAt`).
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
  /** Never answer: the request stays open until the client gives up or the server stops. */
  hang?: boolean;
  /** Destroy the connection without answering (the client sees ECONNRESET / "socket hang up"). */
  reset?: boolean;
  /** Send the headers (with the full content-length) and only the first `truncateAt` bytes of the body, then cut the connection. */
  truncateAt?: number;
  /** A name for what this response is (e.g. the fault it plays), counted in `servedByLabel`. */
  label?: string;
}

export interface RecordedRequest {
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

type Matcher = string | ((path: string) => boolean);
/** Chooses the response to a request (faults on a schedule). */
export type Responder = (request: RecordedRequest) => FakeResponse;

export class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  /** How many responses with each `label` were served (or begun, for `hang`). */
  readonly servedByLabel = new Map<string, number>();
  private readonly routes: Array<{ match: Matcher; responses: FakeResponse[]; served: number; responder?: Responder }> = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hanging = new Set<() => void>();

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

  /** Answers requests on `match` with `responder(request)`. Later routes win. */
  respond(match: Matcher, responder: Responder): this {
    this.routes.unshift({ match, responses: [], served: 0, responder });
    return this;
  }

  /** Requests whose pathname equals or satisfies `match`. */
  requestsTo(match: Matcher): RecordedRequest[] {
    return this.requests.filter((r) => matches(match, r.path));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: RecordedRequest = { path: url.pathname, query: url.searchParams, headers: req.headers };
    this.requests.push(request);
    const route = this.routes.find((r) => matches(r.match, url.pathname));
    const reply: FakeResponse = !route ? { status: 404, body: { error: 'no such route' } }
      : route.responder ? route.responder(request)
        : (route.responses[Math.min(route.served++, route.responses.length - 1)] ?? {});
    if (reply.label !== undefined) this.servedByLabel.set(reply.label, (this.servedByLabel.get(reply.label) ?? 0) + 1);
    if (reply.hang) {
      await new Promise<void>((resolve) => { this.hanging.add(resolve); res.once('close', () => { this.hanging.delete(resolve); resolve(); }); });
      return;
    }
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    if (reply.delayMs) await new Promise<void>((resolve) => { const t = setTimeout(() => { this.timers.delete(t); resolve(); }, reply.delayMs); this.timers.add(t); });
    if (res.destroyed) return;
    const isText = typeof reply.body === 'string';
    const body = Buffer.from(reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body));
    res.writeHead(reply.status ?? 200, { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json', 'content-length': String(body.length), ...reply.headers });
    if (reply.truncateAt !== undefined && reply.truncateAt < body.length) {
      res.write(body.subarray(0, reply.truncateAt), () => res.destroy());
      return;
    }
    res.end(body);
  }

  /** Stops the server, its pending delays and every open connection. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const release of this.hanging) release();
    this.hanging.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function matches(match: Matcher, path: string): boolean {
  return typeof match === 'string' ? match === path : match(path);
}
