import { randomBytes } from 'node:crypto';
import { openStore, type Store } from '../../db/store';
import { testConfig } from '../support/harness';

/* Rung 3: data an earlier release wrote, read by this one after its migration, on the real store. */

let store: Store | undefined;

afterAll(async () => {
  await store?.connection.dropDatabase().catch(() => undefined);
  await store?.close();
});

it('gives keys of the release before the freeOf hint their hint: free ones their sku, claimed ones none', async () => {
  const uri = testConfig().mongodbUri.replace(/\/([^/?]+)(\?|$)/, `/migrate_${randomBytes(3).toString('hex')}$2`);
  // What that release left: keys with `claimed: boolean`, and no record of migrations.
  const seed = await openStore(uri);
  await seed.connection.collection('migrations').deleteMany({});
  const old = (id: string, sku: string, claimed: boolean) => ({ _id: id, sku, fingerprint: `fp-${id}`, code: { iv: 'x', tag: 'y', data: 'z' }, masked: '****', importedAt: new Date(), claimed });
  await seed.keys.collection.insertMany([old('a1', 'sku-a', false), old('a2', 'sku-a', true), old('b1', 'sku-b', false)] as never[]);
  await seed.close();

  store = await openStore(uri);
  const keys = await store.keys.collection.find({}).sort({ _id: 1 }).toArray();
  expect(keys.map((k) => [k._id, k.freeOf, 'claimed' in k])).toEqual([
    ['a1', 'sku-a', false],
    ['a2', undefined, false],
    ['b1', 'sku-b', false],
  ]);
  expect(await store.connection.collection('migrations').findOne({ _id: 'keys-free-of' as never })).not.toBeNull();

  // Done once: a key that comes back in the old shape later is not looked at again.
  await store.keys.collection.insertOne(old('c1', 'sku-c', false) as never);
  await store.close();
  store = await openStore(uri);
  expect(await store.keys.collection.findOne({ _id: 'c1' as never })).toMatchObject({ claimed: false });
});

it("flags the read-model rows of orders noted before the flag, so reading such an order still shows its notes", async () => {
  const uri = testConfig().mongodbUri.replace(/\/([^/?]+)(\?|$)/, `/migrate_${randomBytes(3).toString('hex')}$2`);
  const seed = await openStore(uri);
  await seed.connection.collection('migrations').deleteMany({});
  const row = (id: string) => ({ _id: id, seq: 3, sku: 'sku-n', status: 'CANCELLED', statusSince: new Date(), createdAt: new Date(), view: { orderId: id, timeline: [] } });
  await seed.orderViews.collection.insertMany([row('noted'), row('quiet')] as never[]);
  await seed.orderNotes.collection.insertOne({ _id: 'noted.refund_paid.r1', orderId: 'noted', at: new Date(), type: 'refund_paid', actor: 'system' } as never);
  await seed.close();

  const migrated = await openStore(uri);
  const flags = await migrated.orderViews.collection.find({}, { projection: { lateNotes: 1 } }).sort({ _id: 1 }).toArray();
  expect(flags.map((f) => [f._id, f.lateNotes])).toEqual([
    ['noted', true],
    ['quiet', undefined],
  ]);
  await migrated.connection.dropDatabase();
  await migrated.close();
});
