import mongoose, { type Connection, type Model, type mongo, type Schema } from 'mongoose';
import { profileCommands } from './commandProfile';
import { migrate } from './migrations';
import {
  actionRequestSchema,
  attachmentSchema,
  checkoutSchema,
  claimSchema,
  couponClaimSchema,
  couponRedemptionSchema,
  couponSchema,
  complaintQueueSchema,
  complaintViewSchema,
  emailSentSchema,
  feedbackSchema,
  idempotencySchema,
  keySchema,
  orderAccessSchema,
  orderNoteSchema,
  orderViewSchema,
  outboxSchema,
  paymentEventSchema,
  productSchema,
  refundAttentionSchema,
  refundSchema,
  reportDaySchema,
  reportFactSchema,
  reportHourSchema,
  reportNoteSchema,
  stockAlertSchema,
  sweptReservationSchema,
  type ActionRequestDoc,
  type AttachmentDoc,
  type CheckoutDoc,
  type ClaimDoc,
  type CouponClaimDoc,
  type CouponDoc,
  type CouponRedemptionDoc,
  type ComplaintQueueDoc,
  type ComplaintViewDoc,
  type EmailSentDoc,
  type FeedbackDoc,
  type IdempotencyDoc,
  type KeyDoc,
  type OrderAccessDoc,
  type OrderNoteDoc,
  type OrderViewDoc,
  type OutboxDoc,
  type PaymentEventDoc,
  type ProductDoc,
  type RefundAttentionDoc,
  type RefundDoc,
  type ReportDayDoc,
  type ReportFactDoc,
  type ReportHourDoc,
  type ReportNoteDoc,
  type StockAlertDoc,
  type SweptReservationDoc,
  merchantSchema,
  merchantKeySchema,
  type MerchantDoc,
  type MerchantKeyDoc,
} from './schemas';

