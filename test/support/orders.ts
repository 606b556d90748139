import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Config } from '../../config';
import { importKeys, type ImportResult } from '../../db/inventory';
import type { Store } from '../../db/store';
import { newId, type Vault } from '../../db/vault';
import type { Money } from '../../domain/money';
import { isTerminal, newOrderInput, orderWorkflowId, type OrderInput, type OrderStatus, type OrderView, type PaymentNotice } from '../../domain/order';
import { restockLookEvery } from '../../domain/orderLife';
import { orderView } from '../../workflows/messages';
import { startWorker, type RunningWorker } from '../../worker/worker';
import { startProduct, type Product } from './harness';
import { ApiClient, DEV, eventually, type Answer } from './http';

/*
 * The steps every order test repeats: a product with keys, an order, its payment, waiting for a
 * status. Two levels: through the store and the workflow client (time-skipping tests start the
 * order workflow directly), and through the HTTP API as a storefront, buyer, agent and provider.
 */

export const PRICE: Money = { amount: 1999, currency: 'CNY' };

export interface ProductSpec {
  name?: string;
  price?: Money;
  refundWindow?: string;
  complaintWindow?: string;
  keyPattern?: string;
  validationUrl?: string;
  lowStockThreshold?: number;
  instructions?: { zh?: string; en?: string };
}

/** Distinct key codes no other test uses. */
export function keyCodes(n: number, prefix = 'KEY'): string[] {
  const run = randomBytes(4).toString('hex').toUpperCase();
  return Array.from({ length: n }, (_, i) => `${prefix}-${run}-${String(i + 1).padStart(4, '0')}`);
}

/** A payment provider's notice for an order: a success of the right amount unless told otherwise. */
export function paymentNotice(order: { orderId: string; amount: Money }, fields: Partial<PaymentNotice> = {}): PaymentNotice {
  return {
    eventId: `evt-${randomBytes(6).toString('hex')}`,
    orderId: order.orderId,
    paymentId: 'pay-1',
    status: 'succeeded',
    amount: order.amount,
    ...fields,
  };
}

// ── Through the store and the workflow client ───────────────────────────────────────────────────

export interface Backend {
  store: Store;
  vault: Vault;
  config: Config;
  client: Client;
}

/** A catalog entry and its keys, written as the products route writes them. */
export async function seedProduct(b: Backend, sku: string, spec: ProductSpec = {}, codes: string[] = []): Promise<ImportResult> {
  await b.store.products.create({
    _id: sku,
    name: spec.name ?? sku,
    price: spec.price ?? PRICE,
    refundWindow: spec.refundWindow ?? b.config.defaultRefundWindow,
    complaintWindow: spec.complaintWindow ?? b.config.defaultComplaintWindow,
    ...(spec.keyPattern ? { keyPattern: spec.keyPattern } : {}),
    ...(spec.validationUrl ? { validationUrl: spec.validationUrl } : {}),
  });
  return addKeys(b, sku, codes);
}

export async function addKeys(b: Backend, sku: string, codes: string[]): Promise<ImportResult> {
  const product = await b.store.products.findById(sku).lean();
  if (!product) throw new Error(`no product ${sku}`);
  return importKeys(b.store, b.vault, sku, codes, product.keyPattern);
}

/**
 * Start an order's workflow with the input the API's intake gives it (newOrderInput), created at `nowMs`
 * (the workflow clock: the time-skipping server's time runs ahead of the wall clock).
 */
export async function startOrder(
  b: Backend,
  sku: string,
  nowMs: number,
  quantity = 1,
  taskQueue = b.config.temporal.taskQueue,
  changes: Partial<OrderInput> = {},
): Promise<{ input: OrderInput; handle: WorkflowHandle }> {
  const product = await b.store.products.findById(sku).lean();
  if (!product) throw new Error(`no product ${sku}`);
  const input = newOrderInput({
    orderId: newId(),
    product: { ...product, sku },
    quantity,
    buyerEmail: 'buyer@example.com',
    createdAt: new Date(nowMs).toISOString(),
    terms: b.config,
    listing: { storefront: 'test-shop' },
    supplierCheck: Boolean(product.validationUrl),
  });
  Object.assign(input, changes);
  const handle = await b.client.workflow.start('order', {
    taskQueue,
    workflowId: orderWorkflowId(input.orderId),
    args: [input],
  });
  return { input, handle };
}

/** Query the workflow until its view satisfies `ready` (real time passes; workflow time is not skipped). */
export function queryUntil(handle: WorkflowHandle, ready: (v: OrderView) => boolean, what: string): Promise<OrderView> {
  return eventually(async () => {
    const view = await handle.query(orderView);
    return ready(view) ? view : false;
  }, what);
}

/**
 * Wait until each order waiting for stock has had its first look at the stock answered: it has set
 * the timer of its next look (restockLookEvery). Until then the look, a step of the order's own,
 * can take an imported key ahead of an older order, so tests of "oldest payment first" import after it.
 */
