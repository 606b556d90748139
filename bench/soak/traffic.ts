import { randomBytes } from 'node:crypto';
import type { Money } from '../../domain/money';
import { sign } from '../../security/signature';
import { describe } from '../load';

/*
 * The soak's traffic: storefronts, buyers, an agent and the payment provider, each speaking HTTP to
 * the API the way the real ones do, including their retries. Every step is retried while the
 * product is unreachable or answers 5xx/429 (a restart, a shed load), as a provider retries its
 * notices and a buyer reloads the page; each retry is counted by why. With several APIs the
 * requests go round them in turn, as a load balancer sends them, and a request an API could not
 * answer is sent again at once to another, as a proxy's next-upstream retry does.
 */

export interface SoakAccess {
  /** Every API process; requests go round them. */
  apiUrls: string[];
  keys: { admin: string; storefront: string; agent: string };
  webhookSecret: string;
  /** Plenty of stock, checked with the supplier before each key leaves. */
  mainSku: string;
  /** A little stock at a time: its orders wait OUT_OF_STOCK until the next import. */
  scarceSku: string;
  /** A promotion some buyers use: what they pay is less than the list price, and what is refunded is what they paid. */
  coupon: string;
  /** The buyer paid at the provider and the provider's notice never came (the provider shows the payment when asked, or later). */
  paidWithoutNotice: (payment: { orderId: string; paymentId: string; amount: Money }) => void;
  /** The provider's notices have stopped: a buyer who pays now pays without one (the happy path becomes `noticeLost`). */
  noticesStopped: () => boolean;
}

export const SCENARIOS = {
  /** Pay, get the keys; sometimes the provider sends its notice twice at once, or again later. */
  happy: 40,
  /** Delivered, the buyer asks for the money back, the agent approves. */
  refund: 10,
  /** Delivered, the buyer complains the key does not work, the agent sends a new one, the buyer confirms. */
  complaintReplace: 8,
  /** Delivered, the buyer complains, the agent refunds (the keys are revoked). */
  complaintRefund: 8,
  /** The buyer cancels before paying; half the time a payment arrives anyway, late. */
  cancel: 8,
  /** A payment of the wrong amount first (refunded), then the right one. */
  mismatch: 8,
  /** An order of the scarce product: delivered now or when stock comes. */
  scarce: 10,
  /** Never paid: cancelled when the payment is due, after asking the provider. */
  unpaid: 3,
  /**
   * Paid at the provider, its notice lost: delivered when the order asks the provider at its due
   * time, or cancelled when the provider does not show it yet (then an incident's reconciliation
   * finds it and makes it good).
   */
  noticeLost: 4,
} as const;
export type Scenario = keyof typeof SCENARIOS;

interface Answer {
  status: number;
  body: any;
}

/** Orders the traffic created, with what was done to them. */
export interface Placed {
  orderId: string;
  scenario: Scenario;
  /** The scenario ran to its end within the order timeout. */
  finished: boolean;
  problem?: string;
}

export class Traffic {
  readonly placed: Placed[] = [];
  /** Answers waited out and retried, by what they were. */
  readonly retries = new Map<string, number>();
  /** Requests each API answered (any status), by its URL. */
  readonly answeredBy = new Map<string, number>();
  /** Payment notices an API acknowledged (200): each must be on record, and so judged by the money check. */
  readonly acknowledged: { eventId: string; orderId: string; paymentId: string }[] = [];
  private n = 0;
  private turn = 0;
  private started = 0;

  constructor(
    private readonly access: SoakAccess,
    private readonly stepTimeoutMs: number,
  ) {}

  /** One scenario: each kind once first (so a short run sees them all), then picked by weight. */
  async runOne(chosen?: Scenario): Promise<void> {
    const kinds = Object.keys(SCENARIOS) as Scenario[];
    const picked = chosen ?? (this.started < kinds.length ? kinds[this.started] : pick());
    const scenario = picked === 'happy' && this.access.noticesStopped() ? 'noticeLost' : picked;
    this.started += 1;
    const placed: Placed = { orderId: '', scenario, finished: false };
    try {
      await this[scenario](placed);
      placed.finished = true;
    } catch (err) {
      placed.problem = describe(err);
    } finally {
      if (placed.orderId) this.placed.push(placed);
    }
  }

  // ── Scenarios ─────────────────────────────────────────────────────────────────────────────────

  private async happy(p: Placed): Promise<void> {
    const order = await this.create(p, this.access.mainSku, Math.random() < 0.25 ? this.access.coupon : undefined);
    const notice = await this.pay(order);
    const replay = Math.random();
    if (replay < 0.2) await Promise.all([this.notify(notice), this.notify(notice)]);
    await this.keys(order);
    if (replay > 0.9) await this.notify(notice);
  }

