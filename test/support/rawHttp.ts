import { Agent, request } from 'node:http';

/*
 * Requests exactly as given, for hostile input: the header list as written (duplicates, odd
 * values), the path and query as raw text (broken percent-encoding included), the body as bytes.
 * fetch would normalise or refuse much of that before it left.
 */

export interface RawRequest {
  method: string;
  /** Path and query, sent as they are. */
  target: string;
  /** In order, duplicates kept. Values must be Latin-1 without control characters (the client refuses others). */
  headers: [string, string][];
  body?: Buffer;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export function sendRaw(baseUrl: string, req: RawRequest, timeoutMs = 30_000): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  // Given as a list, the headers go out as they are: Host and the body's length are ours to add.
  const headers: [string, string][] = [['host', url.host], ...(req.body ? [['content-length', String(req.body.length)] as [string, string]] : []), ...req.headers];
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.target, headers: headers.flat(), agent, timeout: timeoutMs },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // A server that answers before reading the whole body (413) may close while the body is still
    // going out: the answer it gave is what counts.
    outgoing.on('error', (err) => {
      if (!answered) reject(err);
    });
    outgoing.end(req.body);
  });
}
