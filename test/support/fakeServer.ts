import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: string;
  body: any;
}

/** `text` is sent as it is (a provider that signs its exact bytes); otherwise `body` as JSON. */
export type Reply = { status: number; body?: unknown; text?: string; headers?: Record<string, string> } | { hang: true };
export type Route = (req: Recorded) => Reply | Promise<Reply>;

/**
 * A real HTTP server standing in for something outside the product (payment provider, supplier,
 * storefront webhook receiver). It records every request it gets.
 */
export class FakeServer {
  readonly requests: Recorded[] = [];
  private server!: Server;
  url = '';

  constructor(private route: Route) {}

  respondWith(route: Route): void {
    this.route = route;
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      let body: unknown = undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const recorded: Recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, raw, body };
      this.requests.push(recorded);
      const reply = await this.route(recorded);
      if ('hang' in reply) return; // never answers: the caller's timeout must fire
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
