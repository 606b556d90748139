import { log, upsertSearchAttributes } from '@temporalio/workflow';
import type { DeliveredKey, OrderInput, OrderStatus, OrderView, TimelineEntry } from '../../domain/order';
import { ORDER_STATUS } from '../../domain/searchAttributes';
import { store } from '../activities';
import { tellStorefront } from '../notify';
import { now } from '../time';

export interface RecordState {
  view: OrderView;
  seq: number;
  statusSince: string;
}

/**
 * The order as its workflow knows it: the single writer of its state. Every status change is
 * mirrored to the search attributes (for ops) and the read model (for lists and closed orders),
 * and every step is appended to the timeline, never rewritten.
 */
export class OrderRecord {
  readonly view: OrderView;
  private seq = 0;
  private statusSince: string;

  constructor(
    readonly input: OrderInput,
    resumed?: RecordState,
  ) {
    if (resumed) {
      this.view = resumed.view;
      this.seq = resumed.seq;
      this.statusSince = resumed.statusSince;
      return;
    }
    this.view = {
      orderId: input.orderId,
      sku: input.sku,
      quantity: input.quantity,
      amount: input.amount,
      status: 'AWAITING_PAYMENT',
      buyer: { email: input.buyerEmailMasked },
      createdAt: input.createdAt,
      paymentDueAt: input.paymentDueAt,
      keys: [],
      refund: null,
      complaints: [],
      timeline: [],
    };
    this.statusSince = input.createdAt;
  }

  /** What a new run of the order's workflow (continue-as-new) starts from. */
  state(): RecordState {
    return { view: this.view, seq: this.seq, statusSince: this.statusSince };
  }

  get id(): string {
    return this.input.orderId;
  }

  get status(): OrderStatus {
    return this.view.status;
  }

  note(type: string, detail?: string, actor?: string): void {
    const entry: TimelineEntry = { at: now(), type };
    if (actor) entry.actor = actor;
    if (detail) entry.detail = detail;
    this.view.timeline.push(entry);
  }

  /** Move to a status: timeline, search attribute, read model, and the storefront told. */
  async moveTo(status: OrderStatus, detail?: string, actor?: string): Promise<void> {
    const from = this.view.status;
    this.view.status = status;
    this.statusSince = now();
    this.note(`status:${status}`, detail ?? `from ${from}`, actor);
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
    log.info('order status changed', { orderId: this.id, from, to: status });
    await this.notify(`order.${status.toLowerCase()}`);
  }

  setKeys(keys: DeliveredKey[]): void {
    this.view.keys = keys;
  }

  /** Keep the read model in step; called after each change the outside world may look for. */
  async project(): Promise<void> {
    this.seq += 1;
    await store.projectOrder({ seq: this.seq, view: this.view, statusSince: this.statusSince });
  }

  /** An outbox entry for every event, carried to the storefront's webhook by its own workflow. */
  async notify(type: string, complaintId?: string): Promise<void> {
    await this.project();
    const eventId = `${this.id}.${this.seq}.${type}`;
    const at = now();
    await tellStorefront({ eventId, type, orderId: this.id, ...(complaintId ? { complaintId } : {}), status: this.view.status, at });
    this.note('notified', type);
  }
}
