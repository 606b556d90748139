import { Schema } from 'mongoose';
import type { ComplaintCategory, ComplaintChannel, ComplaintStatus, ComplaintView } from '../domain/complaint';
import type { Money } from '../domain/money';
import type { OrderStatus, OrderView } from '../domain/order';
import type { BuyerEmailKind, BuyerLocale, Instructions } from '../domain/buyerEmail';
import type { RecheckFigures } from '../domain/autoRecheck';
import { MERCHANT_KEY_ROLES, MERCHANT_STATUSES, type MerchantKeyRole, type MerchantStatus } from '../domain/merchant';
import type { Sealed } from './vault';

/*
 * Every race in the store is settled by a unique index, never by a conditional update:
 * FerretDB applies updates as read-modify-write, so only an insert that collides (E11000)
 * is a safe arbiter on both FerretDB and MongoDB.
 */

const money = new Schema<Money>({ amount: { type: Number, required: true }, currency: { type: String, required: true } }, { _id: false });
const sealed = new Schema<Sealed>({ kid: String, salt: String, iv: String, tag: String, data: String }, { _id: false });

export interface ProductDoc {
  /** The product's stock id (domain/merchant.ts stockId): its sku, prefixed by its merchant unless `default`. */
  _id: string;
  /** Absent on products stored before merchants: `default`'s, whose _id is the sku. */
  merchantId?: string;
  sku?: string;
  name: string;
  price: Money;
  /** As the admin wrote it ("24h"); parsed where an order is priced. */
  refundWindow: string;
  complaintWindow: string;
  keyPattern?: string;
  validationUrl?: string;
  /** Available stock at or below which stock.low is sent; LOW_STOCK_THRESHOLD when unset. */
  lowStockThreshold?: number;
  /** Each alert's arming generation: an import that lifts the stock back over its line re-arms it. */
  stockArming?: { low: number; out: number };
  /** How to use a key, per language: shown with the keys and in the keys email. */
  instructions?: Instructions;
  /** False once the admin takes it off sale (no new orders); absent or true: on sale. */
  active?: boolean;
  createdAt: Date;
  updatedAt: Date;
}
export const productSchema = new Schema<ProductDoc>(
  {
    _id: String,
    merchantId: String,
    sku: String,
    name: { type: String, required: true },
    price: { type: money, required: true },
    refundWindow: { type: String, required: true },
    complaintWindow: { type: String, required: true },
    keyPattern: String,
    validationUrl: String,
    lowStockThreshold: Number,
    stockArming: { low: { type: Number, default: 0 }, out: { type: Number, default: 0 } },
    instructions: { type: new Schema<Instructions>({ zh: String, en: String }, { _id: false }), default: undefined },
    active: Boolean,
  },
  { timestamps: true, versionKey: false },
);
productSchema.index({ merchantId: 1, _id: 1 });

export interface KeyDoc {
  _id: string;
  sku: string;
  fingerprint: string;
  code: Sealed;
  /** The last characters only, computed at import so showing a key never needs decrypting it. */
  masked: string;
  importedAt: Date;
  /**
   * The key's sku while no order holds it, absent once one does: a hint that lets reservation and
   * stock counts look at free keys only, by an index that does not grow with the keys sold. The
   * claim itself is the truth.
   */
  freeOf?: string;
}
export const keySchema = new Schema<KeyDoc>(
  {
    _id: String,
    sku: { type: String, required: true },
    fingerprint: { type: String, required: true, unique: true },
    code: { type: sealed, required: true },
    masked: { type: String, required: true },
    importedAt: { type: Date, required: true },
    freeOf: { type: String },
  },
  { versionKey: false },
);
keySchema.index({ sku: 1, importedAt: 1 });
keySchema.index({ freeOf: 1, importedAt: 1 });

export const CLAIM_STATES = ['reserved', 'delivered', 'revoked', 'invalid'] as const;
export type ClaimState = (typeof CLAIM_STATES)[number];

