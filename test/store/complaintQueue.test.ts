import { complaintActivities, complaintRow } from '../../activities/complaints';
import { createLogger } from '../../config/logger';
import { backfillComplaintQueue, complaintQueuePage, queueEntryOf, syncQueueEntry, type QueueQuery } from '../../db/complaintQueue';
import { projectNewer } from '../../db/projection';
import { NO_DEADLINE } from '../../db/schemas';
import { openStore, type Store } from '../../db/store';
import { Vault } from '../../db/vault';
import type { ComplaintCategory, ComplaintStatus, ComplaintView } from '../../domain/complaint';
import { testConfig } from '../support/harness';

/**
 * The agents' queue against the real store (FerretDB here), fed by the real projection activity
 * step by step, retries and late older steps included.
 */
const MINUTE = 60_000;
const T0 = Date.parse('2025-05-01T08:00:00.000Z');

interface Filing {
  id: string;
  filedAfterMin: number;
  sku: string;
  category: ComplaintCategory;
}

/** A complaint view as its workflow would hold it at a status. */
function viewAt({ id, filedAfterMin, sku, category }: Filing, status: ComplaintStatus): ComplaintView {
  const at = (min: number) => new Date(T0 + (filedAfterMin + min) * MINUTE).toISOString();
  const responded = status !== 'OPEN';
  const resolved = status === 'RESOLVED' || status === 'CLOSED';
  return {
    complaintId: id,
    orderId: `order-of-${id}`,
    sku,
    category,
    description: `complaint ${id}`,
    evidence: [],
    status,
    createdAt: at(0),
    firstResponseDueAt: at(60),
    resolutionDueAt: at(24 * 60),
    ...(responded ? { firstRespondedAt: at(5) } : {}),
    ...(resolved ? { resolvedAt: at(30), resolution: 'replaced' as const } : {}),
    ...(status === 'CLOSED' ? { closedAt: at(40), satisfaction: { satisfied: true } } : {}),
    escalated: false,
    reopenCount: 0,
    messages: [{ at: at(0), from: 'buyer', text: `complaint ${id}` }],
  };
}