  private async refund(p: Placed): Promise<void> {
    const order = await this.create(p, this.access.mainSku);
    await this.pay(order);
    await this.keys(order);
    await this.step('refund request', (api, key) => this.send(api, 'POST', `/v1/orders/${order.orderId}/refund-request`, { token: order.orderToken, body: { reason: 'Bought the wrong card.' }, idempotencyKey: key }), [202]);
    await this.step('refund decision', (api, key) => this.send(api, 'POST', `/v1/orders/${order.orderId}/refund-decision`, { key: this.access.keys.agent, body: { approve: true }, idempotencyKey: key }), [200, 202]);
    await this.statusOf(order, ['REFUNDED']);
  }

  private async complaintReplace(p: Placed): Promise<void> {
    const order = await this.create(p, this.access.mainSku);
    await this.pay(order);
    await this.keys(order);
    const complaintId = await this.complain(order, 'key_invalid');
    await this.step('resolve by replacement', (api, key) => this.send(api, 'POST', `/v1/complaints/${complaintId}/actions`, { key: this.access.keys.agent, body: { action: 'resolve_replace' }, idempotencyKey: key }), [200, 202]);
    await this.until('the complaint resolved', async () => {
      const seen = await this.step('complaint', (api) => this.send(api, 'GET', `/v1/complaints/${complaintId}`, { key: this.access.keys.agent }), [200]);
      return seen.body.status === 'RESOLVED';
    });
    await this.step('confirm', (api, key) => this.send(api, 'POST', `/v1/complaints/${complaintId}/confirm`, { token: order.orderToken, body: { satisfied: true, rating: 5 }, idempotencyKey: key }), [200]);
  }

  private async complaintRefund(p: Placed): Promise<void> {
    const order = await this.create(p, this.access.mainSku);
    await this.pay(order);
    await this.keys(order);
    const complaintId = await this.complain(order, 'wrong_item');
    await this.step('resolve by refund', (api, key) => this.send(api, 'POST', `/v1/complaints/${complaintId}/actions`, { key: this.access.keys.agent, body: { action: 'resolve_refund' }, idempotencyKey: key }), [200, 202]);
    await this.statusOf(order, ['REFUNDED']);
  }

  private async cancel(p: Placed): Promise<void> {
    const order = await this.create(p, this.access.mainSku);
    await this.step('cancel', (api, key) => this.send(api, 'POST', `/v1/orders/${order.orderId}/cancel`, { token: order.orderToken, body: { reason: 'Changed my mind.' }, idempotencyKey: key }), [200]);
    if (Math.random() < 0.5) await this.pay(order);
    await this.statusOf(order, ['CANCELLED']);
  }

  private async mismatch(p: Placed): Promise<void> {
    const order = await this.create(p, this.access.mainSku);
    await this.pay(order, { amount: order.amount.amount + 1, currency: order.amount.currency });
    await this.pay(order);
    await this.keys(order);
  }

  private async scarce(p: Placed): Promise<void> {
    const order = await this.create(p, this.access.scarceSku);
    await this.pay(order);
    await this.statusOf(order, ['DELIVERED', 'OUT_OF_STOCK']);
  }

  private async unpaid(p: Placed): Promise<void> {
    await this.create(p, this.access.mainSku);
  }

  private async noticeLost(p: Placed): Promise<void> {
    const order = await this.create(p, this.access.mainSku);
    this.access.paidWithoutNotice({ orderId: order.orderId, paymentId: `pay-${randomBytes(6).toString('hex')}`, amount: order.amount });
    await this.statusOf(order, ['DELIVERED', 'CANCELLED']);
  }

  // ── Steps ─────────────────────────────────────────────────────────────────────────────────────

  private async create(p: Placed, sku: string, coupon?: string): Promise<{ orderId: string; orderToken: string; amount: Money }> {
    // An Idempotency-Key, so a create retried after a lost answer is the same order.
    const body = { sku, buyer: { email: `buyer${++this.n}@example.com` }, ...(coupon ? { coupon } : {}) };
    const created = await this.step('create', (api, key) => this.send(api, 'POST', '/v1/orders', { key: this.access.keys.storefront, body, idempotencyKey: key }), [200, 201]);
    p.orderId = created.body.orderId;
    return created.body;
  }

  private async pay(order: { orderId: string; amount: Money }, amount: Money = order.amount): Promise<{ eventId: string; orderId: string; paymentId: string }> {
    const notice = { eventId: `evt-${randomBytes(8).toString('hex')}`, orderId: order.orderId, paymentId: `pay-${randomBytes(6).toString('hex')}`, status: 'succeeded', amount };
    await this.notify(notice);
    return notice;
  }

