import { readModelActivities } from '../../activities/readmodel';
import { createLogger } from '../../config/logger';
import { addOrderNote } from '../../db/orderNotes';
import { OrderViewReads } from '../../db/orderViewReads';
import { orderViewRow, projectNewer } from '../../db/projection';
import { openStore, type Store } from '../../db/store';
import { Vault } from '../../db/vault';
import type { OrderStatus, OrderView } from '../../domain/order';
import { testConfig } from '../support/harness';

/**
 * Read models never go back in time: an order's projections can be in flight together (a retry of
 * an older step, a handler's step beside the main flow's), and whichever lands last, the newest
 * step's row stands. Against the real store.
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

function view(orderId: string, status: OrderStatus): OrderView {
  return {
    orderId,
    sku: 'proj-sku',
    quantity: 1,
    amount: { amount: 100, currency: 'CNY' },
    status,
    buyer: { email: 'b***@example.com' },
    createdAt: '2025-05-01T08:00:00.000Z',
    paymentDueAt: '2025-05-01T08:15:00.000Z',
    keys: [],
    refund: null,
    complaints: [],
    timeline: [],
  };
}

describe('order projection', () => {
  const project = (orderId: string, seq: number, status: OrderStatus) =>
    readModelActivities({ store, vault: new Vault(config.keyEncryptionKey), config, logger: createLogger('silent') }).projectOrder({ seq, view: view(orderId, status), statusSince: '2025-05-01T08:00:00.000Z' });

  it('keeps the newer row when an older step lands after it', async () => {
    await project('late-1', 3, 'DELIVERED');
    await project('late-1', 2, 'PAID');
    const row = await store.orderViews.findById('late-1').lean();
    expect({ seq: row?.seq, status: row?.status }).toEqual({ seq: 3, status: 'DELIVERED' });
  });

  it('keeps the newest row when older and newer steps are in flight at once', async () => {
    const orders = Array.from({ length: 20 }, (_, i) => `race-${i}`);
    await Promise.all(orders.map((id) => project(id, 1, 'AWAITING_PAYMENT')));
    // The newer step starts first, so a read-then-write older step reads seq 1 and writes over it.
    await Promise.all(orders.flatMap((id) => [project(id, 3, 'DELIVERED'), project(id, 2, 'PAID')]));
    const rows = await store.orderViews.find({ _id: { $in: orders } }).lean();
    expect(rows.map((r) => `${r._id}:${r.seq}:${r.status}`).sort()).toEqual(orders.map((id) => `${id}:3:DELIVERED`).sort());
  });

  it('answers the row that stands, whichever write won', async () => {
    const row = (seq: number, status: OrderStatus) => ({ _id: 'stands-1', seq, sku: 'proj-sku', status, statusSince: new Date(), createdAt: new Date(), view: view('stands-1', status) });
    expect((await projectNewer(store.orderViews, row(1, 'AWAITING_PAYMENT'))).seq).toBe(1);
    expect((await projectNewer(store.orderViews, row(4, 'DELIVERED'))).status).toBe('DELIVERED');
    const stale = await projectNewer(store.orderViews, row(2, 'PAID'));
    expect({ seq: stale.seq, status: stale.status }).toEqual({ seq: 4, status: 'DELIVERED' });
    // A retry of the very step that stands is harmless.
    expect((await projectNewer(store.orderViews, row(4, 'DELIVERED'))).seq).toBe(4);
  });
});

const AT = '2025-05-01T08:00:00.000Z';
const projectRow = (orderId: string, seq: number, status: OrderStatus) => projectNewer(store.orderViews, orderViewRow(seq, view(orderId, status), AT, {}));

/** Counts the whole view rows read, to tell a kept view from one read again. */
function countingReads(): { reads: OrderViewReads; rowsRead: () => number } {
  let rowsRead = 0;
  const find = store.orderViews.find.bind(store.orderViews);
  const counting = (...args: Parameters<typeof find>) => {
    if ((args[1] as Record<string, number> | undefined)?.view) rowsRead += 1;
    return find(...args);
  };
  const counted = { ...store, orderViews: Object.assign(Object.create(store.orderViews), { find: counting }) } as Store;
  return { reads: new OrderViewReads(counted), rowsRead: () => rowsRead };
}

/**
 * Buyers' pages poll their orders; the API keeps each view it read and reads it again only when the
 * order's row moved to another step (db/orderViewReads.ts): every change an order's workflow (or a
 * late note) makes is in the very next read.
 */
describe('order views as buyers poll them', () => {
  it('reads a view again only when its order moved, and then has the change at once', async () => {
    const { reads, rowsRead } = countingReads();
    await projectRow('ovr-1', 0, 'AWAITING_PAYMENT');
    expect((await reads.get('ovr-1'))?.view.status).toBe('AWAITING_PAYMENT');
    expect((await reads.get('ovr-1'))?.view.status).toBe('AWAITING_PAYMENT');
    expect(rowsRead()).toBe(1);
    await projectRow('ovr-1', 1, 'PAID');
    await projectRow('ovr-1', 2, 'DELIVERED');
    expect((await reads.get('ovr-1'))?.view.status).toBe('DELIVERED');
    expect(rowsRead()).toBe(2);
    // An older step landing late changes nothing: the kept view stands.
    await projectRow('ovr-1', 1, 'PAID');
    expect((await reads.get('ovr-1'))?.view.status).toBe('DELIVERED');
    expect(rowsRead()).toBe(2);
  });

  it('has a note added after the order closed in the next read, and reads such an order whole from then on', async () => {
    const { reads, rowsRead } = countingReads();
    await projectRow('ovr-2', 3, 'COMPLETED');
    expect((await reads.get('ovr-2'))?.lateNotes).toBeUndefined();
    await addOrderNote(store, 'note-ovr-2', 'ovr-2', { at: AT, type: 'refund_paid_late', detail: 'paid out by ops' });
    expect((await reads.get('ovr-2'))?.lateNotes).toBe(true);
    const before = rowsRead();
    await reads.get('ovr-2');
    expect(rowsRead()).toBe(before + 1);
  });

  it('answers nothing for an order that is not there', async () => {
    const { reads, rowsRead } = countingReads();
    expect(await reads.get('ovr-none')).toBeUndefined();
    expect(rowsRead()).toBe(0);
  });
});
