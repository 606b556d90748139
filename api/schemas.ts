/**
 * Every request and answer body of the HTTP contract, as zod schemas. Routes validate with them
 * and the OpenAPI description is generated from them, so the two never drift apart.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { COMPLAINT_ACTIONS, COMPLAINT_CATEGORIES, COMPLAINT_STATUSES } from '../domain/complaint';
import { DISPUTE_SOURCES } from '../domain/dispute';
import { isDuration, parseDuration } from '../domain/duration';
import { ORDER_STATUSES, STUCK_AFTER, type OrderView as OrderViewOf } from '../domain/order';
import type { ComplaintView as ComplaintViewOf } from '../domain/complaint';
import { PAYMENT_METHODS } from '../domain/payment';

extendZodWithOpenApi(z);
export { z };

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A yes/no field: missing is "is required", anything but a boolean "must be true or false". */
const trueOrFalse = () => z.boolean({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be true or false') });

export const Sku = z.string().regex(ID, 'must be 1-64 letters, digits, ".", "_" or "-"').openapi({ example: 'steam-wallet-100' });
export const OrderId = z.string().regex(ID, 'is not an order id');

export const Money = z
  .object({
    amount: z.number().int('must be a whole number of minor units').nonnegative('must not be negative'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like "CNY"'),
  })
  .strict()
  .openapi('Money', { example: { amount: 1999, currency: 'CNY' } });

export const Duration = z.string().refine(isDuration, 'must be a duration like "90s", "15m", "24h" or "7d"').openapi({ example: '24h' });

/** The longest window a product may set (and a look back may span): beyond it dates stop making sense. */
export const MAX_DURATION_DAYS = 365;
/** A duration of at most 365 days: `"100000000d"` would put an order's deadlines past the last valid date. */
export const BoundedDuration = Duration.refine(
  (text) => !isDuration(text) || parseDuration(text) <= MAX_DURATION_DAYS * 86_400_000,
  `must be at most ${MAX_DURATION_DAYS} days`,
).openapi({ example: '24h', description: `A duration like "90s", "15m", "24h" or "7d", at most ${MAX_DURATION_DAYS} days.` });

const regex = z
  .string()
  .max(500)
  .refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, 'is not a valid regular expression');

export const ProductInput = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    price: Money,
    refundWindow: BoundedDuration.optional(),
    complaintWindow: BoundedDuration.optional(),
    keyPattern: regex.optional(),
    // url() last: the description takes the field's format from its last format check.
    validationUrl: z.string().regex(/^https?:\/\//, 'must be an http(s) URL').url('must be an http(s) URL').optional(),
    lowStockThreshold: z.number().int('must be a whole number').min(0, 'must be at least 0').max(1_000_000, 'must be at most 1000000').optional(),
  })
  .strict()
  .openapi('ProductInput');

export const Stock = z
  .object({ available: z.number(), reserved: z.number(), delivered: z.number(), revoked: z.number(), invalid: z.number() })
  .openapi('Stock');

export const Product = z
  .object({
    sku: z.string(),
    name: z.string(),
    price: Money,
    refundWindow: z.string(),
    complaintWindow: z.string(),
    keyPattern: z.string().optional(),
    validationUrl: z.string().optional(),
    lowStockThreshold: z.number().openapi({ description: "Available stock at or below which stock.low is sent (the product's own, else LOW_STOCK_THRESHOLD)" }),
    stock: Stock.optional(),
  })
  .openapi('Product');

export const ProductList = z.object({ items: z.array(Product) }).openapi('ProductList');

export const Me = z.object({ role: z.enum(['admin', 'storefront', 'agent', 'ops']), name: z.string() }).openapi('Me');

export const KeyImport = z
  .object({ keys: z.array(z.string().min(1, 'must not be empty').max(512)).min(1, 'must hold at least one key').max(10_000, 'must hold at most 10000 keys') })
  .strict()
  .openapi('KeyImport');

export const KeyImportResult = z
  .object({
    imported: z.number(),
    duplicates: z.number(),
    rejected: z.number(),
    details: z
      .array(z.object({ index: z.number(), key: z.string(), outcome: z.enum(['rejected', 'duplicate']), reason: z.string() }))
      .openapi({ description: 'The codes not stored (at most 100, in list order): their place in the list, the code masked, and why.' }),
    resumedOrders: z.number().openapi({ description: 'Orders waiting for stock that took keys from this import before it answered.' }),
    offerPending: z.literal(true).optional().openapi({ description: 'The new stock is still being offered to waiting orders.' }),
  })
  .openapi('KeyImportResult');

export const CreateOrder = z
  .object({
    sku: Sku,
    quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10, 'must be at most 10').default(1),
    buyer: z.object({ email: z.string().email('must be an email address').max(254) }).strict(),
    payment: z.object({ method: z.enum(PAYMENT_METHODS) }).strict().optional(),
  })
  .strict()
  .openapi('CreateOrder');

