/**
 * Every request and answer body of the HTTP contract, as zod schemas. Routes validate with them
 * and the OpenAPI description is generated from them, so the two never drift apart.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { BUYER_LOCALES } from '../domain/buyerEmail';
import { COUPON_CODE_PATTERN, COUPON_REFUSALS, MAX_REDEMPTIONS, REDEMPTION_STATES, termsRules } from '../domain/coupons';
import { AGENT_CHANNELS, COMPLAINT_ACTIONS, COMPLAINT_CATEGORIES, COMPLAINT_CHANNELS, COMPLAINT_STATUSES } from '../domain/complaint';
import { DISPUTE_SOURCES } from '../domain/dispute';
import { isDuration, parseDuration } from '../domain/duration';
import { ORDER_STATUSES, STUCK_AFTER, type OrderView as OrderViewOf } from '../domain/order';
import type { ComplaintView as ComplaintViewOf } from '../domain/complaint';
import { MERCHANT_ID, MERCHANT_KEY_ROLES } from '../domain/merchant';
import { MASKED } from '../domain/merchantSettings';
import { PAYMENT_METHODS } from '../domain/payment';

extendZodWithOpenApi(z);
export { z };

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A yes/no field: missing is "is required", anything but a boolean "must be true or false". */
const trueOrFalse = () => z.boolean({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be true or false') });
/** A whole number in a query string, within bounds. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const Sku = z.string().regex(ID, 'must be 1-64 letters, digits, ".", "_" or "-"').openapi({ example: 'steam-wallet-100' });
export const OrderId = z.string().regex(ID, 'is not an order id');
export const CouponCode = z.string().regex(COUPON_CODE_PATTERN, 'must be 3-40 letters, digits, "_" or "-", beginning with a letter or digit').openapi({ example: 'SPRING-10' });

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

const instructionText = z.string().trim().min(1, 'must not be empty').max(5000, 'must be at most 5000 characters');
/** How to use a key, per language; the buyer gets theirs (or the other one) with the keys and in the keys email. */
export const Instructions = z
  .object({ zh: instructionText.optional(), en: instructionText.optional() })
  .strict()
  .openapi('Instructions', { description: 'Usage instructions per language (≤ 5000 characters each): `zh` for zh-CN buyers, `en` for en; each falls back to the other.' });

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
    instructions: Instructions.optional(),
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
    instructions: Instructions.optional(),
    active: z.boolean().openapi({ description: 'On sale: false once switched off (PATCH), when new orders for it are refused with 409 `product_unavailable`.' }),
    stock: Stock.optional(),
  })
  .openapi('Product');

export const ProductList = z.object({ items: z.array(Product), nextCursor: z.string().nullable() }).openapi('ProductList');

const yesOrNo = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');

