import mongoose from 'mongoose';
import type { Logger } from '../config/logger';
import type { Store } from './store';

/*
 * A store client can stop finding its server for good while the server is up: in a soak, after the
 * embedded store restarted, one worker's MongoDB driver never checked the server again (its
 * monitor's last look stayed the failed one), so for six minutes every store call of that worker
 * failed on server selection while the other worker's succeeded, and the workflows cached on it
 * (their local activities run there) stood still. A process cannot tell that from a store that is
 * down by its own calls; a client made afresh can. So each process looks now and then, and when its
 * client has failed twice in a row while fresh ones reached the server, it connects again.
 */

/** How often a process looks at its store client; two looks apart exceeds the driver's own 10 s heartbeat. */
export const STORE_WATCH_EVERY_MS = 15_000;
/** Looks in a row at which our client failed and a fresh one did not, before connecting again. */
export const STRIKES_TO_REOPEN = 2;

/** One look: whether our client reached the server, and when it did not, whether a fresh one did. */
export function afterLook(strikes: number, ours: boolean, fresh: boolean | undefined): { strikes: number; reopen: boolean } {
  // A store that is down for everyone is waited for, not reconnected to.
  const next = ours || !fresh ? 0 : strikes + 1;
  return next >= STRIKES_TO_REOPEN ? { strikes: 0, reopen: true } : { strikes: next, reopen: false };
}

export interface StoreWatch {
  /** One look now (the timer's, or a test's). */
  look(): Promise<void>;
  stop(): void;
}

export function watchStore(store: Store, uri: string, logger: Logger, everyMs = STORE_WATCH_EVERY_MS): StoreWatch {
  let strikes = 0;
  let looking = false;
  let stopped = false;
  const look = async () => {
    if (looking || stopped) return;
    looking = true;
    try {
      const ours = await succeeds(() => store.ping());
      const fresh = ours ? undefined : await succeeds(() => pingAfresh(uri));
      const judged = afterLook(strikes, ours, fresh);
      strikes = judged.strikes;
      // A process stopping closes its store meanwhile: not to be opened again behind it.
      if (!judged.reopen || stopped) return;
      logger.error({ strikes: STRIKES_TO_REOPEN }, 'store client found no server while fresh clients did: connecting again');
      await store.reopen();
      logger.info('store client connected again');
    } catch (err) {
      logger.error({ err }, 'store client could not connect again; the next look tries again');
    } finally {
      looking = false;
    }
  };
  const timer = setInterval(() => void look(), everyMs);
  timer.unref();
  return {
    look,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

async function succeeds(attempt: () => Promise<unknown>): Promise<boolean> {
  try {
    await attempt();
    return true;
  } catch {
    return false;
  }
}

async function pingAfresh(uri: string): Promise<void> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    await client.db().admin().command({ ping: 1 });
  } finally {
    await client.close().catch(() => undefined);
  }
}
