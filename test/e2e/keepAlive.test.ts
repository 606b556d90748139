import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { startProduct, type Product } from '../support/harness';

/**
 * A proxy in front of the APIs (nginx keeps idle connections to them 50 s) and storefronts' HTTP
 * clients reuse idle connections. Had the API closed them after node's default 5 s, a request sent as
 * one closed met a reset: a 502 from the proxy for a POST, a "socket hang up" for a client (the
 * benchmark saw two at 64 storefronts). One raw connection, left idle longer than that, still answers.
 */
describe('an idle keep-alive connection to the API', () => {
  let product: Product;

  beforeAll(async () => {
    product = await startProduct({}, { worker: false });
  });
  afterAll(async () => {
    await product?.stop();
  });

  it('stays open past a few seconds of silence, and says how long it may stay', async () => {
    const url = new URL(product.api.url);
    const socket: Socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    let received = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('close', () => (closed = true));
    // Answers follow each other on the stream (the next status line right after a body).
    const answers = () => received.match(/HTTP\/1\.1 200 OK\r\n/g)?.length ?? 0;
    const ask = async (n: number) => {
      socket.write(`GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      const until = Date.now() + 5_000;
      while (answers() < n && !closed && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      return answers();
    };
    try {
      expect(await ask(1)).toBe(1);
      // Node names the idle time it keeps: 65 s, past the proxy's 50 s.
      expect(received).toMatch(/^Keep-Alive: timeout=65\r$/im);
      await new Promise((resolve) => setTimeout(resolve, 6_500));
      expect(closed).toBe(false);
      expect(await ask(2)).toBe(2);
    } finally {
      socket.destroy();
    }
  }, 20_000);
});
