import { isNotImplemented, openStore, type Store } from '../../db/store';
import { ACTION_REQUEST_TTL_SECONDS } from '../../db/schemas';
import { testConfig } from '../support/harness';

/*
 * Rung 3: `action_requests` does not grow for ever. Its rows (one per Idempotency-Key used on an
 * action) expire a day after they were written (a TTL index on `at`, which production's MongoDB
 * enforces): a key is remembered for a day, as payment APIs remember theirs.
 */

let store: Store;

beforeAll(async () => {
  store = await openStore(testConfig().mongodbUri);
});

afterAll(async () => {
  await store?.connection.dropDatabase().catch(() => undefined);
  await store?.close();
});

it('asks for action requests to expire a day after they were written', async () => {
  expect(ACTION_REQUEST_TTL_SECONDS).toBe(24 * 60 * 60);
  expect(store.actionRequests.schema.indexes()).toContainEqual([{ at: 1 }, expect.objectContaining({ expireAfterSeconds: ACTION_REQUEST_TTL_SECONDS })]);
});

it('has the index on the store: expiring where the server has TTL indexes, plain where it refuses them', async () => {
  const indexes = await store.actionRequests.collection.indexes();
  const at = indexes.find((i) => JSON.stringify(i.key) === JSON.stringify({ at: 1 }));
  expect(at).toBeDefined();
  if (at!.expireAfterSeconds !== undefined) {
    expect(at!.expireAfterSeconds).toBe(ACTION_REQUEST_TTL_SECONDS);
    return;
  }
  // Without expiry only on a server that cannot expire: it refuses a TTL index outright.
  const probe = store.connection.collection('ttl_probe');
  await probe.insertOne({ at: new Date() });
  const refusal = await probe.createIndex({ at: 1 }, { expireAfterSeconds: 60 }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isNotImplemented(refusal)).toBe(true);
});
