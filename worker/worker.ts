import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import { openStore, type Store } from '../db/store';
import { watchStore } from '../db/storeWatch';
import { Vault } from '../db/vault';

export interface RunningWorker {
  worker: Worker;
  store: Store;
  /** Resolves when the worker has stopped; rejects if it crashed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Workflows come either from source (bundled at start) or from a prebuilt bundle (tests build
 * one bundle for all their workers; production could ship one).
 */
export type WorkflowSource = Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>;

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Where the worker polls and how it runs its tasks. Tuning (pollers, concurrency, cache) goes here:
 * the benchmark's ceiling worker runs with these same options on its own task queue.
 */
export function workerOptions(config: Config, connection: NativeConnection): Pick<WorkerOptions, 'connection' | 'namespace' | 'taskQueue'> & Partial<WorkerOptions> {
  return {
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // Bounded: orders stay open for days after delivery, and the SDK's default cache grows with the
    // heap, so the worker's memory would grow with every sale. An evicted order replays if it wakes.
    maxCachedWorkflows: config.workflowCacheSize,
    // Every order's first task comes on the shared queue and its later ones on this worker's own
    // (sticky) queue: with the SDK's 1 in 5 pollers on the shared queue, a sale's new orders waited
    // there for up to 0.4 s behind two pollers (measured by the bench) while their buyers paid.
    nonStickyToStickyPollRatio: 0.5,
    // On shutdown, activities in flight get a moment to finish, then are cancelled (their retries
    // run elsewhere or later); the worker never holds Ctrl-C for longer than that.
    shutdownGraceTime: '3s',
    shutdownForceTime: '6s',
  };
}

export async function startWorker(
  config: Config,
  logger: Logger,
  source: WorkflowSource = { workflowsPath: WORKFLOWS_PATH },
  connection?: NativeConnection,
): Promise<RunningWorker> {
  const conn = connection ?? (await NativeConnection.connect({ address: config.temporal.address }));
  const store = await openStore(config.mongodbUri, config.storeProfileFile);
  const storeWatch = watchStore(store, config.mongodbUri, logger);
  const vault = new Vault(config.keyEncryptionKey, config.oldKeyEncryptionKeys);
  const worker = await Worker.create({
    ...workerOptions(config, conn),
    // The worker's own connection serves the activities that ask Temporal about workflows.
    activities: createActivities({ store, vault, config, logger, temporal: new Client({ connection: conn, namespace: config.temporal.namespace }) }),
    ...source,
  });
  const done = worker.run();
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  return {
    worker,
    store,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
      storeWatch.stop();
      await store.close();
      if (!connection) await conn.close();
    },
  };
}
