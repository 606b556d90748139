import { condition, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { Notification } from '../../../domain/notification';
import type { DeliveredKey, OrderInput, OrderStatus, OrderView, TimelineEntry } from '../../../domain/order';
import { ORDER_STATUS } from '../../../domain/searchAttributes';
import { localStore, store } from '../activities';
import { carryToWebhook, tellStorefront } from '../notify';
import { now } from '../time';

/**
 * Statuses an order passes through on its way to the next one at once: they are in the timeline,
 * the search attributes and the storefront's events, and reach the read model with the next step's
 * write rather than in a write of their own.
 */
export interface RecordState {
  view: OrderView;
  seq: number;
  statusSince: string;
  writtenStatus?: OrderStatus;
}

const PASSING: ReadonlySet<OrderStatus> = new Set(['PAID']);

/**
 * The order as its workflow knows it: the single writer of its state. Every status change is
 * mirrored to the search attributes (for ops) and the read model (for lists and closed orders),
 * and every step is appended to the timeline, never rewritten.
 *
 * On the short path (orders begun since it shipped) a step is one local activity that writes the
 * read-model row and the step's outbox entries together; one such write is in flight at a time,
 * and a step that waited for it writes the newest view, so the read model only moves forward.
 * Orders begun before keep the path they began on: a regular activity for the projection and one
 * per outbox entry.
 */
export class OrderRecord {
  readonly view: OrderView;
  /** The store activities this order runs: local on the short path. */
  readonly store: typeof store;
  private seq = 0;
  private statusSince: string;
  /** Events raised and not yet written, each with the id it got when it was raised. */
  private readonly unsent: Notification[] = [];
  private writtenSeq = 0;
  /** The status the last write carried (null: none yet; undefined: not known, in a run resumed from before it was kept). */
  private writtenStatus: OrderStatus | null | undefined = null;
  private writing: Promise<void> | undefined;
  /** Keys handed over whose claims the next write marks delivered (see handOver). */
  private toDeliver: string[] = [];

  constructor(
    readonly input: OrderInput,
    readonly shortPath: boolean,
    resumed?: RecordState,
    /** Webhook carriers start once the rest of their activation has run (see write); false for orders begun before. */
    private readonly carriersInTurn = false,
    /** A passing status leaves the search attributes alone, like the read model (see moveTo); false for orders begun before. */
    private readonly passingUnsearched = false,
  ) {
    this.store = shortPath ? localStore : store;
    if (resumed) {
      this.view = resumed.view;
      this.seq = resumed.seq;
      this.statusSince = resumed.statusSince;
      this.writtenStatus = resumed.writtenStatus;
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
    return { view: this.view, seq: this.seq, statusSince: this.statusSince, writtenStatus: this.writtenStatus ?? undefined };
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

  /** The order exists: the read model and the storefront learn of it. */
  async open(): Promise<void> {
    if (!this.shortPath) await this.project();
    await this.notify('order.created');
  }

  /** Move to a status: timeline, search attribute, read model, and the storefront told. */
  /** `passing`: the status lasts a moment, so it reaches the read model with the next step's write. */
  async moveTo(status: OrderStatus, detail?: string, actor?: string, passing = false): Promise<void> {
    const from = this.view.status;
    this.view.status = status;
    this.statusSince = now();
    this.note(`status:${status}`, detail ?? `from ${from}`, actor);
    log.info('order status changed', { orderId: this.id, from, to: status });
    if (this.shortPath && (PASSING.has(status) || passing)) {
      // Search attributes reach Temporal when the task ends, by when the next status stands: a
      // passing one would only cost the server a visibility write no one could see.
      if (!this.passingUnsearched) upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
      this.raise(`order.${status.toLowerCase()}`);
      return;
    }
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
    await this.notify(`order.${status.toLowerCase()}`);
  }

  setKeys(keys: DeliveredKey[]): void {
    this.view.keys = keys;
  }

  /**
   * The keys are the buyer's. `withNextWrite` (short path): their claims are marked delivered by the
   * next write, the one that shows them, rather than in a step of its own.
   */
  async handOver(keys: DeliveredKey[], withNextWrite: boolean): Promise<void> {
    if (withNextWrite && this.shortPath) this.toDeliver = keys.map((k) => k.keyId);
    else await this.store.markKeysDelivered({ orderId: this.id, keyIds: keys.map((k) => k.keyId) });
    this.setKeys(keys);
  }

  /** Keep the read model in step; called after each change the outside world may look for. */
  async project(): Promise<void> {
    this.seq += 1;
    if (this.shortPath) return this.write();
    await store.projectOrder({ seq: this.seq, view: this.view, statusSince: this.statusSince });
  }

  /** An outbox entry for every event, carried to the storefront's webhook by its own workflow. */
  async notify(type: string, complaintId?: string): Promise<void> {
    if (this.shortPath) {
      this.raise(type, complaintId);
      return this.write();
    }
    const projected = this.project();
    // The step's own number, taken before anything else can move it while the projection runs.
    const eventId = `${this.id}.${this.seq}.${type}`;
    await projected;
    await tellStorefront({ eventId, type, orderId: this.id, ...(complaintId ? { complaintId } : {}), status: this.view.status, at: now() });
    this.note('notified', type);
  }

  /** A new step with an event for the storefront, its id fixed now; written with the next write. */
  private raise(type: string, complaintId?: string): void {
    this.seq += 1;
    const eventId = `${this.id}.${this.seq}.${type}`;
    this.unsent.push({ eventId, type, orderId: this.id, ...(complaintId ? { complaintId } : {}), status: this.view.status, at: now() });
    this.note('notified', type);
  }

  /**
   * Write the newest step: one write in flight at a time; a caller that had to wait writes
   * whatever is newest by then (or nothing, when the write it waited for already carried it).
   */
  private async write(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.writtenSeq === this.seq && this.unsent.length === 0 && this.toDeliver.length === 0) return;
    const seq = this.seq;
    const status = this.view.status;
    const events = this.unsent.splice(0);
    const deliver = this.toDeliver;
    const written = localStore.recordOrderStep({
      seq,
      view: this.view,
      statusSince: this.statusSince,
      events,
      ...(this.input.listing ? { listing: this.input.listing } : {}),
      ...(this.writtenStatus !== undefined ? { previousStatus: this.writtenStatus } : {}),
      ...(deliver.length > 0 ? { deliver } : {}),
    });
    this.writing = written.then(
      () => {
        this.writtenSeq = seq;
        this.writtenStatus = status;
        if (this.toDeliver === deliver) this.toDeliver = [];
        this.writing = undefined;
      },
      () => {
        this.writing = undefined; // the caller below hears why
      },
    );
    const { webhook } = await written;
    if (!webhook) return;
    // A local activity's result comes in an activation of its own when the order runs, but beside
    // the task's other events when a worker replays the task (one that timed out: a worker killed):
    // carriers started at once then went ahead of what the main flow did meanwhile (the payment-due
    // timer) and the replay failed. Started once everything else their activation woke has run,
    // they come after it both ways (versioned: orders begun before start them at once).
    if (this.carriersInTurn) await afterTheRestOfTheActivation();
    await Promise.all(events.map((e) => carryToWebhook(e.eventId)));
  }
}

/**
 * Resolves once every coroutine the current activation woke has run as far as it can: the SDK
 * checks blocked conditions only after the activation's microtasks settle, and this one is false
 * when first checked.
 */
function afterTheRestOfTheActivation(): Promise<void> {
  let checkedOnce = false;
  const turn = condition(() => checkedOnce);
  checkedOnce = true;
  return turn;
}
