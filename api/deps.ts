import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import type { Store } from '../db/store';
import type { Vault } from '../db/vault';
import type { MerchantRails } from '../payments/merchantRails';
import type { Rails } from '../payments/rails';
import type { OrderGateway } from './gateway';
import type { RestockGateway } from './restockGateway';

export interface ApiDeps {
  config: Config;
  store: Store;
  vault: Vault;
  client: Client;
  orders: OrderGateway;
  /** Hands imported stock to the sku's restock owner. */
  restock: RestockGateway;
  logger: Logger;
  /** The platform's payment rails: the first shop's notices at their old addresses. */
  rails: Rails;
  /** Each merchant's own rails: its checkouts at order creation, its notices at its own address. */
  merchantRails: MerchantRails;
}

/** Hands a rejected promise to the error handler (express 5 does so itself; kept so every route reads alike). */
export function handle(fn: (...args: Parameters<RequestHandler>) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    fn(req, res, next).catch(next);
  };
}
