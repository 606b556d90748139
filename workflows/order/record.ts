import { condition, log, upsertSearchAttributes } from '@temporalio/workflow';
import type { Notification } from '../../domain/notification';
import type { OrderStatus } from '../../domain/order';
import type { OrderState } from '../../domain/orderLife';
import { ORDER_STATUS } from '../../domain/searchAttributes';
import { localStore } from '../activities';
import { carryToWebhook } from '../notify';
import { now } from '../time';

/** What the record carries into a new run of the order's workflow (continue-as-new). */
export interface RecordState {
  seq: number;
  writtenStatus: OrderStatus | null;
  searchedStatus: OrderStatus;
}

/**
 * The order as the outside world sees it: each step written to the read model (one local step that
 * writes the row and the step's outbox entries together) before anyone is told, the status mirrored
 * to the search attributes for ops, and the storefront's events carried to its webhook.
 * A passing status (a moment on the way to the next) is raised with the next write, not its own.
 */
export class OrderRecord {
  private seq: number;
  private writtenStatus: OrderStatus | null;
  private searchedStatus: OrderStatus;
  private readonly unsent: Notification[] = [];
  private toDeliver: string[] = [];

  constructor(resumed?: RecordState) {
    this.seq = resumed?.seq ?? 0;
    this.writtenStatus = resumed?.writtenStatus ?? null;
    this.searchedStatus = resumed?.searchedStatus ?? 'AWAITING_PAYMENT';
  }

  state(): RecordState {
    return { seq: this.seq, writtenStatus: this.writtenStatus, searchedStatus: this.searchedStatus };
  }

  /** An event for the storefront, its id fixed now; written with the next write. */
  raise(state: OrderState, type: string, complaintId?: string): void {
    this.seq += 1;
    const { orderId } = state.input;
    this.unsent.push({ eventId: `${orderId}.${this.seq}.${type}`, type, orderId, ...(complaintId ? { complaintId } : {}), status: state.view.status, at: now() });
  }

  /** Keys handed over: their claims are marked delivered by the write that shows them. */
  deliverWithNextWrite(keyIds: string[]): void {
    this.toDeliver.push(...keyIds);
  }

  /** Write the order as it stands, with the events raised since the last write. */
  async write(state: OrderState): Promise<void> {
    const { view, input } = state;
    if (view.status !== this.searchedStatus) {
      log.info('order status changed', { orderId: input.orderId, from: this.searchedStatus, to: view.status });
      this.searchedStatus = view.status;
      upsertSearchAttributes([{ key: ORDER_STATUS, value: view.status }]);
    }
    const events = this.unsent.splice(0);
    // A step that raised events is numbered by its newest event; one without takes a number of its own.
    if (events.length === 0) this.seq += 1;
    const deliver = this.toDeliver.splice(0);
    const { webhook } = await localStore.recordOrderStep({
      seq: this.seq,
      view,
      statusSince: state.statusSince,
      events,
      ...(input.listing ? { listing: input.listing } : {}),
      previousStatus: this.writtenStatus,
      ...(deliver.length > 0 ? { deliver } : {}),
    });
    this.writtenStatus = view.status;
    if (!webhook || events.length === 0) return;
    // A local step's result comes in an activation of its own when the order runs, but beside the
    // task's other events when a worker replays it: carriers start once everything else that
    // activation woke has run, so they come after it both ways.
    await afterTheRestOfTheActivation();
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
