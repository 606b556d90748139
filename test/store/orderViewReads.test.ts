import { addOrderNote } from '../../db/orderNotes';
import { OrderViewReads } from '../../db/orderViewReads';
import { orderViewRow, projectOrderRow } from '../../db/projection';
import { openStore, type Store } from '../../db/store';
import type { OrderStatus, OrderView } from '../../domain/order';
import { testConfig } from '../support/harness';

/**
 * Buyers' pages poll their orders; the API keeps each view it read and reads it again only when the
 * order's version moved. Against the real store: every change an order's workflow (or a late note)
 * makes is in the very next read, and rows without a version are read whole.
 */
let store: Store;
const config = testConfig();

beforeAll(async () => {
  store = await openStore(config.mongodbUri);
});
afterAll(async () => {
  await store?.connection.dropDatabase().catch(() => undefined);
  await store?.close();
});

const at = '2025-05-01T08:00:00.000Z';
function view(orderId: string, status: OrderStatus): OrderView {
  return {
    orderId,
    sku: 'reads-sku',
    quantity: 1,
    amount: { amount: 100, currency: 'CNY' },
    status,
    buyer: { email: 'b***@example.com' },
    createdAt: at,
    paymentDueAt: '2025-05-01T08:15:00.000Z',
    keys: [],
    refund: null,
    complaints: [],
    timeline: [{ at, type: status.toLowerCase() }],
  };
}
const project = (orderId: string, seq: number, status: OrderStatus) => projectOrderRow(store, orderViewRow(seq, view(orderId, status), at, {}));

/** Counts the view rows read, to tell a kept view from one read again. */
function countingReads(): { reads: OrderViewReads; rowsRead: () => number } {
  let rowsRead = 0;
  const find = store.orderViews.find.bind(store.orderViews);
  const counted = { ...store, orderViews: Object.assign(Object.create(store.orderViews), { find: (...args: Parameters<typeof find>) => ((rowsRead += 1), find(...args)) }) } as Store;
  return { reads: new OrderViewReads(counted), rowsRead: () => rowsRead };
}

describe('order views as buyers poll them', () => {
  it('reads a view again only when its order moved, and then has the change at once', async () => {
    const { reads, rowsRead } = countingReads();
    await project('ovr-1', 0, 'AWAITING_PAYMENT');
    expect((await reads.get('ovr-1'))?.view.status).toBe('AWAITING_PAYMENT');
    expect((await reads.get('ovr-1'))?.view.status).toBe('AWAITING_PAYMENT');
    expect(rowsRead()).toBe(1);
    await project('ovr-1', 1, 'PAID');
    await project('ovr-1', 2, 'DELIVERED');
    expect((await reads.get('ovr-1'))?.view.status).toBe('DELIVERED');
    expect(rowsRead()).toBe(2);
    // An older step landing late changes neither the row nor its version.
    await project('ovr-1', 1, 'PAID');
    expect((await reads.get('ovr-1'))?.view.status).toBe('DELIVERED');
    expect(rowsRead()).toBe(2);
  });

  it('has a note added after the order closed in the next read, and reads such an order whole from then on', async () => {
    const { reads, rowsRead } = countingReads();
    await project('ovr-2', 3, 'COMPLETED');
    expect((await reads.get('ovr-2'))?.lateNotes).toBeUndefined();
    await addOrderNote(store, 'note-ovr-2', 'ovr-2', { at, type: 'refund_paid_late', detail: 'paid out by ops' });
    const noted = await reads.get('ovr-2');
    expect(noted?.lateNotes).toBe(true);
    const before = rowsRead();
    await reads.get('ovr-2');
    expect(rowsRead()).toBe(before + 1);
  });

  it('reads whole every time a row written before versions existed, and answers nothing for an order that is not there', async () => {
    const { reads, rowsRead } = countingReads();
    const { _id, ...fields } = orderViewRow(1, view('ovr-3', 'PAID'), at, {});
    await store.orderViews.create({ _id, ...fields });
    expect((await reads.get('ovr-3'))?.view.status).toBe('PAID');
    await store.orderViews.updateOne({ _id }, { $set: { seq: 2, status: 'DELIVERED', view: view('ovr-3', 'DELIVERED') } });
    expect((await reads.get('ovr-3'))?.view.status).toBe('DELIVERED');
    expect(rowsRead()).toBe(2);
    expect(await reads.get('ovr-none')).toBeUndefined();
  });
});