export async function settledIntoStockWait(b: Backend, orderIds: string[]): Promise<void> {
  const lookMs = restockLookEvery(b.config.restockWaitMs);
  for (const orderId of orderIds) {
    await eventually(async () => {
      const history = await b.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
      return (history.events ?? []).some((e) => {
        const timeout = e.timerStartedEventAttributes?.startToFireTimeout;
        return timeout !== undefined && timeout !== null && Math.abs(Number(timeout.seconds ?? 0) * 1000 + (timeout.nanos ?? 0) / 1e6 - lookMs) < 1_000;
      });
    }, `order ${orderId} to set the timer of its next look at the stock`);
  }
}

export function timelineTypes(view: OrderView): string[] {
  return view.timeline.map((e) => e.type);
}

export function countOf<T>(items: readonly T[], item: T): number {
  return items.filter((x) => x === item).length;
}

// ── Through the HTTP API ─────────────────────────────────────────────────────────────────────────

export interface PlacedOrder {
  orderId: string;
  orderToken: string;
  amount: Money;
  /** The API as this order's buyer (their order token). */
  buyer: ApiClient;
}

/** A storefront, its admin, an agent, ops and the payment provider, speaking to the running API. */
export class Shop {
  readonly admin: ApiClient;
  readonly storefront: ApiClient;
  readonly agent: ApiClient;
  readonly ops: ApiClient;

  constructor(
    readonly http: ApiClient,
    private readonly webhookSecret: string,
    /** The staff keys: the dev keys (the merchant `default`'s), or another merchant's. */
    keys: Record<keyof typeof DEV, string> = DEV,
    /** Another merchant's: its notices go to its own address, signed with its own secret. */
    private readonly merchantId?: string,
  ) {
    this.admin = http.as(keys.admin);
    this.storefront = http.as(keys.storefront);
    this.agent = http.as(keys.agent);
    this.ops = http.as(keys.ops);
  }

  async product(sku: string, spec: ProductSpec = {}, codes: string[] = []): Promise<void> {
    const put = await this.admin.put(`/v1/products/${sku}`, { name: spec.name ?? sku, price: spec.price ?? PRICE, ...spec });
    expectStatus(put, 200, `PUT product ${sku}`);
    if (codes.length > 0) await this.importKeys(sku, codes);
  }

  async importKeys(sku: string, codes: string[]): Promise<{ imported: number; duplicates: number; rejected: number; waitingOrders: number; restockOffer: string; restockWorkflowId?: string }> {
    const answer = await this.admin.post(`/v1/products/${sku}/keys`, { keys: codes });
    expectStatus(answer, 200, `import keys for ${sku}`);
    return answer.body;
  }

  async order(sku: string, quantity = 1, email = 'buyer@example.com'): Promise<PlacedOrder> {
    const answer = await this.storefront.post('/v1/orders', { sku, quantity, buyer: { email } });
    expectStatus(answer, 201, `order ${quantity} × ${sku}`);
    const { orderId, orderToken, amount } = answer.body;
    return { orderId, orderToken, amount, buyer: this.http.buyer(orderToken) };
  }

  /** An order paid for and delivered. */
  async delivered(sku: string, email = 'buyer@example.com'): Promise<PlacedOrder> {
    const order = await this.order(sku, 1, email);
    await this.pay(order);
    await this.waitFor(order.orderId, 'DELIVERED');
    return order;
  }

