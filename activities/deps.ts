import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import type { Store } from '../db/store';
import type { Vault } from '../db/vault';

/** What activities need from the world, injected so tests pass the real store and their own config. */
export interface ActivityDeps {
  store: Store;
  vault: Vault;
  config: Config;
  logger: Logger;
}

/** What the worker's activities need altogether: those that ask Temporal about other workflows (the reservation sweep) need it too. */
export interface WorkerActivityDeps extends ActivityDeps {
  temporal: Client;
}