export interface Store {
  connection: Connection;
  products: Model<ProductDoc>;
  keys: Model<KeyDoc>;
  claims: Model<ClaimDoc>;
  orderAccess: Model<OrderAccessDoc>;
  idempotency: Model<IdempotencyDoc>;
  actionRequests: Model<ActionRequestDoc>;
  orderViews: Model<OrderViewDoc>;
  orderNotes: Model<OrderNoteDoc>;
  paymentEvents: Model<PaymentEventDoc>;
  refunds: Model<RefundDoc>;
  /** Refunds the provider refused, waiting on a person (see RefundAttentionDoc). */
  refundAttention: Model<RefundAttentionDoc>;
  checkouts: Model<CheckoutDoc>;
  outbox: Model<OutboxDoc>;
  complaintViews: Model<ComplaintViewDoc>;
  complaintQueue: Model<ComplaintQueueDoc>;
  /** The report ledger (see db/report): facts waiting to be folded, and a month's hours and days. */
  reportInbox: Model<ReportFactDoc>;
  reportHours(month: string): Model<ReportHourDoc>;
  reportDays(month: string): Model<ReportDayDoc>;
  /** The shop's notes published with the public complaint report. */
  reportNotes: Model<ReportNoteDoc>;
  /** Stock alerts raised, one per sku, kind and arming generation. */
  stockAlerts: Model<StockAlertDoc>;
  /** Reservations the sweep returned to stock (workflows/reservationSweep.ts). */
  sweptReservations: Model<SweptReservationDoc>;
  /** Emails sent to buyers, one per event. */
  emailsSent: Model<EmailSentDoc>;
  /** Buyers' feedback, one per delivered order. */
  feedback: Model<FeedbackDoc>;
  /** Complaints' evidence files: who sent what (the bytes are in GridFS, db/evidence.ts). */
  attachments: Model<AttachmentDoc>;
  /** Coupons, what orders hold of them, and their redemptions (db/coupons.ts). */
  coupons: Model<CouponDoc>;
  couponClaims: Model<CouponClaimDoc>;
  couponRedemptions: Model<CouponRedemptionDoc>;
  /** The merchants the platform hosts, and the keys it issued them. */
  merchants: Model<MerchantDoc>;
  merchantKeys: Model<MerchantKeyDoc>;
  ping(): Promise<void>;
  /** Drop the client and connect afresh, the models kept (see db/storeWatch.ts). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connect and make sure every index exists before anyone relies on one to settle a race.
 * `profileTo`: a file where the time each kind of store command takes is kept (the benchmark's).
 */
export async function openStore(uri: string, profileTo?: string): Promise<Store> {
  const options = { serverSelectionTimeoutMS: 5_000, autoIndex: false, monitorCommands: profileTo !== undefined };
  const connection = mongoose.createConnection(uri, options);
  await connection.asPromise();
  if (profileTo) profileCommands(connection, profileTo);
  const store: Store = {
    connection,
    products: connection.model<ProductDoc>('Product', productSchema, 'products'),
    keys: connection.model<KeyDoc>('Key', keySchema, 'keys'),
    claims: connection.model<ClaimDoc>('Claim', claimSchema, 'key_claims'),
    orderAccess: connection.model<OrderAccessDoc>('OrderAccess', orderAccessSchema, 'order_access'),
    idempotency: connection.model<IdempotencyDoc>('Idempotency', idempotencySchema, 'idempotency'),
    actionRequests: connection.model<ActionRequestDoc>('ActionRequest', actionRequestSchema, 'action_requests'),
    orderViews: connection.model<OrderViewDoc>('OrderView', orderViewSchema, 'order_views'),
    paymentEvents: connection.model<PaymentEventDoc>('PaymentEvent', paymentEventSchema, 'payment_events'),
    refunds: connection.model<RefundDoc>('Refund', refundSchema, 'refunds'),
    refundAttention: connection.model<RefundAttentionDoc>('RefundAttention', refundAttentionSchema, 'refund_attention'),
    checkouts: connection.model<CheckoutDoc>('Checkout', checkoutSchema, 'checkouts'),
    outbox: connection.model<OutboxDoc>('Outbox', outboxSchema, 'outbox'),
    complaintViews: connection.model<ComplaintViewDoc>('ComplaintView', complaintViewSchema, 'complaint_views'),
    complaintQueue: connection.model<ComplaintQueueDoc>('ComplaintQueueEntry', complaintQueueSchema, 'complaint_queue'),
    orderNotes: connection.model<OrderNoteDoc>('OrderNote', orderNoteSchema, 'order_notes'),
    reportInbox: connection.model<ReportFactDoc>('ReportFact', reportFactSchema, 'report_inbox'),
    reportHours: (month) => monthly(connection, 'ReportHours', reportHourSchema, 'report_hours', month),
    reportDays: (month) => monthly(connection, 'ReportDays', reportDaySchema, 'report_days', month),
    reportNotes: connection.model<ReportNoteDoc>('ReportNote', reportNoteSchema, 'report_notes'),
    stockAlerts: connection.model<StockAlertDoc>('StockAlert', stockAlertSchema, 'stock_alerts'),
    sweptReservations: connection.model<SweptReservationDoc>('SweptReservation', sweptReservationSchema, 'swept_reservations'),
    emailsSent: connection.model<EmailSentDoc>('EmailSent', emailSentSchema, 'emails_sent'),
    feedback: connection.model<FeedbackDoc>('Feedback', feedbackSchema, 'feedback'),
    attachments: connection.model<AttachmentDoc>('Attachment', attachmentSchema, 'complaint_attachments'),
    coupons: connection.model<CouponDoc>('Coupon', couponSchema, 'coupons'),
    couponClaims: connection.model<CouponClaimDoc>('CouponClaim', couponClaimSchema, 'coupon_claims'),
    couponRedemptions: connection.model<CouponRedemptionDoc>('CouponRedemption', couponRedemptionSchema, 'coupon_redemptions'),
    merchants: connection.model<MerchantDoc>('Merchant', merchantSchema, 'merchants'),
    merchantKeys: connection.model<MerchantKeyDoc>('MerchantKey', merchantKeySchema, 'merchant_keys'),
    async ping() {
      await connection.db!.admin().command({ ping: 1 });
    },
    async reopen() {
      // Not forced: mongoose refuses a connection that was ever force-closed; calls under way end by their own timeouts.
      await connection.close();
      await connection.openUri(uri, options);
    },
    async close() {
      await connection.close();
    },
  };
  const models: Model<any>[] = [
    store.products, store.keys, store.claims, store.orderAccess, store.idempotency,
    store.orderViews, store.paymentEvents, store.refunds, store.refundAttention, store.outbox, store.complaintViews, store.complaintQueue, store.orderNotes,
    store.reportNotes, store.stockAlerts, store.emailsSent, store.feedback, store.attachments,
    store.coupons, store.couponClaims, store.couponRedemptions,
    store.merchants, store.merchantKeys,
  ];
  for (const model of models) await model.createIndexes();
  await expiringIndexes(store.actionRequests);
  await migrate(store);
  return store;
}

/**
 * A model's indexes, its TTL indexes included. A server without TTL indexes (FerretDB 1.24, the
 * embedded store, answers NotImplemented) gets the same indexes without expiry: its rows stay.
 * Production's MongoDB expires them.
 */
async function expiringIndexes(model: Model<any>): Promise<void> {
  try {
    await model.createIndexes();
  } catch (err) {
    if (!isNotImplemented(err)) throw err;
    for (const [fields, options] of model.schema.indexes()) {
      const { expireAfterSeconds: _, ...kept } = options as mongo.CreateIndexesOptions;
      await model.collection.createIndex(fields as Record<string, 1 | -1>, kept);
    }
  }
}

/** The server does not do what was asked (MongoDB's code 238, NotImplemented). */
export function isNotImplemented(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 238;
}

/** A collection of one month (`YYYY-MM`), its model made once per connection. */
function monthly<T>(connection: Connection, model: string, schema: Schema<T>, collection: string, month: string): Model<T> {
  if (!/^\d{4}-\d{2}$/.test(month)) throw new Error(`not a month: ${month}`);
  const name = `${model}_${month}`;
  return (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema, `${collection}_${month.replace('-', '_')}`);
}

export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** An unordered insertMany whose only failures were documents already there. */
export function onlyDuplicateKeyErrors(err: unknown): boolean {
  const writeErrors = (err as { writeErrors?: unknown[] } | null)?.writeErrors;
  // Mongoose copies the driver's write errors into plain objects, which keep the code under `err`.
  return (
    Array.isArray(writeErrors) &&
    writeErrors.length > 0 &&
    writeErrors.every((e) => isDuplicateKeyError(e) || isDuplicateKeyError((e as { err?: unknown }).err))
  );
}