  /** The buyer of a delivered order asks for the money back; it waits for an agent's decision. */
  async refundRequested(order: PlacedOrder, reason = 'Bought the wrong region.'): Promise<PlacedOrder> {
    expectStatus(await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason }), 202, `refund request on ${order.orderId}`);
    await this.waitFor(order.orderId, 'REFUND_REQUESTED');
    return order;
  }

  /** A delivered order refunded: asked for by its buyer, approved by an agent. */
  async refunded(order: PlacedOrder): Promise<PlacedOrder> {
    await this.refundRequested(order);
    expectStatus(await this.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: true }), 200, `refund approved on ${order.orderId}`);
    await this.waitFor(order.orderId, 'REFUNDED');
    return order;
  }

  /** The provider's signed webhook: a success of the order's amount unless told otherwise. */
  async pay(order: { orderId: string; amount: Money }, fields: Partial<PaymentNotice> = {}): Promise<PaymentNotice> {
    const notice = paymentNotice(order, fields);
    await this.notify(notice);
    return notice;
  }

  /** Pay each order in turn, each once it waits for stock: their payments are in this order. */
  async payIntoStockOut(orders: PlacedOrder[]): Promise<void> {
    for (const o of orders) {
      await this.pay(o);
      await this.waitFor(o.orderId, 'OUT_OF_STOCK');
    }
  }

  /** Send a notice exactly as given (a replay sends the same one again). */
  async notify(notice: PaymentNotice): Promise<void> {
    expectStatus(await this.http.notifyPayment(notice, this.webhookSecret, this.merchantId), 200, `payment notice ${notice.eventId}`);
  }

  /**
   * Wait until every notice sent to an open order so far has been handled: notices are handled in
   * the order they come, so once a failed notice sent now shows in the timeline, all before it did.
   */
  async noticesHandled(order: { orderId: string; amount: Money }): Promise<OrderView> {
    const marker = await this.pay(order, { paymentId: `marker-${randomBytes(4).toString('hex')}`, status: 'failed' });
    return eventually(async () => {
      const view = await this.view(order.orderId);
      return view.timeline.some((e) => e.detail?.includes(marker.paymentId)) ? view : false;
    }, `the marker notice on ${order.orderId}`);
  }

  async view(orderId: string): Promise<OrderView> {
    const answer = await this.ops.get(`/v1/orders/${orderId}`);
    expectStatus(answer, 200, `GET order ${orderId}`);
    return answer.body;
  }

  /**
   * An agent's remedy on a complaint, as an agent sees it through: answered at once (200, or 409),
   * or 202 while the order carries it out, then the complaint view once it is resolved.
   */
  async remedy(complaintId: string, action: 'resolve_replace' | 'resolve_refund', note?: string): Promise<Answer> {
    const answer = await this.agent.post(`/v1/complaints/${complaintId}/actions`, { action, ...(note ? { note } : {}) });
    if (answer.status !== 202) return answer;
    expect(answer.body).toEqual({ status: 'pending', orderId: expect.any(String), complaintId });
    return eventually(async () => {
      const seen = await this.agent.get(`/v1/complaints/${complaintId}`);
      return seen.body.status === 'RESOLVED' || seen.body.remedy?.status === 'failed' ? { ...seen, status: 200 } : false;
    }, `the ${action} on complaint ${complaintId} to be carried out`);
  }

  /** Poll the order view until it is in one of `statuses`. */
  waitFor(orderId: string, ...statuses: OrderStatus[]): Promise<OrderView> {
    return eventually(async () => {
      const view = await this.view(orderId);
      return statuses.includes(view.status) ? view : false;
    }, `order ${orderId} to be ${statuses.join(' or ')}`);
  }

  /** Poll until the order is terminal and its workflow has closed (late messages then take the stray path). */
  async waitClosed(client: Client, orderId: string, ...statuses: OrderStatus[]): Promise<OrderView> {
    const view = await this.waitFor(orderId, ...statuses);
    if (!isTerminal(view.status)) throw new Error(`${view.status} is not terminal`);
    await client.workflow.getHandle(orderWorkflowId(orderId)).result();
    return this.view(orderId);
  }

  async stock(sku: string): Promise<Record<string, number>> {
    const answer = await this.ops.get(`/v1/products/${sku}`);
    expectStatus(answer, 200, `GET product ${sku}`);
    return answer.body.stock;
  }
}

/**
 * The whole product for a describe block (started in its beforeAll, stopped in its afterAll), and a
 * shop speaking to it. `env` is read when the block starts, so it may name fake servers started
 * by an earlier beforeAll.
 */
export function productWithShop(env: () => Record<string, string> = () => ({})): { product: Product; shop: Shop } {
  const ctx = {} as { product: Product; shop: Shop };
  beforeAll(async () => {
    ctx.product = await startProduct(env());
    ctx.shop = new Shop(new ApiClient(ctx.product.api.url), ctx.product.config.paymentWebhookSecret);
  });
  afterAll(async () => {
    await ctx.product?.stop();
  });
  return ctx;
}

/**
 * A product of its own whose one worker a test may stop, to see what still holds with no worker (a
 * deploy, a crash), and start again.
 */
export function productWithOwnWorker(env: () => Record<string, string> = () => ({})): { product: Product; shop: Shop; stopWorker(): Promise<void>; startWorker(): Promise<void> } {
  let worker: RunningWorker | undefined;
  const ctx = {
    async startWorker() {
      worker = await startWorker(ctx.product.config, ctx.product.logger, { workflowBundle: { codePath: process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE as string } });
    },
    async stopWorker() {
      await worker?.stop();
      worker = undefined;
    },
  } as { product: Product; shop: Shop; stopWorker(): Promise<void>; startWorker(): Promise<void> };
  beforeAll(async () => {
    ctx.product = await startProduct(env(), { worker: false });
    ctx.shop = new Shop(new ApiClient(ctx.product.api.url), ctx.product.config.paymentWebhookSecret);
    await ctx.startWorker();
  });
  afterAll(async () => {
    await ctx.stopWorker();
    await ctx.product?.stop();
  });
  return ctx;
}

export function expectStatus(answer: Answer, status: number, what: string): void {
  if (answer.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}