export const ProductListQuery = z
  .object({
    active: yesOrNo.optional().openapi({ param: { description: 'true: the products on sale; false: those switched off; absent: all.' } }),
    // A NUL or another control character can only be a mistake, and the store refuses a NUL in a pattern.
    q: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').regex(/^[^\p{Cc}]*$/u, 'must not contain control characters').optional().openapi({ param: { description: 'Part of the sku or the name, any case.' } }),
    limit: wholeNumber(1, 500).prefault('100'),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const ProductSwitch = z
  .object({ active: trueOrFalse() })
  .strict()
  .openapi('ProductSwitch');

export const KeyId = z.string().regex(ID, 'is not a key id');
export const KeyStatus = z.enum(['available', 'reserved', 'delivered', 'invalid', 'revoked']).openapi('KeyStatus');

export const KeyListQuery = z
  .object({
    status: KeyStatus.optional().openapi({ param: { description: 'Only keys in this status; absent: all, in import order.' } }),
    limit: wholeNumber(1, 500).prefault('50'),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const KeyList = z
  .object({
    items: z.array(
      z.object({
        keyId: z.string(),
        masked: z.string().openapi({ description: 'At most the last 4 characters; the code itself is never listed.' }),
        status: KeyStatus,
        importedAt: z.string(),
        orderId: z.string().optional().openapi({ description: 'The order holding it (any status but available).' }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('KeyList');

/** A request that takes no body: none, or `{}`. */
export const NoBody = z.object({}).strict();

export const Me = z.object({ role: z.enum(['admin', 'storefront', 'agent', 'ops', 'platform']), name: z.string(), merchantId: z.string() }).openapi('Me');

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
    waitingOrders: z.number().openapi({ description: 'Paid orders of this product waiting for stock (OUT_OF_STOCK) as the import answered: the new keys are offered to them, oldest payment first, after the answer.' }),
    restockOffer: z.enum(['handed_over', 'not_needed', 'unconfirmed']).openapi({
      description:
        "`handed_over`: the product's restock workflow (`restockWorkflowId`) has the offer to the waiting orders and makes it whichever API or worker process goes down. `not_needed`: no key was imported. `unconfirmed`: Temporal did not confirm the hand-over in time; waiting orders look at the stock by themselves within a minute.",
    }),
    restockWorkflowId: z.string().optional().openapi({ description: 'The restock workflow that offers the stock (`restock-<sku>`), when handed over.' }),
  })
  .openapi('KeyImportResult');

export const CreateOrder = z
  .object({
    sku: Sku,
    quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10, 'must be at most 10').default(1),
    buyer: z
      .object({
        email: z.string().email('must be an email address').max(254),
        locale: z.enum(BUYER_LOCALES, { error: `must be one of ${BUYER_LOCALES.join(', ')}` }).optional().openapi({ description: 'The language the buyer is written to in (emails, usage instructions); default zh-CN.' }),
      })
      .strict(),
    payment: z.object({ method: z.enum(PAYMENT_METHODS) }).strict().optional(),
    coupon: CouponCode.optional().openapi({ description: 'A coupon code (case does not matter): the amount is reduced by it, or the order is refused with 409 `coupon_not_applicable` naming why.' }),
  })
  .strict()
  .openapi('CreateOrder');

/** What the buyer pays with at the order's rail: {url} (alipay, epay), {codeUrl} (wechatpay), {paymentIntentId, clientSecret} (stripe). */
export const OrderPayment = z
  .object({ method: z.enum(PAYMENT_METHODS), checkout: z.record(z.string(), z.string()).nullable() })
  .openapi('OrderPayment');

export const OrderStatus = z.enum(ORDER_STATUSES).openapi('OrderStatus');

export const OrderCreated = z
  .object({
    orderId: z.string(),
    orderToken: z.string(),
    status: OrderStatus,
    amount: Money,
    paymentDueAt: z.string(),
    payment: OrderPayment,
    listPrice: Money.optional().openapi({ description: 'With a coupon only: the price before the discount.' }),
    discount: Money.optional().openapi({ description: 'With a coupon only: what the coupon took off.' }),
    coupon: z.string().optional().openapi({ description: 'With a coupon only: its code.' }),
  })
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
    listPrice: Money.optional().openapi({ description: 'With a coupon only: the price before the discount (`amount` is what the buyer pays).' }),
    discount: Money.optional().openapi({ description: 'With a coupon only: what the coupon took off.' }),
    coupon: z.string().optional().openapi({ description: 'The coupon code the order was taken with.' }),
  })
  .openapi('OrderView');

export const OrderKeys = z
  .object({
    keys: z.array(z.object({ keyId: z.string(), code: z.string() })),
    instructions: z.string().nullable().openapi({ description: "The product's usage instructions in the buyer's language (buyer.locale), else the other one; null when it has none." }),
  })
  .openapi('OrderKeys');

export const CancelOrder = z.object({ reason: z.string().max(2000).optional() }).strict().openapi('CancelOrder');
export const RefundRequest = z
  .object({ reason: z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters') })
  .strict()
  .openapi('RefundRequest');
export const RefundDecision = z
  .object({
    approve: trueOrFalse(),
    note: z.string().max(2000).optional().openapi({ description: 'Required to reject: the buyer is told why.' }),
  })
  .strict()
  .refine((d) => d.approve !== false || (d.note ?? '').trim().length > 0, { path: ['note'], message: 'is required to reject a refund' })
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
    sku: z.string(),
    quantity: z.number(),
    amount: Money,
    why: z.enum(['attention', 'out_of_stock', 'sitting']).openapi({
      description: 'attention: it waits on a person (`attention` says why); out_of_stock: paid and waiting for a restock, listed at any age; sitting: in a working status longer than `olderThan`.',
    }),
    needsAttention: z.string().optional().openapi({ description: 'The same as `attention.reason`.' }),
    attention: z.object({ reason: z.string(), since: z.string() }).optional(),
    pendingActivity: z.string().optional(),
    attempts: z.number().optional(),
    lastFailure: z.string().optional(),
    temporalUiUrl: z.string().openapi({ description: "The workflow's page in the Temporal UI (TEMPORAL_UI_URL)" }),
  })
  .openapi('StuckOrder');

export const RefundAttention = z
  .object({
    kind: z.enum(['order', 'unwanted', 'stray']).openapi({ description: "`order`: the order's own refund; `unwanted`: a payment the order gave back (a wrong amount, a second payment, one after a cancel); `stray`: a payment for a closed or unknown order" }),
    orderId: z.string(),
    paymentId: z.string(),
    refundId: z.string(),
    reason: z.string(),
    since: z.string(),
  })
  .openapi('RefundAttention');

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

export const FileComplaintForBuyer = z
  .object({
    orderId: OrderId,
    channel: z.enum(AGENT_CHANNELS, { error: `must be one of ${AGENT_CHANNELS.join(', ')}` }),
    externalRef: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    category: ComplaintCategory,
    description: z.string().trim().min(1, 'is required').max(5000, 'must be at most 5000 characters'),
  })
  .strict()
  .openapi('FileComplaintForBuyer');

export const ComplaintFiled = z
  .object({ complaintId: z.string(), status: z.literal('OPEN'), firstResponseDueAt: z.string(), resolutionDueAt: z.string() })
  .openapi('ComplaintFiled');

export const ComplaintView = z
  .object({
    complaintId: z.string(),
    orderId: z.string(),
    sku: z.string(),
    channel: z.enum(COMPLAINT_CHANNELS).openapi({ description: "Where it came in: web (the buyer's own), or phone, email, wechat, third_party when an agent filed it on the buyer's behalf." }),
    externalRef: z.string().optional().openapi({ description: "The other channel's reference (a hotline ticket, a 12345 case number)." }),
    filedBy: z.string().optional().openapi({ description: "The agent who filed it on the buyer's behalf." }),
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
    attachments: z
      .array(z.object({ attachmentId: z.string(), contentType: z.string(), bytes: z.number(), from: z.enum(['buyer', 'agent']), at: z.string() }))
      .optional()
      .openapi({ description: 'Evidence files sent with it, oldest first: fetch each from /v1/complaints/{complaintId}/attachments/{attachmentId}.' }),
    resolvedBy: z.string().optional().openapi({ description: 'Who resolved it: an agent, or `system` (the automatic re-check of a reported key, a provider\'s dispute).' }),
    autoRecheck: z
      .object({ verdict: z.enum(['invalid', 'valid', 'unknown']), at: z.string() })
      .optional()
      .openapi({ description: "A key_invalid complaint's automatic re-check of the order's keys (the supplier's check, or our own without one): invalid → a new key, resolved by system; valid → left with the agents; unknown → no answer within AUTO_RECHECK_WAIT." }),
    remedy: z
      .object({ remedy: z.enum(['replace', 'refund']), status: z.enum(['pending', 'failed']), actor: z.string(), requestedAt: z.string(), detail: z.string().optional() })
      .optional()
      .openapi({ description: 'A remedy the order is still carrying out (pending), or one that failed after the agent was answered 202; gone once it resolves the complaint.' }),
    messages: z.array(z.object({ at: z.string(), from: z.enum(['buyer', 'agent', 'system']), actor: z.string().optional(), text: z.string() })),
  })
  .openapi('ComplaintView');

/** The longest a buyer's request for keys may wait for them (GET /v1/orders/:id/keys?wait=). */
export const MAX_KEYS_WAIT_SECONDS = 20;

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
    channel: z.enum(COMPLAINT_CHANNELS).optional().openapi({ param: { description: 'Only complaints that came in this way: web (the buyer\'s own) or the channel an agent filed it from.' } }),
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
    note: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters').optional().openapi({ description: 'Required to reject.' }),
  })
  .strict()
  .refine((a) => a.action !== 'reject' || a.note !== undefined, { path: ['note'], message: 'is required to reject' })
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

export const AttachmentAdded = z.object({ attachmentId: z.string(), contentType: z.string(), bytes: z.number() }).openapi('AttachmentAdded');

// ── Feedback ────────────────────────────────────────────────────────────────────────────────────

export const FeedbackInput = z
  .object({
    rating: z.number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a whole number from 1 to 5') }).int('must be a whole number').min(1, 'must be at least 1').max(5, 'must be at most 5'),
    instructionsClear: z.boolean({ error: 'must be true or false' }).optional(),
    comment: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict()
  .openapi('FeedbackInput');

export const Feedback = z
  .object({ orderId: z.string(), sku: z.string(), rating: z.number(), instructionsClear: z.boolean().optional(), comment: z.string().optional(), at: z.string() })
  .openapi('Feedback');

export const FeedbackList = z.object({ items: z.array(Feedback), nextCursor: z.string().nullable() }).openapi('FeedbackList');

export const FeedbackReport = z
  .object({
    period: z.object({ from: z.string(), to: z.string() }),
    bySku: z.array(
      z.object({
        sku: z.string(),
        responses: z.number(),
        averageRating: z.number(),
        unclearInstructionsShare: z.number().nullable().openapi({ description: 'Of the buyers who said whether the instructions were clear, the share who said no; null when none said.' }),
      }),
    ),
  })
  .openapi('FeedbackReport');

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

export const FeedbackListQuery = z
  .object({
    sku: Sku.optional(),
    from: dateOrTime('start').optional().openapi({ param: { description: 'Given at or after: a date (its whole UTC day) or a time.' } }),
    to: dateOrTime('end').optional().openapi({ param: { description: 'Given before: a date includes that whole day (UTC); a time is exclusive.' } }),
    limit: wholeNumber(1, 100).prefault('20'),
    cursor: z.string().max(500).optional(),
  })
  .strict();

/** A calendar day, `2026-11-30`, that exists. */
export const CalendarDay = z.string().refine((text) => DAY.test(text) && dayStart(text) !== undefined, 'must be a date like 2026-11-30');

/** Days in the shop's time zone, both included; without `to`, today there; without `from`, 30 days ending with `to`. */
export const SalesReportQuery = z
  .object({
    from: CalendarDay.optional().openapi({ param: { description: "The first day (in SHOP_TIME_ZONE), like 2026-11-01; default 29 days before `to`. At most 366 days in all." } }),
    to: CalendarDay.optional().openapi({ param: { description: "The last day, included (in SHOP_TIME_ZONE); default today there." } }),
  })
  .strict();

const SalesFigures = z.object({
  orders: z.number().openapi({ description: 'Orders taken that day, paid or not.' }),
  paid: z.number().openapi({ description: 'Of those, the ones paid for.' }),
  revenue: Money.openapi({ description: 'What the paid ones cost the buyers.' }),
  refunds: z.number().openapi({ description: 'Of the paid ones, those refunded since.' }),
  refunded: Money.openapi({ description: 'The money refunded on them.' }),
  complaints: z.number().openapi({ description: 'Complaints filed that day.' }),
});

export const SalesReport = z
  .object({
    period: z.object({ from: z.string(), to: z.string(), timeZone: z.string() }).openapi({ description: 'The instants the first day begins and the day after the last begins, and the zone the days are in.' }),
    byDay: z.array(SalesFigures.extend({ day: z.string() })).openapi({ description: 'Every day of the period in order, days without orders too.' }),
    totals: SalesFigures,
    otherCurrencies: z
      .array(z.object({ currency: z.string(), revenue: Money, refunded: Money }))
      .openapi({ description: 'Money in currencies other than the one the figures are in (the one sold most), totals only.' }),
  })
  .openapi('SalesReport');

// ── The order list ──────────────────────────────────────────────────────────────────────────────

export const OrderListQuery = z
  .object({
    orderId: OrderId.optional().openapi({ param: { description: 'The order with this id (a storefront: of its own), as a list of one or none.' } }),
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
    byChannel: z.array(z.object({ channel: z.enum(COMPLAINT_CHANNELS), complaints: z.number(), share: z.number() })).openapi({ description: "Where the complaints came in: web (the buyer's own), or the channel an agent filed them from." }),
    autoRecheck: z
      .object({
        rechecked: z.number().openapi({ description: 'key_invalid complaints whose keys were re-checked (supplier or our own checks) and answered.' }),
        resolved: z.number().openapi({ description: 'Of those, resolved by the re-check with a new key, no agent (resolvedBy system).' }),
        medianSeconds: share.openapi({ description: 'Seconds from filing to that resolution (the new key delivered): the median.' }),
        p95Seconds: share.openapi({ description: 'The same, 95th percentile (nearest rank).' }),
        reopened: z.number().openapi({ description: 'Resolved by the re-check, then reopened by the buyer: the new key did not settle it.' }),
        toAgents: z
          .object({ valid: z.number(), no_answer: z.number(), not_replaced: z.number() })
          .openapi({ description: 'Left with the agents, by why: the key was found valid; no verdict within AUTO_RECHECK_WAIT; invalid but no new key delivered (no stock, the order closed, an agent had taken it).' }),
      })
      .openapi({ description: 'How the automatic re-check of key_invalid complaints performed in the period (complaints filed in it).' }),
    bySku: z.array(
      z.object({ sku: z.string(), orders: z.number(), complaints: z.number(), complaintRate: share, refunds: z.number(), refundRate: share }),
    ),
    sla: z.object({ firstResponseOnTime: share, resolutionOnTime: share, medianFirstResponseMinutes: share, medianResolutionMinutes: share }),
    satisfaction: z.object({ responses: z.number(), satisfiedShare: share, averageRating: share }),
  })
  .openapi('ComplaintReport');

// ── The public complaint report ─────────────────────────────────────────────────────────────────

export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month like 2026-11').openapi({ example: '2026-11' });
export const PublicReportQuery = z
  .object({
    month: Month.optional().openapi({ description: 'Default: the current UTC month' }),
    merchant: z.string().regex(MERCHANT_ID, 'must be 3-40 lower-case letters, digits or "-"').optional().openapi({ description: "One merchant's report; without it, the platform's (every merchant's together)" }),
  })
  .strict();
export const ReportNoteInput = z
  .object({ month: Month, text: z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters') })
  .strict()
  .openapi('ReportNoteInput');
export const ReportNote = z.object({ month: z.string(), at: z.string(), text: z.string() }).openapi('ReportNote');
export const PublicComplaintReport = z
  .object({
    merchant: z.object({ merchantId: z.string(), name: z.string() }).optional().openapi({ description: 'With `?merchant=` only: the merchant whose report it is' }),
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

// ── Coupons ─────────────────────────────────────────────────────────────────────────────────────

const couponTime = z.string().datetime({ offset: true, error: 'must be an ISO-8601 time like 2026-12-31T16:00:00Z' });

export const CreateCoupon = z
  .object({
    code: CouponCode.optional().openapi({ description: 'Absent: a fresh 10-character code. Kept in upper case.' }),
    amountOff: Money.optional().openapi({ description: 'An amount off (minor units); or percentOff.' }),
    percentOff: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
    minSpend: Money.optional().openapi({ description: '满减: the list price must reach this.' }),
    firstOrderOnly: trueOrFalse().optional().openapi({ description: "首单立减: only a buyer with no paid order before; once per buyer." }),
    maxRedemptions: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_REDEMPTIONS, `must be at most ${MAX_REDEMPTIONS}`).optional().openapi({ description: 'How many orders may hold or have redeemed it at once; absent: no limit (1 for a coupon issued to a buyer).' }),
    validFrom: couponTime.optional(),
    validUntil: couponTime.optional().openapi({ description: '限时折扣: not valid from this time on.' }),
    buyerEmail: z.string().email('must be an email address').max(254).optional().openapi({ description: 'Issued to this buyer only (single-use unless maxRedemptions says otherwise).' }),
  })
  .strict()
  .superRefine((terms, ctx) => {
    for (const problem of termsRules(terms)) ctx.addIssue({ code: 'custom', path: problem.path.split('.'), message: problem.reason });
  })
  .openapi('CreateCoupon');

const CouponFields = {
  code: z.string(),
  amountOff: Money.optional(),
  percentOff: z.number().optional(),
  minSpend: Money.optional(),
  firstOrderOnly: z.boolean().optional(),
  maxRedemptions: z.number().optional(),
  validFrom: z.string().optional(),
  validUntil: z.string().optional(),
  issuedTo: z.string().nullable().openapi({ description: 'The buyer it was issued to, masked; null: anyone.' }),
  granted: z.boolean().openapi({ description: 'Issued by the product (compensation), not by an admin.' }),
  createdBy: z.string(),
  createdAt: z.string(),
  counts: z.object({ held: z.number(), redeemed: z.number(), released: z.number() }).openapi({ description: 'held: by unpaid orders; redeemed: by paid ones; released: given back (cancelled unpaid, refunded).' }),
  remaining: z.number().nullable().openapi({ description: 'Redemptions still to be had; null: no limit.' }),
};

export const Coupon = z.object(CouponFields).openapi('Coupon');

export const CouponRedemption = z
  .object({
    orderId: z.string(),
    state: z.enum(REDEMPTION_STATES),
    buyer: z.string().openapi({ description: "The buyer's email, masked." }),
    listPrice: Money,
    discount: Money,
    amount: Money,
    heldAt: z.string(),
    redeemedAt: z.string().nullable(),
    releasedAt: z.string().nullable(),
    releasedBecause: z.enum(['cancelled', 'refunded']).nullable(),
    overLimit: z.boolean().openapi({
      description: "Redeemed past the coupon's limit: a payment found after the order was cancelled unpaid (an incident's reconciliation) when another order had taken the coupon's room meanwhile. The order went through at the price paid.",
    }),
  })
  .openapi('CouponRedemption');

export const CouponDetail = z.object({
  ...CouponFields,
  overLimit: z.number().int().openapi({ description: "Redemptions standing past `maxRedemptions` (each marked `overLimit` in `redemptions`): counted as redeemed, so `redeemed` may exceed the limit while `remaining` stays 0." }),
  redemptions: z.array(CouponRedemption).openapi({ description: 'The most recent 200, newest first.' }),
}).openapi('CouponDetail');

export const CouponList = z.object({ items: z.array(Coupon), nextCursor: z.string().nullable() }).openapi('CouponList');

export const CouponListQuery = z
  .object({
    limit: wholeNumber(1, 500).prefault('50'),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export const CouponRefusalReason = z.enum(COUPON_REFUSALS).openapi('CouponRefusalReason');
// ── Merchants ──
export const MerchantId = z.string().regex(MERCHANT_ID, 'must be 3-40 lower-case letters, digits or "-"').openapi({ example: 'acme-cards' });
export const MerchantInput = z
  .object({
    merchantId: MerchantId,
    name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
    contactEmail: z.string().email('must be an email address').max(254),
  })
  .strict()
  .openapi('MerchantInput');
export const Merchant = z
  .object({ merchantId: z.string(), name: z.string(), status: z.enum(['ACTIVE', 'SUSPENDED']), suspendedReason: z.string().optional(), createdAt: z.string().optional() })
  .openapi('Merchant');
export const MerchantCreated = Merchant.extend({ adminKey: z.string().openapi({ description: 'the merchant admin key\'s secret, shown this once' }) }).openapi('MerchantCreated');
export const MerchantList = z.object({ items: z.array(Merchant) }).openapi('MerchantList');
export const MerchantKeyInput = z
  .object({ role: z.enum(MERCHANT_KEY_ROLES), name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters') })
  .strict()
  .openapi('MerchantKeyInput');
export const MerchantKeyIssued = z.object({ keyId: z.string(), secret: z.string() }).openapi('MerchantKeyIssued');
export const MerchantKeyList = z
  .object({ items: z.array(z.object({ keyId: z.string(), role: z.enum(MERCHANT_KEY_ROLES), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().optional() })) })
  .openapi('MerchantKeyList');
export const MerchantSuspend = z.object({ reason: z.string().trim().min(1, 'is required').max(500, 'must be at most 500 characters') }).strict().openapi('MerchantSuspend');
export const MerchantKeyId = z.string().regex(ID, 'is not a key id');
export const MerchantRanking = z
  .object({
    items: z.array(
      z.object({
        merchantId: z.string(),
        name: z.string(),
        orders: z.number(),
        complaints: z.number(),
        complaintRate: z.number().nullable(),
        refundRate: z.number().nullable(),
        firstResponseOnTime: z.number().nullable(),
        resolutionOnTime: z.number().nullable(),
        satisfiedShare: z.number().nullable(),
      }),
    ),
  })
  .openapi('MerchantRanking');
export const MerchantResume = z.object({ note: z.string().trim().min(1, 'must not be blank').max(500, 'must be at most 500 characters').optional() }).strict().openapi('MerchantResume');

// ── A merchant's settings ──
/** A secret the merchant sets: never the mask GET shows in its place (a settings page sending back what it was shown). */
const settingSecret = (min: number) =>
  z
    .string()
    .min(min, `must be at least ${min} characters`)
    .max(10_000, 'must be at most 10000 characters')
    .refine((v) => v !== MASKED, 'is the mask shown in place of the secret: send the secret itself');
const pem = (kind: string) => z.string().max(20_000, 'must be at most 20000 characters').refine((v) => v.includes('-----BEGIN'), `must be a PEM ${kind} (its text, not a path)`);
const settingText = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
// url() last: the description takes the field's format from its last format check.
const settingUrl = z.string().regex(/^https?:\/\//, 'must be an http(s) URL').url('must be an http(s) URL');
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();
/** A secret inside a section: `null` keeps the one stored (a page that was shown only the mask). */
const kept = <T extends z.ZodType>(schema: T) => schema.nullable().describe('null keeps the stored secret');
export const MerchantRails = z
  .object({
    alipay: nullable(z.object({ appId: settingText, privateKey: kept(pem('private key').pipe(settingSecret(1))), publicKey: pem('public key'), gateway: settingUrl.optional() }).strict()),
    wechatpay: nullable(
      z
        .object({
          mchid: settingText,
          appid: settingText,
          serial: settingText,
          privateKey: kept(pem('private key').pipe(settingSecret(1))),
          apiV3Key: kept(settingSecret(32).max(32, 'must be the 32-character APIv3 key')),
          platformPublicKey: pem('public key or certificate'),
          platformSerial: settingText,
          platformKeys: z
            .string()
            .max(100_000)
            .refine((v) => v.split(',').every((entry) => !entry.trim() || entry.slice(entry.indexOf('=') + 1).includes('-----BEGIN')), 'must be serial=<PEM text>,… (PEM text, not paths)')
            .optional(),
          baseUrl: settingUrl.optional(),
        })
        .strict(),
    ),
    stripe: nullable(z.object({ secretKey: kept(settingSecret(8)), webhookSecret: kept(settingSecret(8)), apiBase: settingUrl.optional() }).strict()),
    epay: nullable(z.object({ url: settingUrl, pid: settingText, key: kept(settingSecret(8)) }).strict()),
  })
  .strict()
  .openapi('MerchantRails', { description: 'Per rail, the settings of "Payment rails" (the variables without their rail prefix, camelCase); keys as PEM text.' });
export const MerchantSettingsInput = z
  .object({
    paymentWebhookSecret: nullable(settingSecret(16)),
    webhook: nullable(z.object({ url: settingUrl, secret: kept(settingSecret(16)) }).strict()),
    rails: nullable(MerchantRails),
    complaintPolicy: nullable(
      z
        .object({ firstResponse: BoundedDuration, resolution: BoundedDuration })
        .strict()
        .refine((p) => !isDuration(p.firstResponse) || !isDuration(p.resolution) || parseDuration(p.resolution) >= parseDuration(p.firstResponse), {
          path: ['resolution'],
          message: 'must be no shorter than firstResponse',
        }),
    ),
  })
  .strict()
  .openapi('MerchantSettingsInput', { description: 'Each section given replaces that section; `null` removes it; a section left out stays as it is. Inside a section given, a secret set to `null` keeps the one stored (a 400 naming it when none is).' });
export const MerchantSettings = z
  .object({
    paymentWebhookSecret: z.literal(MASKED).optional(),
    webhook: z.object({ url: z.string(), secret: z.literal(MASKED) }).optional(),
    rails: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    complaintPolicy: z.object({ firstResponse: z.string(), resolution: z.string() }).optional(),
  })
  .openapi('MerchantSettings', { description: `The merchant's settings, every secret shown as "${MASKED}".` });