/** A key taken by an order's slot. Its _id is the key's id, so a key can be claimed once only. */
export interface ClaimDoc {
  _id: string;
  sku: string;
  orderId: string;
  slot: number;
  attempt: number;
  state: ClaimState;
  claimedAt: Date;
  updatedAt: Date;
}
export const claimSchema = new Schema<ClaimDoc>(
  {
    _id: String,
    sku: { type: String, required: true },
    orderId: { type: String, required: true },
    slot: { type: Number, required: true },
    attempt: { type: Number, required: true },
    state: { type: String, enum: CLAIM_STATES, required: true },
    claimedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
claimSchema.index({ orderId: 1, slot: 1, attempt: 1 }, { unique: true });
claimSchema.index({ sku: 1, state: 1 });

/** How a buyer proves an order is theirs, and their email, sealed. Written once by the API. */
export interface OrderAccessDoc {
  _id: string;
  tokenHash: string;
  email: Sealed;
  storefront: string;
  /** The merchant whose order it is; absent on orders taken before merchants (`default`'s). */
  merchantId?: string;
  /** The buyer's email as a keyed hash (Vault.lookupHash), so orders are found by email without it in clear. */
  emailHash?: string;
  /** The language the buyer is written to in (absent: zh-CN, the default). */
  locale?: BuyerLocale;
  createdAt: Date;
}
export const orderAccessSchema = new Schema<OrderAccessDoc>(
  {
    _id: String,
    tokenHash: { type: String, required: true },
    email: { type: sealed, required: true },
    storefront: { type: String, required: true },
    merchantId: String,
    emailHash: String,
    locale: String,
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/** A storefront's Idempotency-Key: the first request's fingerprint and the order it made. */
export interface IdempotencyDoc {
  _id: string;
  requestHash: string;
  orderId: string;
  token: Sealed;
  createdAt: Date;
}
export const idempotencySchema = new Schema<IdempotencyDoc>(
  {
    _id: String,
    requestHash: { type: String, required: true },
    orderId: { type: String, required: true },
    token: { type: sealed, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * A human action sent with an `Idempotency-Key` (api/actionIds.ts), keyed by a hash of the caller,
 * route and key: the hash of the body it came with, and once it has been carried out (or refused)
 * its outcome, which a retry with the same key and body is answered by.
 */
export interface ActionRequestDoc {
  _id: string;
  bodyHash: string;
  at: Date;
  /** JSON of `{value}` (the answer) or `{error}` (a refusal); absent while the first request is under way. */
  outcome?: string;
}
export const actionRequestSchema = new Schema<ActionRequestDoc>(
  { _id: String, bodyHash: { type: String, required: true }, at: { type: Date, required: true }, outcome: String },
  { versionKey: false },
);
/**
 * How long an Idempotency-Key is remembered (a TTL index on `at`): a day, as payment APIs keep
 * theirs. A client retries within minutes; MongoDB's TTL monitor may be a minute or more late,
 * never early, so a key lasts at least this long.
 */
export const ACTION_REQUEST_TTL_SECONDS = 24 * 60 * 60;
actionRequestSchema.index({ at: 1 }, { expireAfterSeconds: ACTION_REQUEST_TTL_SECONDS });

/** The order read model, projected by the workflow's activities at each change. */
export interface OrderViewDoc {
  _id: string;
  seq: number;
  sku: string;
  status: OrderStatus;
  statusSince: Date;
  createdAt: Date;
  paidAt?: Date;
  deliveredAt?: Date;
  refundedAt?: Date;
  paymentId?: string;
  /**
   * The minute (`YYYY-MM-DDTHH:MM`, UTC) of paidAt and of deliveredAt: the incident watcher finds the
   * last few minutes' orders by these, an equality the embedded store answers from an index (it
   * reads every row for a range on a date).
   */
  paidMinute?: string;
  deliveredMinute?: string;
  /** Who created the order and the buyer's email hash, copied from order_access for the order list. */
  storefront?: string;
  /** The order's merchant (absent: `default`, as on rows written before merchants). */
  merchantId?: string;
  emailHash?: string;
  /** Why the order waits on a person, while it does (null otherwise): /v1/ops/stuck and metrics. */
  needsAttention?: string | null;
  /** Set once a note was added to the order from outside its workflow (db/orderNotes.ts): only then are notes looked for. */
  lateNotes?: boolean;
  view: OrderView;
}
export const orderViewSchema = new Schema<OrderViewDoc>(
  {
    _id: String,
    seq: { type: Number, required: true },
    sku: { type: String, required: true },
    status: { type: String, required: true },
    statusSince: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    paidAt: Date,
    deliveredAt: Date,
    refundedAt: Date,
    paymentId: String,
    paidMinute: String,
    deliveredMinute: String,
    storefront: String,
    merchantId: String,
    emailHash: String,
    needsAttention: String,
    lateNotes: Boolean,
    view: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);
orderViewSchema.index({ status: 1, statusSince: 1 });
orderViewSchema.index({ sku: 1, status: 1, paidAt: 1 });
orderViewSchema.index({ createdAt: 1 });
// The order list (GET /v1/orders): equality first (a storefront's own, a status, an email), then time.
orderViewSchema.index({ storefront: 1, createdAt: 1 });
orderViewSchema.index({ status: 1, createdAt: 1 });
orderViewSchema.index({ emailHash: 1 }, { sparse: true });
orderViewSchema.index({ needsAttention: 1 }, { sparse: true });
orderViewSchema.index({ paidMinute: 1 }, { sparse: true });
orderViewSchema.index({ deliveredMinute: 1 }, { sparse: true });
// A merchant's own orders: its list, its queue of refunds, its stuck orders.
orderViewSchema.index({ merchantId: 1, createdAt: 1 });
orderViewSchema.index({ merchantId: 1, status: 1, statusSince: 1 });

/** Every signed payment notice, kept so reconciliation can find one whose signal was lost. */
export interface PaymentEventDoc {
  _id: string;
  orderId: string;
  paymentId: string;
  status: 'succeeded' | 'failed';
  amount: Money;
  receivedAt: Date;
}
export const paymentEventSchema = new Schema<PaymentEventDoc>(
  {
    _id: String,
    orderId: { type: String, required: true, index: true },
    paymentId: { type: String, required: true },
    status: { type: String, required: true },
    amount: { type: money, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/** The sandbox provider's ledger of refunds paid out; one row per refund id. */
export interface RefundDoc {
  _id: string;
  orderId: string;
  paymentId: string;
  amount: Money;
  reason: string;
  refundedAt: Date;
}
export const refundSchema = new Schema<RefundDoc>(
  {
    _id: String,
    orderId: { type: String, required: true, index: true },
    paymentId: { type: String, required: true },
    amount: { type: money, required: true },
    reason: { type: String, required: true },
    refundedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * `refused`: the storefront answered a 4xx that retrying cannot change; `expired`: it took no answer
 * for WEBHOOK_GIVE_UP (workflows/activities.ts). Both are kept, counted in metrics, and not retried.
 */
export type OutboxDelivery = 'pending' | 'sent' | 'not_configured' | 'refused' | 'expired';
/** Every notification to the buyer's storefront, kept whether or not a webhook is configured. */
export interface OutboxDoc {
  _id: string;
  type: string;
  /** Absent on stock events, which are about a product (sku, available), not an order. */
  orderId?: string;
  complaintId?: string;
  sku?: string;
  available?: number;
  status: string;
  at: Date;
  delivery: OutboxDelivery;
  attempts: number;
  sentAt?: Date;
  /** The storefront's answer when it refused the event. */
  refusedStatus?: number;
  /** Not sent at all: the merchant's URL points at the platform's own network (MERCHANT_WEBHOOK_ADDRESSES=public). */
  refusedReason?: string;
  /** How long the event was carried before it expired (WEBHOOK_GIVE_UP then). */
  expiredAfter?: string;
}
export const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: String,
    type: { type: String, required: true },
    orderId: { type: String, index: true },
    complaintId: String,
    sku: String,
    available: Number,
    status: { type: String, required: true },
    at: { type: Date, required: true },
    delivery: { type: String, required: true },
    attempts: { type: Number, default: 0 },
    sentAt: Date,
    refusedStatus: Number,
    refusedReason: String,
    expiredAfter: String,
  },
  { versionKey: false },
);
outboxSchema.index({ delivery: 1 });

/**
 * The complaint read model, projected by the complaint workflow's activity at each step: the
 * agents' queue and the complaint ranking read from it. The report's figures are kept as plain
 * fields so the store can group and count them without reading the view.
 */
export interface ComplaintViewDoc {
  _id: string;
  seq: number;
  orderId: string;
  sku: string;
  /** The merchant of the complaint's order (absent: `default`). */
  merchantId?: string;
  category: ComplaintCategory;
  /** Where it came in (absent on complaints projected before channels: the buyer's own, web). */
  channel?: ComplaintChannel;
  status: ComplaintStatus;
  createdAt: Date;
  /** The earliest deadline still ahead of the agents; NO_DEADLINE once resolved or closed. */
  dueAt: Date;
  /** null while it is still open to either answer. */
  firstResponseOnTime: boolean | null;
  resolutionOnTime: boolean | null;
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
  satisfied: boolean | null;
  rating: number | null;
  /** Resolved by the automatic re-check of its keys (replaced, no agent): how many seconds after filing; null otherwise. */
  autoResolvedSeconds?: number | null;
  /** Where the automatic re-check of a key_invalid complaint left it (domain/autoRecheck.ts); null when none ran. */
  autoRecheck?: RecheckFigures | null;
  /**
   * The complaint view as JSON text. FerretDB reads every document a query does not find by _id
   * alone, at a cost per value, so one string instead of a nested object makes its scans cheaper.
   */
  view: string;
}
export function complaintViewOf(row: Pick<ComplaintViewDoc, 'view'>): ComplaintView {
  return JSON.parse(row.view) as ComplaintView;
}
/** Sorts after every real deadline, so the queue shows what is due first. */
export const NO_DEADLINE = new Date('9999-12-31T00:00:00.000Z');
export const complaintViewSchema = new Schema<ComplaintViewDoc>(
  {
    _id: String,
    seq: { type: Number, required: true },
    orderId: { type: String, required: true },
    sku: { type: String, required: true },
    merchantId: String,
    category: { type: String, required: true },
    channel: String,
    status: { type: String, required: true },
    createdAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    firstResponseOnTime: { type: Boolean, default: null },
    resolutionOnTime: { type: Boolean, default: null },
    firstResponseMinutes: { type: Number, default: null },
    resolutionMinutes: { type: Number, default: null },
    satisfied: { type: Boolean, default: null },
    rating: { type: Number, default: null },
    autoResolvedSeconds: { type: Number, default: null },
    autoRecheck: { type: new Schema<RecheckFigures>({ outcome: String, seconds: Number, reopened: Boolean }, { _id: false }), default: null },
    view: { type: String, required: true },
  },
  { versionKey: false, minimize: false },
);
// Closed complaints, listed by status, sku or category (the live ones from complaint_queue); the report: by filing time.
complaintViewSchema.index({ status: 1, dueAt: 1, _id: 1 });
complaintViewSchema.index({ sku: 1, dueAt: 1, _id: 1 });
complaintViewSchema.index({ category: 1, dueAt: 1, _id: 1 });
complaintViewSchema.index({ channel: 1, dueAt: 1, _id: 1 }, { sparse: true });
complaintViewSchema.index({ createdAt: 1 });
complaintViewSchema.index({ orderId: 1 });
complaintViewSchema.index({ merchantId: 1, dueAt: 1, _id: 1 });

/**
 * The agents' queue: one row per complaint not yet CLOSED, copied from its complaint_views row.
 * It stays as small as the live work, so even a store that scans it (FerretDB) lists it quickly.
 * It carries the view too, so a page reads nothing else: FerretDB 1.24 on SQLite scans even for a
 * lookup by _id (its query does not match its own _id index), and fifty of them on a large
 * complaint_views take longer than the old scan of it.
 */
export type ComplaintQueueDoc = Pick<ComplaintViewDoc, '_id' | 'seq' | 'status' | 'category' | 'channel' | 'sku' | 'merchantId' | 'dueAt' | 'view'>;
export const complaintQueueSchema = new Schema<ComplaintQueueDoc>(
  {
    _id: String,
    seq: { type: Number, required: true },
    status: { type: String, required: true },
    category: { type: String, required: true },
    channel: String,
    sku: { type: String, required: true },
    merchantId: String,
    dueAt: { type: Date, required: true },
    view: { type: String, required: true },
  },
  { versionKey: false },
);
// Oldest due first, filtered by status, category or sku.
complaintQueueSchema.index({ dueAt: 1, _id: 1 });
complaintQueueSchema.index({ status: 1, dueAt: 1, _id: 1 });
complaintQueueSchema.index({ sku: 1, dueAt: 1, _id: 1 });
complaintQueueSchema.index({ category: 1, dueAt: 1, _id: 1 });
complaintQueueSchema.index({ channel: 1, dueAt: 1, _id: 1 }, { sparse: true });
complaintQueueSchema.index({ merchantId: 1, dueAt: 1, _id: 1 });

/**
 * A line for the timeline of an order whose workflow has closed (a payment refunded after it was
 * cancelled, say). The workflow's own timeline is final; these are added to it when it is shown.
 * One document per event, keyed by what raised it, so a retry adds nothing.
 */
export interface OrderNoteDoc {
  _id: string;
  orderId: string;
  at: Date;
  type: string;
  actor?: string;
  detail?: string;
}
export const orderNoteSchema = new Schema<OrderNoteDoc>(
  {
    _id: String,
    orderId: { type: String, required: true, index: true },
    at: { type: Date, required: true },
    type: { type: String, required: true },
    actor: String,
    detail: String,
  },
  { versionKey: false },
);

/**
 * A refund the provider refused for good, waiting on a person to settle its cause at the provider
 * (one row per refund id; removed when the refund goes through). Ops list them; metrics count them.
 */
export const REFUND_KINDS = ['order', 'unwanted', 'stray'] as const;
export type RefundKind = (typeof REFUND_KINDS)[number];
export interface RefundAttentionDoc {
  _id: string;
  kind: RefundKind;
  orderId: string;
  paymentId: string;
  reason: string;
  since: Date;
  /** The order's merchant (absent: `default`, and for a payment of no known order). */
  merchantId?: string;
}
export const refundAttentionSchema = new Schema<RefundAttentionDoc>(
  {
    _id: String,
    kind: { type: String, enum: REFUND_KINDS, required: true },
    orderId: { type: String, required: true },
    paymentId: { type: String, required: true },
    reason: { type: String, required: true },
    since: { type: Date, required: true, index: true },
    merchantId: String,
  },
  { versionKey: false },
);

/*
 * The report ledger: what the complaint ranking counts, kept so a report reads little and never
 * groups the read models. FerretDB 1.24 answers every query by reading its collection row by row
 * (even a lookup by _id: its index on _id is not the expression it queries by), so the ledger's
 * collections are cut by month and stay small however old the shop grows. Projections record
 * facts; one fold (a scheduled workflow, the only writer of hours and days) merges them into their
 * hours and keeps each hour's tally in its day. Entries and tallies are JSON text: FerretDB's cost
 * is per value it decodes, and one string is one value.
 */

/** A read-model change the ranking counts, waiting to be folded: _id `<entry key>@<seq>`, so a retry adds nothing. */
export interface ReportFactDoc {
  _id: string;
  entry: string;
  recordedAt: Date;
}
export const reportFactSchema = new Schema<ReportFactDoc>(
  { _id: String, entry: { type: String, required: true }, recordedAt: { type: Date, required: true } },
  { versionKey: false },
);

/** The newest entry of every order and complaint created in one UTC hour (_id `YYYY-MM-DDTHH`), in `report_hours_<YYYY-MM>`. */
export interface ReportHourDoc {
  _id: string;
  entries: string;
  foldedAt: Date;
}
export const reportHourSchema = new Schema<ReportHourDoc>(
  { _id: String, entries: { type: String, required: true }, foldedAt: { type: Date, required: true } },
  // A month's collection comes with its first fold: reading a month nobody folded (any caller
  // may ask the public report for any month) creates nothing.
  { versionKey: false, autoCreate: false },
);

/** The tally of each folded hour of one UTC day (_id `YYYY-MM-DD`; `hours` keyed `00`..`23`), in `report_days_<YYYY-MM>`. */
export interface ReportDayDoc {
  _id: string;
  hours: string;
  foldedAt: Date;
}
export const reportDaySchema = new Schema<ReportDayDoc>(
  { _id: String, hours: { type: String, required: true }, foldedAt: { type: Date, required: true } },
  // A month's collection comes with its first fold: reading a month nobody folded (any caller
  // may ask the public report for any month) creates nothing.
  { versionKey: false, autoCreate: false },
);

/** A shop's published note on what it improved, shown with its month's public complaint report. */
export interface ReportNoteDoc {
  _id: string;
  /** The merchant who published it (absent: `default`). */
  merchantId?: string;
  month: string;
  text: string;
  at: Date;
}
export const reportNoteSchema = new Schema<ReportNoteDoc>(
  { _id: String, merchantId: String, month: { type: String, required: true }, text: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);
reportNoteSchema.index({ month: 1, at: 1 });

export const STOCK_ALERT_KINDS = ['low', 'out'] as const;
export type StockAlertKind = (typeof STOCK_ALERT_KINDS)[number];

/**
 * One stock alert raised. Its _id is `<sku>:<kind>:<arming generation>`, so however many orders
 * cross the line at once, one insert wins and one webhook goes: the unique _id is the arbiter.
 */
export interface StockAlertDoc {
  _id: string;
  sku: string;
  kind: StockAlertKind;
  generation: number;
  available: number;
  at: Date;
  /** Kept in the outbox and handed to the webhook's workflow; until then, the next look hands it over. */
  dispatched: boolean;
}
export const stockAlertSchema = new Schema<StockAlertDoc>(
  {
    _id: String,
    sku: { type: String, required: true },
    kind: { type: String, required: true, enum: STOCK_ALERT_KINDS },
    generation: { type: Number, required: true },
    available: { type: Number, required: true },
    at: { type: Date, required: true },
    dispatched: { type: Boolean, default: false },
  },
  { versionKey: false },
);
stockAlertSchema.index({ sku: 1, at: -1 });
/**
 * What the buyer was given to pay an order through a provider's rail, one row per order (the first
 * made wins, so the API and the workflow may both try). `providerRef` is what we ask the provider by
 * later (Stripe's PaymentIntent id).
 */
export interface CheckoutDoc {
  _id: string;
  method: string;
  checkout: Record<string, string>;
  providerRef?: string;
  createdAt: Date;
}
export const checkoutSchema = new Schema<CheckoutDoc>(
  {
    _id: String,
    method: { type: String, required: true },
    checkout: { type: Schema.Types.Mixed, required: true },
    providerRef: String,
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * A reservation the sweep gave back to stock: its order's workflow no longer ran, so nobody would
 * ever deliver or release the key. `_id` is `<orderId>:<keyId>`, so a retried sweep records it once.
 */
export interface SweptReservationDoc {
  _id: string;
  orderId: string;
  keyId: string;
  sku: string;
  slot: number;
  claimedAt: Date;
  sweptAt: Date;
  /** What Temporal said of the order's workflow: its closed status (TERMINATED, …) or NOT_FOUND. */
  workflow: string;
}
export const sweptReservationSchema = new Schema<SweptReservationDoc>(
  {
    _id: String,
    orderId: { type: String, required: true },
    keyId: { type: String, required: true },
    sku: { type: String, required: true },
    slot: { type: Number, required: true },
    claimedAt: { type: Date, required: true },
    sweptAt: { type: Date, required: true },
    workflow: { type: String, required: true },
  },
  { versionKey: false },
);

/**
 * One email sent to a buyer, keyed by the event it is about: a retried step (or a retried send)
 * finds it here and sends nothing again. `refused`: the mail server refused it for good (a 5xx);
 * `skipped`: nothing was left to tell (the keys were taken back first); `expired`: the mail server
 * took nothing for the whole give-up time (workflows/activities.ts), and the email was dropped.
 */
export interface EmailSentDoc {
  _id: string;
  orderId: string;
  kind: BuyerEmailKind;
  complaintId?: string;
  messageId?: string;
  state: 'sent' | 'refused' | 'skipped' | 'expired';
  at: Date;
}
export const emailSentSchema = new Schema<EmailSentDoc>(
  {
    _id: String,
    orderId: { type: String, required: true, index: true },
    kind: { type: String, required: true },
    complaintId: String,
    messageId: String,
    state: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * A buyer's feedback on a delivered order, one per order (its _id): the insert that collides is the
 * answer to a second one. `idempotencyKey` (a digest) lets a retry under the same key and body
 * answer as the first did.
 */
export interface FeedbackDoc {
  _id: string;
  sku: string;
  /** The order's merchant (absent: `default`). */
  merchantId?: string;
  rating: number;
  instructionsClear?: boolean;
  comment?: string;
  at: Date;
  request: string;
}
export const feedbackSchema = new Schema<FeedbackDoc>(
  {
    _id: String,
    sku: { type: String, required: true },
    merchantId: String,
    rating: { type: Number, required: true },
    instructionsClear: Boolean,
    comment: String,
    at: { type: Date, required: true },
    request: { type: String, required: true },
  },
  { versionKey: false },
);
feedbackSchema.index({ at: 1 });
feedbackSchema.index({ merchantId: 1, at: 1 });

/**
 * A file attached to a complaint as evidence; its bytes are in GridFS (bucket `evidence`, the file's
 * _id is the attachment's). A complaint's files take slots 0..4: the unique (complaintId, slot) is
 * the arbiter when several arrive at once.
 */
export interface AttachmentDoc {
  _id: string;
  complaintId: string;
  slot: number;
  contentType: string;
  bytes: number;
  from: 'buyer' | 'agent';
  actor?: string;
  at: Date;
}
export const attachmentSchema = new Schema<AttachmentDoc>(
  {
    _id: String,
    complaintId: { type: String, required: true },
    slot: { type: Number, required: true },
    contentType: { type: String, required: true },
    bytes: { type: Number, required: true },
    from: { type: String, required: true },
    actor: String,
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
attachmentSchema.index({ complaintId: 1, slot: 1 }, { unique: true });

/** A coupon (db/coupons.ts): its terms, and the buyer it was issued to (keyed hash, masked email). */
export interface CouponDoc {
  /** couponKey(merchant, code): the code alone for `default`, `<merchant>:<code>` for any other. */
  _id: string;
  /** Absent on rows written before coupons were per merchant (those are `default`'s; the migration names it). */
  merchantId?: string;
  /** The code as buyers type it (before the migration, a row's code is its _id). */
  code?: string;
  amountOff?: Money;
  percentOff?: number;
  minSpend?: Money;
  firstOrderOnly?: boolean;
  maxRedemptions?: number;
  validFrom?: Date;
  validUntil?: Date;
  buyerEmailHash?: string;
  buyerEmailMasked?: string;
  /** A coupon granted for an outside reason (grantCoupon): one per key. */
  grantKey?: string;
  createdBy: string;
  createdAt: Date;
}
export const couponSchema = new Schema<CouponDoc>(
  {
    _id: String,
    merchantId: String,
    code: String,
    amountOff: { type: money, default: undefined },
    percentOff: Number,
    minSpend: { type: money, default: undefined },
    firstOrderOnly: Boolean,
    maxRedemptions: Number,
    validFrom: Date,
    validUntil: Date,
    buyerEmailHash: String,
    buyerEmailMasked: String,
    grantKey: String,
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
couponSchema.index({ merchantId: 1, createdAt: -1, _id: -1 });
couponSchema.index({ merchantId: 1, grantKey: 1 }, { sparse: true });

/**
 * What an order holds of a coupon, settled by unique ids as key claims are: a redemption slot
 * (`<key>#<n>`, n up to maxRedemptions) and, for a coupon once per buyer, the buyer's claim
 * (`<key>@<emailHash>`), where the key is the coupon's id (couponKey), so each merchant's claims
 * are its own. The unique (merchantId, code, kind, orderId) keeps an order to one of each.
 */
export interface CouponClaimDoc {
  /** `<couponKey>#<n>` or `<couponKey>@<emailHash>`. */
  _id: string;
  merchantId?: string;
  code: string;
  kind: 'slot' | 'buyer';
  orderId: string;
  claimedAt: Date;
}
export const couponClaimSchema = new Schema<CouponClaimDoc>(
  {
    _id: String,
    merchantId: String,
    code: { type: String, required: true },
    kind: { type: String, required: true },
    orderId: { type: String, required: true },
    claimedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
couponClaimSchema.index({ merchantId: 1, code: 1, kind: 1, orderId: 1 }, { unique: true });

/** One order's use of a coupon (`<code>:<orderId>`: an order is of one merchant), as the console lists it. */
export interface CouponRedemptionDoc {
  _id: string;
  merchantId?: string;
  code: string;
  orderId: string;
  state: 'held' | 'redeemed' | 'released';
  buyerEmailMasked: string;
  listPrice: Money;
  discount: Money;
  amount: Money;
  heldAt: Date;
  paymentId?: string;
  redeemedAt?: Date;
  releasedAt?: Date;
  releasedBecause?: 'cancelled' | 'refunded';
  /** Redeemed by a payment found after the order was cancelled, when the coupon had no room left (db/coupons.ts redeemReleased). */
  overLimit?: boolean;
}
export const couponRedemptionSchema = new Schema<CouponRedemptionDoc>(
  {
    _id: String,
    merchantId: String,
    code: { type: String, required: true },
    orderId: { type: String, required: true },
    state: { type: String, required: true },
    buyerEmailMasked: { type: String, required: true },
    listPrice: { type: money, required: true },
    discount: { type: money, required: true },
    amount: { type: money, required: true },
    heldAt: { type: Date, required: true },
    paymentId: String,
    redeemedAt: Date,
    releasedAt: Date,
    releasedBecause: String,
    overLimit: Boolean,
  },
  { versionKey: false },
);
couponRedemptionSchema.index({ merchantId: 1, code: 1, heldAt: 1 });
/**
 * A merchant the platform hosts. `default` (the first shop) needs no row: without one it is ACTIVE.
 * The contact email is sealed like a buyer's.
 */
export interface MerchantDoc {
  _id: string;
  name: string;
  contactEmail: Sealed;
  status: MerchantStatus;
  suspendedReason?: string;
  /** The merchant's own settings (domain/merchantSettings.ts), sealed as a whole: they hold its secrets. */
  settings?: Sealed;
  createdAt: Date;
  updatedAt: Date;
}
export const merchantSchema = new Schema<MerchantDoc>(
  {
    _id: String,
    name: { type: String, required: true },
    contactEmail: { type: sealed, required: true },
    status: { type: String, enum: MERCHANT_STATUSES, required: true },
    suspendedReason: String,
    settings: sealed,
  },
  { timestamps: true, versionKey: false },
);

/**
 * An API key the platform issued to a merchant. Only the SHA-256 of its secret is kept: the secret
 * is shown once. Revoking deletes the row, so the next request with it finds nothing.
 */
export interface MerchantKeyDoc {
  _id: string;
  merchantId: string;
  role: MerchantKeyRole;
  name: string;
  secretHash: string;
  createdAt: Date;
  lastUsedAt?: Date;
}
export const merchantKeySchema = new Schema<MerchantKeyDoc>(
  {
    _id: String,
    merchantId: { type: String, required: true },
    role: { type: String, enum: MERCHANT_KEY_ROLES, required: true },
    name: { type: String, required: true },
    secretHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: Date,
  },
  { versionKey: false },
);
merchantKeySchema.index({ merchantId: 1, createdAt: 1 });