describe("the agents' queue", () => {
  let store: Store;
  let project: ReturnType<typeof complaintActivities>['projectComplaint'];

  // Due: a +60 min, f +100, b +1450 (acknowledged: its resolution deadline), d +1460, e and g never (resolved).
  const a: Filing = { id: 'a', filedAfterMin: 0, sku: 'steam-100', category: 'key_invalid' };
  const b: Filing = { id: 'b', filedAfterMin: 10, sku: 'steam-100', category: 'key_invalid' };
  const c: Filing = { id: 'c', filedAfterMin: 5, sku: 'steam-100', category: 'service' };
  const d: Filing = { id: 'd', filedAfterMin: 20, sku: 'steam-100', category: 'service' };
  const e: Filing = { id: 'e', filedAfterMin: 30, sku: 'steam-100', category: 'other' };
  const f: Filing = { id: 'f', filedAfterMin: 40, sku: 'psn-50', category: 'wrong_item' };
  const g: Filing = { id: 'g', filedAfterMin: 1, sku: 'psn-50', category: 'other' };
  const step = (filing: Filing, seq: number, status: ComplaintStatus) =>
    project({ seq, view: viewAt(filing, status), breaches: { firstResponse: false, resolution: false } });

  beforeAll(async () => {
    const config = testConfig();
    store = await openStore(config.mongodbUri);
    project = complaintActivities({ store, vault: new Vault(config.keyEncryptionKey), config, logger: createLogger('silent') }).projectComplaint;

    for (const filing of [a, b, c, d, e, f, g]) await step(filing, 1, 'OPEN');
    await step(b, 2, 'ACKNOWLEDGED');
    await step(c, 2, 'ACKNOWLEDGED');
    await step(c, 3, 'RESOLVED');
    await step(c, 4, 'CLOSED');
    // A retried older step after the close changes nothing.
    await step(c, 3, 'RESOLVED');
    await step(c, 3, 'RESOLVED');
    // Steps arriving out of order: the newest stands.
    await step(d, 3, 'ACKNOWLEDGED');
    await step(d, 2, 'OPEN');
    await step(g, 2, 'RESOLVED');
    await step(e, 2, 'RESOLVED');
  });
  afterAll(async () => {
    await store?.connection.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  const ids = async (query: Partial<QueueQuery>) => (await complaintQueuePage(store, { limit: 20, ...query })).items.map((v) => v.complaintId);

  it('holds one row per complaint not yet closed, as its newest step says', async () => {
    const rows = await store.complaintQueue.find().sort({ _id: 1 }).lean();
    expect(rows.map((r) => [r._id, r.seq, r.status])).toEqual([
      ['a', 1, 'OPEN'],
      ['b', 2, 'ACKNOWLEDGED'],
      ['d', 3, 'ACKNOWLEDGED'],
      ['e', 2, 'RESOLVED'],
      ['f', 1, 'OPEN'],
      ['g', 2, 'RESOLVED'],
    ]);
    const resolved = rows.find((r) => r._id === 'e')!;
    expect(resolved).toEqual({ _id: 'e', seq: 2, status: 'RESOLVED', category: 'other', channel: 'web', sku: 'steam-100', dueAt: NO_DEADLINE, view: JSON.stringify(viewAt(e, 'RESOLVED')) });
    expect(await store.complaintQueue.findById('c').lean()).toBeNull();
    expect(await store.complaintViews.findById('c').lean()).toMatchObject({ seq: 4, status: 'CLOSED' });
  });

  it('lists what still needs someone, oldest due first, as full complaint views with their order and whose turn it is', async () => {
    const amount = { amount: 1999, currency: 'CNY' };
    await store.orderViews.create({
      _id: 'order-of-b',
      seq: 7,
      sku: 'steam-100',
      status: 'DELIVERED',
      statusSince: new Date(T0),
      createdAt: new Date(T0),
      view: { orderId: 'order-of-b', amount } as never,
    });
    const page = await complaintQueuePage(store, { limit: 20 });
    expect(page.items.map((v) => v.complaintId)).toEqual(['a', 'f', 'b', 'd', 'e', 'g']);
    expect(page.items[2]).toEqual({ ...viewAt(b, 'ACKNOWLEDGED'), channel: 'web', orderStatus: 'DELIVERED', amount, waitingOn: 'agent' });
    // An order the read model does not hold yet is not guessed at; a resolved complaint waits on the buyer's confirmation.
    // A view without a channel (the legacy release's) is listed as the buyer's own: web.
    expect(page.items[4]).toEqual({ ...viewAt(e, 'RESOLVED'), channel: 'web', orderStatus: null, amount: null, waitingOn: 'buyer' });
    expect(page.next).toBeNull();
  });

  it('a late older step never takes a queue row back, nor brings a closed complaint back', async () => {
    const noBreach = { firstResponse: false, resolution: false };
    // d stands at step 3; a step 2 whose projection read the row before step 3 was written syncs late.
    await syncQueueEntry(store, complaintRow(2, viewAt(d, 'OPEN'), noBreach));
    expect(await store.complaintQueue.findById('d').lean()).toMatchObject({ seq: 3, status: 'ACKNOWLEDGED' });
    // c closed at step 4; its step 3 (RESOLVED) syncs after the close took the row out.
    await syncQueueEntry(store, complaintRow(3, viewAt(c, 'RESOLVED'), noBreach));
    expect(await store.complaintQueue.findById('c').lean()).toBeNull();
    // Nor does a late step take complaint_views back.
    const stood = await projectNewer(store.complaintViews, complaintRow(3, viewAt(c, 'RESOLVED'), noBreach));
    expect(stood).toMatchObject({ seq: 4, status: 'CLOSED' });
    expect(await ids({ status: 'RESOLVED' })).toEqual(['e', 'g']);
  });

  it('filters by status, category and sku; CLOSED lists the closed complaints', async () => {
    expect(await ids({ status: 'OPEN' })).toEqual(['a', 'f']);
    expect(await ids({ status: 'ACKNOWLEDGED', sku: 'steam-100' })).toEqual(['b', 'd']);
    expect(await ids({ category: 'service' })).toEqual(['d']);
    expect(await ids({ sku: 'psn-50' })).toEqual(['f', 'g']);
    expect(await ids({ status: 'RESOLVED' })).toEqual(['e', 'g']);
    expect(await ids({ sku: 'psn-50', category: 'other' })).toEqual(['g']);
    expect(await ids({ status: 'CLOSED' })).toEqual(['c']);
    expect(await ids({ status: 'CLOSED', category: 'service' })).toEqual(['c']);
    expect(await ids({ status: 'CLOSED', sku: 'psn-50' })).toEqual([]);
    expect(await ids({ status: 'ESCALATED' })).toEqual([]);
  });

  it('pages through with the place the last page ended', async () => {
    const seen: string[][] = [];
    let page = await complaintQueuePage(store, { limit: 2 });
    seen.push(page.items.map((v) => v.complaintId));
    while (page.next) {
      page = await complaintQueuePage(store, { limit: 2, after: page.next });
      seen.push(page.items.map((v) => v.complaintId));
    }
    // The last page ends exactly at the end and says no more follow.
    expect(seen).toEqual([['a', 'f'], ['b', 'd'], ['e', 'g']]);
    expect((await complaintQueuePage(store, { limit: 4 })).next).toEqual({ dueAt: new Date(T0 + 1460 * MINUTE), id: 'd' });
    // Complaints due at the same time are told apart by id.
    const fifth = await complaintQueuePage(store, { limit: 5 });
    expect(fifth.next).toEqual({ dueAt: NO_DEADLINE, id: 'e' });
    expect(await ids({ after: fifth.next! })).toEqual(['g']);
    expect(await ids({ status: 'CLOSED', after: { dueAt: NO_DEADLINE, id: 'b' } })).toEqual(['c']);
    expect(await ids({ status: 'CLOSED', after: { dueAt: NO_DEADLINE, id: 'c' } })).toEqual([]);
  });
});

describe('the backfill of the queue', () => {
  let store: Store;
  afterAll(async () => {
    await store?.connection.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  it('queues every complaint projected before the queue existed but the closed ones, leaves newer rows, and again changes nothing', async () => {
    store = await openStore(testConfig().mongodbUri);
    const noBreach = { firstResponse: false, resolution: false };
    const legacy: [Filing, ComplaintStatus][] = [
      [{ id: 'h', filedAfterMin: 0, sku: 'steam-100', category: 'service' }, 'OPEN'],
      [{ id: 'i', filedAfterMin: 1, sku: 'steam-100', category: 'service' }, 'CLOSED'],
      [{ id: 'j', filedAfterMin: 2, sku: 'psn-50', category: 'other' }, 'ESCALATED'],
      [{ id: 'k', filedAfterMin: 3, sku: 'psn-50', category: 'other' }, 'RESOLVED'],
    ];
    await store.complaintViews.insertMany(legacy.map(([filing, status]) => complaintRow(3, viewAt(filing, status), noBreach)));
    // Projections running beside it: one wrote its newer row already, one copied a complaint just before it closed.
    const [[h], [i], [j], [k]] = legacy;
    await store.complaintQueue.create(queueEntryOf(complaintRow(4, viewAt(h, 'ACKNOWLEDGED'), noBreach)));
    await store.complaintQueue.create(queueEntryOf(complaintRow(2, viewAt(i, 'RESOLVED'), noBreach)));

    expect(await backfillComplaintQueue(store)).toBe(3);
    expect(await backfillComplaintQueue(store)).toBe(3);

    const rows = await store.complaintQueue.find().sort({ _id: 1 }).lean();
    expect(rows.map((r) => [r._id, r.seq, r.status])).toEqual([
      ['h', 4, 'ACKNOWLEDGED'],
      ['j', 3, 'ESCALATED'],
      ['k', 3, 'RESOLVED'],
    ]);
    const page = await complaintQueuePage(store, { limit: 20 });
    expect(page.items).toEqual([
      { ...viewAt(h, 'ACKNOWLEDGED'), channel: 'web', orderStatus: null, amount: null, waitingOn: 'agent' },
      { ...viewAt(j, 'ESCALATED'), channel: 'web', orderStatus: null, amount: null, waitingOn: 'agent' },
      { ...viewAt(k, 'RESOLVED'), channel: 'web', orderStatus: null, amount: null, waitingOn: 'buyer' },
    ]);
  });
});


describe('projections of one complaint in flight at once', () => {
  let store: Store;
  let project: ReturnType<typeof complaintActivities>['projectComplaint'];
  beforeAll(async () => {
    const config = testConfig();
    store = await openStore(config.mongodbUri);
    project = complaintActivities({ store, vault: new Vault(config.keyEncryptionKey), config, logger: createLogger('silent') }).projectComplaint;
  });
  afterAll(async () => {
    await store?.connection.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  it('steps projected all at once in any order leave the newest standing', async () => {
    const h: Filing = { id: 'h-race', filedAfterMin: 50, sku: 'race-1', category: 'other' };
    const statuses: ComplaintStatus[] = ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ACKNOWLEDGED', 'ESCALATED', 'RESOLVED'];
    for (let round = 0; round < 5; round++) {
      const id = `${h.id}-${round}`;
      const steps = statuses.map((status, i) => ({ seq: i + 1, status }));
      steps.push({ seq: steps.length + 1, status: 'CLOSED' });
      // Newest first, then the rest: every older step races the close.
      const order = [steps[steps.length - 1], ...steps.slice(0, -1).reverse()];
      await Promise.all(order.map(({ seq, status }) => project({ seq, view: viewAt({ ...h, id }, status), breaches: { firstResponse: false, resolution: false } })));
      expect(await store.complaintViews.findById(id).lean()).toMatchObject({ seq: steps.length, status: 'CLOSED' });
      expect(await store.complaintQueue.findById(id).lean()).toBeNull();
    }
  });


});
