import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import { openStore } from '../db/store';
import { watchStore } from '../db/storeWatch';
import { Vault } from '../db/vault';
import { RecentSettings } from '../db/merchantSettings';
import { MerchantRails } from '../payments/merchantRails';
import { createApp } from './app';
import { OrderGateway } from './gateway';
import { KEEP_ALIVE_MS, answerUnparsableRequests } from './httpGuards';
import { RestockGateway } from './restockGateway';

export interface RunningApi {
  url: string;
  port: number;
  /** The express app serving, whose route table the authorization matrix and the fuzz tests walk. */
  app: Express;
  stop(): Promise<void>;
}

/** How long requests in flight may finish when the API stops. */
const STOP_GRACE_MS = 2_000;

/** Connect to Temporal and the store, then serve. */
export async function startApi(config: Config, logger: Logger): Promise<RunningApi> {
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const store = await openStore(config.mongodbUri, config.storeProfileFile);
  const storeWatch = watchStore(store, config.mongodbUri, logger);
  const vault = new Vault(config.keyEncryptionKey, config.oldKeyEncryptionKeys);
  const orders = new OrderGateway(client, config.temporal.taskQueue, store);
  const restock = new RestockGateway(client, config.temporal.taskQueue, store, logger);
  const merchantRails = new MerchantRails(config, store, new RecentSettings(store, vault));
  const app = createApp({ config, store, vault, client, orders, restock, logger, rails: merchantRails.platform, merchantRails });
  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 hands a failure to listen (the port taken) to this callback.
    const s = app.listen(config.port, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // Above the keep-alive time, so an idle kept connection is never taken for a request slow to send its headers.
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  answerUnparsableRequests(server);
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'api listening');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    app,
    async stop() {
      // close() alone waits for every keep-alive connection to end, which under load is never:
      // idle ones go now, and whatever is still mid-request after a moment is cut.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
      await closed;
      clearTimeout(cut);
      storeWatch.stop();
      await store.close();
      await connection.close();
    },
  };
}