/** What the buyer pays with at the order's rail: {url} (alipay, epay), {codeUrl} (wechatpay), {paymentIntentId, clientSecret} (stripe). */
export const OrderPayment = z
  .object({ method: z.enum(PAYMENT_METHODS), checkout: z.record(z.string(), z.string()).nullable() })
  .openapi('OrderPayment');

export const OrderStatus = z.enum(ORDER_STATUSES).openapi('OrderStatus');

export const OrderCreated = z
  .object({ orderId: z.string(), orderToken: z.string(), status: OrderStatus, amount: Money, paymentDueAt: z.string(), payment: OrderPayment })
  .openapi('OrderCreated');

const TimelineEntry = z.object({ at: z.string(), type: z.string(), actor: z.string().optional(), detail: z.string().optional() });

export const OrderView = z
  .object({
    orderId: z.string(),
    sku: z.string(),
    quantity: z.number(),
    amount: Money,
    status: OrderStatus,
    buyer: z.object({ email: z.string() }),
    createdAt: z.string(),
    paymentDueAt: z.string(),
    paidAt: z.string().optional(),
    paymentId: z.string().optional().openapi({ description: "The provider's id of the payment the order was paid with." }),
    deliveredAt: z.string().optional(),
    refundWindowEndsAt: z.string().optional().openapi({ description: 'Once delivered: until when the buyer may ask for a refund (the product\'s refundWindow).' }),
    complaintWindowEndsAt: z.string().optional().openapi({ description: "Once delivered: until when the buyer may file a complaint (the product's complaintWindow)." }),
    payment: OrderPayment.optional(),
    keys: z.array(z.object({ keyId: z.string(), masked: z.string() })),
    refund: z
      .object({
        status: z.string(),
        reason: z.string(),
        requestedAt: z.string(),
        decisionDueAt: z.string().optional().openapi({ description: 'When a request no agent has decided is approved without one (REFUND_DECISION_WAIT).' }),
        decidedBy: z.string().optional(),
        decidedAt: z.string().optional(),
        note: z.string().optional(),
        refundedAt: z.string().optional(),
      })
      .nullable(),
    complaints: z.array(z.string()),
    timeline: z.array(TimelineEntry),
    attention: z
      .object({ reason: z.string(), since: z.string() })
      .optional()
      .openapi({ description: 'While the order waits on a person (a refund the provider refused): why, and since when. /v1/ops/stuck lists it first.' }),
  })
  .openapi('OrderView');

export const OrderKeys = z.object({ keys: z.array(z.object({ keyId: z.string(), code: z.string() })) }).openapi('OrderKeys');

export const CancelOrder = z.object({ reason: z.string().max(2000).optional() }).strict().openapi('CancelOrder');
export const RefundRequest = z
  .object({ reason: z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters') })
  .strict()
  .openapi('RefundRequest');
export const RefundDecision = z
  .object({ approve: trueOrFalse(), note: z.string().max(2000).optional() })
  .strict()
  .openapi('RefundDecision');
export const StatusAnswer = z.object({ status: OrderStatus }).openapi('StatusAnswer');

export const PaymentNotice = z
  .object({
    eventId: z.string().min(1).max(200),
    orderId: z.string().min(1).max(200),
    paymentId: z.string().min(1).max(200),
    status: z.enum(['succeeded', 'failed']),
    amount: Money,
  })
  .strict()
  .openapi('PaymentNotice');

export const StuckQuery = z.object({ olderThan: BoundedDuration.default(STUCK_AFTER) });
export const StuckOrder = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    status: OrderStatus,
    since: z.string(),
    pendingActivity: z.string().optional(),
    attempts: z.number().optional(),
    lastFailure: z.string().optional(),
    temporalUiUrl: z.string().openapi({ description: "The workflow's page in the Temporal UI (TEMPORAL_UI_URL)" }),
  })
  .openapi('StuckOrder');

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), reason: z.string() })),
    }),
  })
  .openapi('Error');

