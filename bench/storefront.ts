import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Money } from '../domain/money';
import type { PaymentNotice } from '../domain/order';
import { sign } from '../security/signature';
import { describe, type OrderOutcome, type PlaceOrder } from './load';

/** How a virtual storefront reaches the product: the APIs' URLs, its keys, the provider's secret. */
export interface ShopAccess {
  /** Storefront n (its orders, their notices and their buyers) speaks to apiUrls[n % apiUrls.length]. */
  apiUrls: string[];
  storefrontKey: string;
  webhookSecret: string;
  /** Storefront n sells skus[n % skus.length]. */
  skus: string[];
  /** How often the buyer asks for the keys while the order is on its way. */
  pollMs: number;
  /** Seconds each ask may wait for the keys (`?wait=`, as the buyer's page does); 0 asks and returns. */
  keysWaitSeconds: number;
  /** Besides, the buyer reads the order's view (`GET /v1/orders/:id`) this often from its creation until the keys come (a page that polls its status). */
  viewPollMs?: number;
}

/** No single request should hang a storefront: past this it counts as an error. */
const REQUEST_TIMEOUT_MS = 15_000;

interface Answer {
  status: number;
  body: any;
  retryAfter: string | null;
}

/**
 * The storefronts', provider's and buyers' connections to the product, kept alive. They are other
 * machines in life; here they share the product's two cores, so the bench speaks plain node:http,
 * which costs the machine a fraction of what fetch (a Request, a Response and streams per call) does:
 * what the bench measures is then the product's cost, not its client's.
 */
const clients = new Agent({ keepAlive: true, maxSockets: 1_024 });

interface Sent {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request; the answer's status, text and Retry-After. Past REQUEST_TIMEOUT_MS it fails. */
function send(url: string, { method = 'GET', headers = {}, body }: Sent): Promise<{ status: number; text: string; retryAfter: string | null }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: clients, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function call(url: string, sent: Sent): Promise<Answer> {
  const { status, text, retryAfter } = await send(url, sent);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status, body, retryAfter };
}

/** Retry-After in seconds (the only form the API sends), in ms. */
function retryAfterMs(answer: Answer): number | undefined {
  return answer.retryAfter && /^\d+$/.test(answer.retryAfter) ? Number(answer.retryAfter) * 1000 : undefined;
}

function describeAnswer(answer: Answer): string {
  const code = typeof answer.body === 'object' && answer.body?.error?.code ? ` ${answer.body.error.code}` : '';
  return `answered ${answer.status}${code}`;
}

function refused(step: string, answer: Answer): OrderOutcome {
  return { kind: 'error', what: `${step} ${describeAnswer(answer)}` };
}

/**
 * One order as a storefront, its buyer and the payment provider make it over HTTP: the storefront
 * creates it, the provider sends the signed payment notice, the buyer asks for the keys until they
 * come. The latency measured is notice sent → keys answered.
 */
export function storefrontOrders(shop: ShopAccess): PlaceOrder {
  let n = 0;
  return async (storefront, timeoutMs) => {
    const sku = shop.skus[storefront % shop.skus.length];
    const apiUrl = shop.apiUrls[storefront % shop.apiUrls.length];
    const step = { current: 'create' };
    try {
      const created = await call(`${apiUrl}/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${shop.storefrontKey}` },
        body: JSON.stringify({ sku, quantity: 1, buyer: { email: `buyer${++n}@example.com` } }),
      });
      if (created.status !== 201) return refused('create', created);
      const { orderId, orderToken, amount } = created.body as { orderId: string; orderToken: string; amount: Money };
      const polling = shop.viewPollMs ? pollView(`${apiUrl}/v1/orders/${orderId}`, orderToken, shop.viewPollMs) : undefined;
      try {
        return { ...(await payAndFetch(orderId, orderToken, amount)), ...(polling ? { viewPolls: polling.counts } : {}) };
      } finally {
        polling?.stop();
      }
    } catch (err) {
      return { kind: 'error', what: `${step.current}: ${describe(err)}` };
    }

    async function payAndFetch(orderId: string, orderToken: string, amount: Money): Promise<OrderOutcome> {
      step.current = 'notice';
      const notice: PaymentNotice = { eventId: `evt-${randomBytes(8).toString('hex')}`, orderId, paymentId: `pay-${orderId}`, status: 'succeeded', amount };
      const raw = JSON.stringify(notice);
      const noticeSent = performance.now();
      const deadline = Date.now() + timeoutMs;
      const noticed = await call(`${apiUrl}/v1/payments/notify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': sign(raw, shop.webhookSecret) },
        body: raw,
      });
      if (noticed.status !== 200) return refused('notice', noticed);

      step.current = 'keys';
      const retried: Record<string, number> = {};
      for (;;) {
        const wait = Math.min(shop.keysWaitSeconds, Math.floor((deadline - Date.now()) / 1000));
        const keys = await call(`${apiUrl}/v1/orders/${orderId}/keys${wait > 0 ? `?wait=${wait}` : ''}`, { headers: { 'x-order-token': orderToken } });
        if (keys.status === 200) {
          const held = (keys.body as { keys?: { code?: string }[] }).keys ?? [];
          if (held.length !== 1 || !held[0].code) return { kind: 'error', what: `keys answered 200 with ${held.length} key(s)`, retried };
          return { kind: 'ok', orderId, latencyMs: performance.now() - noticeSent, completedAt: Date.now(), retried };
        }
        // 409: not delivered yet; 503/429: come back later (as a buyer's page would, after
        // Retry-After). Anything else is a failure of the product.
        let waitMs = shop.pollMs;
        if (keys.status === 503 || keys.status === 429) {
          const what = `keys ${describeAnswer(keys)}`;
          retried[what] = (retried[what] ?? 0) + 1;
          waitMs = Math.max(shop.pollMs, retryAfterMs(keys) ?? 0);
        } else if (keys.status !== 409) {
          return { ...refused('keys', keys), retried };
        }
        if (Date.now() + waitMs > deadline) return { kind: 'timeout', what: `keys not fetchable within ${timeoutMs / 1000} s of the notice`, retried };
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  };
}

/** A buyer's page reading the order's view every `everyMs` until stopped; what it was answered, counted. */
function pollView(url: string, orderToken: string, everyMs: number): { counts: { answered: number; failed: number }; stop: () => void } {
  const counts = { answered: 0, failed: 0 };
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const asked = Date.now();
      try {
        const res = await send(url, { headers: { 'x-order-token': orderToken } });
        if (res.status === 200) counts.answered += 1;
        else counts.failed += 1;
      } catch {
        if (!stopped) counts.failed += 1;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - asked))));
    }
  })();
  return { counts, stop: () => (stopped = true) };
}
