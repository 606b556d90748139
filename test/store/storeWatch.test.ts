import { Writable } from 'node:stream';
import { createLogger } from '../../config/logger';
import { openStore, type Store } from '../../db/store';
import { watchStore } from '../../db/storeWatch';
import { testConfig } from '../support/harness';

/*
 * The store watch against the real store (FerretDB here): a process whose client no longer reaches
 * a store that is up connects again and goes on with the same models; one whose store is down for
 * everyone keeps waiting. A client closed under the process stands for the driver that stopped
 * looking for its server (db/storeWatch.ts): to the process both fail every call alike.
 */
describe('the store watch', () => {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(chunk.toString()), done()) }));
  const { mongodbUri } = testConfig();
  let store: Store;

  beforeAll(async () => {
    store = await openStore(mongodbUri);
  });

  afterAll(async () => {
    await store?.connection.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  it('connects a client that lost its server again, and the same models work on', async () => {
    await store.orderNotes.create({ _id: 'n-before', orderId: 'o-watch', at: new Date(), type: 'note', detail: 'before' });
    const watch = watchStore(store, mongodbUri, logger, 3_600_000);
    try {
      await watch.look();
      expect(lines.join('')).not.toContain('connecting again');
      await store.connection.getClient().close(true);
      await expect(store.orderNotes.findOne({ orderId: 'o-watch' }).lean()).rejects.toThrow();
      await watch.look();
      // One failed look could be the driver's own moment of rediscovery: not yet.
      expect(lines.join('')).not.toContain('connecting again');
      await watch.look();
      expect(lines.join('')).toContain('store client found no server while fresh clients did: connecting again');
      expect(lines.join('')).toContain('store client connected again');
      expect((await store.orderNotes.findOne({ orderId: 'o-watch' }).lean())?.detail).toBe('before');
      await store.orderNotes.create({ _id: 'n-after', orderId: 'o-watch', at: new Date(), type: 'note', detail: 'after' });
      expect(await store.orderNotes.countDocuments({ orderId: 'o-watch' })).toBe(2);
    } finally {
      watch.stop();
    }
  });

  it('leaves a client alone while fresh ones cannot reach the store either', async () => {
    lines.length = 0;
    // Fresh clients are sent where no store answers: to the watch, the store is down for everyone.
    const watch = watchStore(store, 'mongodb://127.0.0.1:9/down', logger, 3_600_000);
    const client = store.connection.getClient();
    try {
      await client.close(true);
      for (let look = 0; look < 2; look++) await watch.look();
      expect(lines.join('')).not.toContain('connecting again');
      expect(store.connection.getClient()).toBe(client);
    } finally {
      watch.stop();
      await store.reopen();
    }
    expect(await store.orderNotes.countDocuments({ orderId: 'o-watch' })).toBe(2);
  });
});