// ── Complaints ──────────────────────────────────────────────────────────────────────────────────

export const ComplaintId = z.string().regex(ID, 'is not a complaint id');
export const ComplaintCategory = z.enum(COMPLAINT_CATEGORIES).openapi('ComplaintCategory');
export const ComplaintStatus = z.enum(COMPLAINT_STATUSES).openapi('ComplaintStatus');

export const FileComplaint = z
  .object({
    category: ComplaintCategory,
    description: z.string().trim().min(1, 'is required').max(5000, 'must be at most 5000 characters'),
    evidence: z
      .array(z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'))
      .max(10, 'must hold at most 10 items')
      .optional(),
  })
  .strict()
  .openapi('FileComplaint');

export const ComplaintFiled = z
  .object({ complaintId: z.string(), status: z.literal('OPEN'), firstResponseDueAt: z.string(), resolutionDueAt: z.string() })
  .openapi('ComplaintFiled');

export const ComplaintView = z
  .object({
    complaintId: z.string(),
    orderId: z.string(),
    sku: z.string(),
    source: z.enum(['buyer', ...DISPUTE_SOURCES]).optional().openapi({ description: "Who brought it: the buyer, or a provider's dispute channel (absent on complaints filed before: the buyer)." }),
    external: z.object({ id: z.string(), url: z.string().optional() }).optional().openapi({ description: "The provider's id for the dispute it follows (Stripe's dp_…, WeChat Pay's complaint_id)." }),
    dispute: z
      .object({
        source: z.enum(DISPUTE_SOURCES),
        id: z.string(),
        reason: z.string(),
        status: z.string(),
        outcome: z.enum(['won', 'lost', 'completed']).optional(),
        dueBy: z.string().optional(),
      })
      .optional()
      .openapi({ description: "The provider's dispute this complaint follows: its status, and its outcome once it has ended (lost: the bank returned the payment)." }),
    category: ComplaintCategory,
    description: z.string(),
    evidence: z.array(z.string()),
    status: ComplaintStatus,
    resolution: z.enum(['replaced', 'refunded', 'rejected']).optional(),
    createdAt: z.string(),
    firstResponseDueAt: z.string(),
    resolutionDueAt: z.string(),
    firstRespondedAt: z.string().optional(),
    resolvedAt: z.string().optional(),
    closedAt: z.string().optional(),
    buyerReplyDueAt: z.string().optional().openapi({ description: 'While AWAITING_BUYER: when it closes unless the buyer answers (COMPLAINT_BUYER_REPLY).' }),
    escalationReminderAt: z.string().optional().openapi({ description: 'Past its resolution deadline: when the agents are reminded next (COMPLAINT_ESCALATION_REMINDER).' }),
    escalated: z.boolean(),
    reopenCount: z.number(),
    satisfaction: z.object({ satisfied: z.boolean(), rating: z.number().optional() }).optional(),
    remedy: z
      .object({ remedy: z.enum(['replace', 'refund']), status: z.enum(['pending', 'failed']), actor: z.string(), requestedAt: z.string(), detail: z.string().optional() })
      .optional()
      .openapi({ description: 'A remedy the order is still carrying out (pending), or one that failed after the agent was answered 202; gone once it resolves the complaint.' }),
    messages: z.array(z.object({ at: z.string(), from: z.enum(['buyer', 'agent', 'system']), actor: z.string().optional(), text: z.string() })),
  })
  .openapi('ComplaintView');

/** The longest a buyer's request for keys may wait for them (GET /v1/orders/:id/keys?wait=). */
export const MAX_KEYS_WAIT_SECONDS = 20;

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const KeysQuery = z
  .object({
    wait: wholeNumber(0, MAX_KEYS_WAIT_SECONDS)
      .optional()
      .openapi({ param: { description: `Seconds (at most ${MAX_KEYS_WAIT_SECONDS}) to wait for the keys when the order is still on its way to them (awaiting payment, paid, delivering): the answer comes as soon as they are delivered, or when the wait ends. A buyer's page should wait rather than ask again and again.` } }),
  })
  .strict();

export const ComplaintQueueQuery = z
  .object({
    status: ComplaintStatus.optional().openapi({
      param: { description: 'Without it, every complaint that still needs someone: all but CLOSED. CLOSED lists the closed complaints.' },
    }),
    category: ComplaintCategory.optional(),
    sku: Sku.optional(),
    limit: wholeNumber(1, 100).prefault('20'),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const RemedyPending = z
  .object({ status: z.literal('pending'), orderId: z.string(), complaintId: z.string() })
  .openapi('RemedyPending', { description: 'The remedy is under way at the order; the complaint and order views show it pending, then its outcome.' });

export const ComplaintQueueItem = ComplaintView.extend({
  orderStatus: OrderStatus.nullable().openapi({ description: "The order's status; null if its order is not in the read model yet." }),
  amount: Money.nullable().openapi({ description: 'What the buyer paid for the order.' }),
  waitingOn: z.enum(['agent', 'buyer']).nullable().openapi({
    description: "Whose move it is: the agents' (OPEN, ACKNOWLEDGED, ESCALATED) or the buyer's (AWAITING_BUYER: an answer asked for; RESOLVED: a confirmation); null once CLOSED.",
  }),
}).openapi('ComplaintQueueItem');

export const ComplaintQueue = z.object({ items: z.array(ComplaintQueueItem), nextCursor: z.string().nullable() }).openapi('ComplaintQueue');

export const ComplaintActionInput = z
  .object({
    action: z.enum(COMPLAINT_ACTIONS),
    note: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict()
  .openapi('ComplaintAction');

export const ComplaintReply = z
  .object({ message: z.string().trim().min(1, 'is required').max(5000, 'must be at most 5000 characters') })
  .strict()
  .openapi('ComplaintReply');

export const ComplaintConfirm = z
  .object({
    satisfied: trueOrFalse(),
    rating: z.number().int('must be a whole number').min(1, 'must be at least 1').max(5, 'must be at most 5').optional(),
    comment: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict()
  .openapi('ComplaintConfirm');

// ── Reports ─────────────────────────────────────────────────────────────────────────────────────

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * A date (`2026-11-30`, a whole UTC day) or a time (`2026-11-30T08:00:00Z`). As the start of a
 * period a date means its first moment; as the (exclusive) end, the day is included: the period
 * ends when the next day begins.
 */
const dateOrTime = (edge: 'start' | 'end') =>
  z
    .string()
    .refine((text) => (DAY.test(text) ? dayStart(text) !== undefined : isoTime.safeParse(text).success), 'must be a date like 2026-11-30 or an ISO-8601 time like 2026-11-30T00:00:00Z')
    .transform((text) => (DAY.test(text) ? new Date(dayStart(text)! + (edge === 'end' ? DAY_MS : 0)) : new Date(text)));
const isoTime = z.string().datetime({ offset: true });

/** The first moment of a calendar day (UTC), or undefined for a day that does not exist (2026-02-30). */
function dayStart(day: string): number | undefined {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? undefined : ms;
}

/** Without from, 30 days before to; without to, now. */
export const ReportQuery = z
  .object({
    from: dateOrTime('start')
      .optional()
      .openapi({ description: 'Start of the period (inclusive), a date (2026-11-01) or a time; default 30 days before `to`. The period spans at most 366 days.' }),
    to: dateOrTime('end').optional().openapi({ description: 'End of the period: a date includes that whole day (UTC); a time is exclusive. Default now.' }),
  })
  .strict();

// ── The order list ──────────────────────────────────────────────────────────────────────────────

export const OrderListQuery = z
  .object({
    status: OrderStatus.optional().openapi({ param: { description: 'Only orders in this status. REFUND_REQUESTED lists oldest request first: the agents\' refund queue.' } }),
    sku: Sku.optional(),
    email: z.string().trim().email('must be an email address').max(254).optional().openapi({ param: { description: "The buyer's email, matched exactly (case aside) by a keyed hash; it is never stored in clear." } }),
    from: dateOrTime('start').optional().openapi({ param: { description: 'Created at or after: a date (2026-11-30) or a time.' } }),
    to: dateOrTime('end').optional().openapi({ param: { description: 'Created before: a date includes that whole day (UTC); a time is exclusive.' } }),
    limit: wholeNumber(1, 100).prefault('20'),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const OrderSummary = OrderView.pick({ orderId: true, sku: true, quantity: true, amount: true, status: true, createdAt: true, paidAt: true, deliveredAt: true, complaints: true })
  .extend({ refund: z.object({ status: z.string(), requestedAt: z.string() }).nullable() })
  .openapi('OrderSummary');

export const OrderList = z.object({ items: z.array(OrderSummary), nextCursor: z.string().nullable() }).openapi('OrderList');

const share = z.number().nullable();
export const ComplaintReport = z
  .object({
    period: z.object({ from: z.string(), to: z.string() }),
    totals: z.object({ orders: z.number(), complaints: z.number(), refunds: z.number() }),
    byCategory: z.array(z.object({ category: ComplaintCategory, complaints: z.number(), share: z.number() })),
    bySku: z.array(
      z.object({ sku: z.string(), orders: z.number(), complaints: z.number(), complaintRate: share, refunds: z.number(), refundRate: share }),
    ),
    sla: z.object({ firstResponseOnTime: share, resolutionOnTime: share, medianFirstResponseMinutes: share, medianResolutionMinutes: share }),
    satisfaction: z.object({ responses: z.number(), satisfiedShare: share, averageRating: share }),
  })
  .openapi('ComplaintReport');

// ── The public complaint report ─────────────────────────────────────────────────────────────────

export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month like 2026-11').openapi({ example: '2026-11' });
export const PublicReportQuery = z.object({ month: Month.optional().openapi({ description: 'Default: the current UTC month' }) }).strict();
export const ReportNoteInput = z
  .object({ month: Month, text: z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters') })
  .strict()
  .openapi('ReportNoteInput');
export const ReportNote = z.object({ month: z.string(), at: z.string(), text: z.string() }).openapi('ReportNote');
export const PublicComplaintReport = z
  .object({
    month: z.string(),
    orders: z.number(),
    complaints: z.number(),
    complaintRate: share,
    firstResponseOnTime: share,
    resolutionOnTime: share,
    medianFirstResponseMinutes: share,
    medianResolutionHours: share,
    byCategory: z.array(z.object({ category: ComplaintCategory, complaints: z.number(), share: z.number() })),
    satisfaction: z.object({ responses: z.number(), satisfiedShare: share, averageRating: share }),
    notes: z.array(z.object({ at: z.string(), text: z.string() })),
  })
  .openapi('PublicComplaintReport');

// ── What the storefront's webhook receives ─────────────────────────────────────────────────────

export const OrderEvent = z
  .object({
    eventId: z.string().openapi({ description: 'Unique per event: deduplicate by it (an event may come twice).' }),
    type: z.string().openapi({ example: 'order.delivered', description: 'order.<status>, order.created, order.keys_replaced, payment.refunded, complaint.<step>' }),
    orderId: z.string(),
    complaintId: z.string().optional().openapi({ description: 'On complaint events and order.keys_replaced.' }),
    status: z.string().openapi({ description: "The order's status; the complaint's on complaint events." }),
    at: z.string().openapi({ description: 'When it happened (ISO-8601 UTC).' }),
  })
  .openapi('OrderEvent');

export const StockEvent = z
  .object({
    eventId: z.string(),
    type: z.enum(['stock.low', 'stock.out']),
    sku: z.string(),
    available: z.number().openapi({ description: 'Available keys when the line was crossed.' }),
    at: z.string(),
  })
  .openapi('StockEvent');

/** Compiles only when the schema names every field of the domain's type: the description omits no field the API returns. */
type NamesEvery<Schema, Domain> = Exclude<keyof Domain, keyof Schema> extends never ? true : Exclude<keyof Domain, keyof Schema>;
export const ORDER_VIEW_COMPLETE: NamesEvery<z.infer<typeof OrderView>, OrderViewOf> = true;
export const COMPLAINT_VIEW_COMPLETE: NamesEvery<z.infer<typeof ComplaintView>, ComplaintViewOf> = true;