  private async notify(notice: { eventId: string; orderId: string; paymentId: string }): Promise<void> {
    const raw = JSON.stringify(notice);
    await this.step('payment notice', (api) => this.send(api, 'POST', '/v1/payments/notify', { raw, headers: { 'x-signature': sign(raw, this.access.webhookSecret) } }), [200]);
    this.acknowledged.push({ eventId: notice.eventId, orderId: notice.orderId, paymentId: notice.paymentId });
  }

  private async keys(order: { orderId: string; orderToken: string }): Promise<void> {
    await this.until('the keys', async () => {
      const answer = await this.step('keys', (api) => this.send(api, 'GET', `/v1/orders/${order.orderId}/keys`, { token: order.orderToken }), [200, 409]);
      return answer.status === 200;
    });
  }

  private async complain(order: { orderId: string; orderToken: string }, category: string): Promise<string> {
    const filed = await this.step('complaint', (api, key) => this.send(api, 'POST', `/v1/orders/${order.orderId}/complaints`, { token: order.orderToken, body: { category, description: 'The code is refused at redemption.' }, idempotencyKey: key }), [201]);
    return filed.body.complaintId;
  }

  private async statusOf(order: { orderId: string; orderToken: string }, statuses: string[]): Promise<void> {
    await this.until(`status ${statuses.join(' or ')}`, async () => {
      const view = await this.step('order view', (api) => this.send(api, 'GET', `/v1/orders/${order.orderId}`, { token: order.orderToken }), [200]);
      return statuses.includes(view.body.status);
    });
  }

  /** Poll until `done`, within the step timeout. */
  private async until(what: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + this.stepTimeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what} not within ${this.stepTimeoutMs / 1000} s`);
      await sleep(200);
    }
  }

  /**
   * One request, retried while the product cannot answer it (unreachable, 5xx, 429), as a client
   * would; any other answer not in `expected` is a failure of the scenario. Every try of a step
   * carries the step's one Idempotency-Key (an action whose answer was lost, its API killed, is
   * asked again as the same action, as the contract tells clients to), for the requests that send it.
   */
  private async step(what: string, request: (apiUrl: string, idempotencyKey: string) => Promise<Answer & { retryAfter?: number }>, expected: number[]): Promise<Answer> {
    const key = `soak-${randomBytes(8).toString('hex')}`;
    const deadline = Date.now() + this.stepTimeoutMs;
    // APIs that could not answer this step: its retries go to the others while there are others.
    const down = new Set<string>();
    for (;;) {
      let why: string;
      let waitMs = 250;
      const apiUrl = this.nextApi(down);
      try {
        const answer = await request(apiUrl, key);
        this.answeredBy.set(apiUrl, (this.answeredBy.get(apiUrl) ?? 0) + 1);
        if (expected.includes(answer.status)) return answer;
        if (answer.status < 500 && answer.status !== 429) throw new Error(`${what} answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        why = `${what}: ${answer.status}`;
        waitMs = Math.max(waitMs, answer.retryAfter ?? 0);
        if (answer.status === 503) down.add(apiUrl);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith(`${what} answered`)) throw err;
        why = `${what}: unreachable`;
        down.add(apiUrl);
      }
      // Another API is there to ask: at once, as a proxy retries on its next upstream.
      if (down.has(apiUrl) && down.size < this.access.apiUrls.length) {
        why += ', retried on another API';
        waitMs = 0;
      }
      this.retries.set(why, (this.retries.get(why) ?? 0) + 1);
      if (Date.now() + waitMs > deadline) throw new Error(`${why} until the step timed out`);
      await sleep(waitMs);
    }
  }

  /** The next API in turn, skipping those that could not answer (unless every one could not). */
  private nextApi(down: Set<string>): string {
    const apis = this.access.apiUrls;
    for (let i = 0; i < apis.length; i++) {
      const url = apis[this.turn++ % apis.length];
      if (!down.has(url)) return url;
    }
    return apis[this.turn++ % apis.length];
  }

  private async send(
    apiUrl: string,
    method: string,
    path: string,
    opts: { key?: string; token?: string; body?: unknown; raw?: string; idempotencyKey?: string; headers?: Record<string, string> },
  ): Promise<Answer & { retryAfter?: number }> {
    const raw = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        ...(raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
        ...(opts.token ? { 'x-order-token': opts.token } : {}),
        ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
        ...opts.headers,
      },
      body: raw,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* keep the text */
    }
    const retryAfter = Number(res.headers.get('retry-after'));
    return { status: res.status, body, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter: retryAfter * 1000 } : {}) };
  }
}

function pick(): Scenario {
  const entries = Object.entries(SCENARIOS) as [Scenario, number][];
  let r = Math.random() * entries.reduce((a, [, w]) => a + w, 0);
  for (const [scenario, weight] of entries) if ((r -= weight) < 0) return scenario;
  return 'happy';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
