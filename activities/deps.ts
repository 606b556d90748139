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
