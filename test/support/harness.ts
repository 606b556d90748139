import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../../config';
import { createLogger, type Logger } from '../../config/logger';
import { openStore, type Store } from '../../db/store';
import { Vault } from '../../db/vault';
import { startApi, type RunningApi } from '../../api/server';
import { SEARCH_ATTRIBUTES } from '../../scripts/stack';
import { toolPaths } from '../../scripts/tools';
import { pinoLogger } from '../../worker/runtimeLogger';
import { startWorker, type RunningWorker } from '../../worker/worker';

/** Every log line any part of the product wrote during this test file, for leak checks. */
export const capturedLogs: string[] = [];

function captureLogger(): Logger {
  const sink = new Writable({
    write(chunk, _enc, done) {
      capturedLogs.push(chunk.toString());
      done();
    },
  });
  return createLogger('debug', sink);
}

let runtimeInstalled = false;
function installRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: pinoLogger(logger) });
  } catch {
    // Installed already by an earlier file in this jest worker; its logger still captures.
  }
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through jest (the global setup starts the stack)`);
  return v;
}

/** The environment of one product under test: a fresh database and task queue on the shared stack. */
export function testEnv(env: Record<string, string> = {}): Record<string, string> {
  const id = randomBytes(5).toString('hex');
  const base = required('KAMIFLOW_TEST_MONGODB_URI').replace(/\/[^/]*$/, '');
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    PORT: '0',
    TEMPORAL_ADDRESS: required('KAMIFLOW_TEST_TEMPORAL_ADDRESS'),
    MONGODB_URI: `${base}/kf_${id}`,
    TASK_QUEUE: `kamiflow-test-${id}`,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    PAYMENT_WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
    DATA_DIR: required('KAMIFLOW_TEST_DIR'),
    OUTBOUND_HTTP_TIMEOUT: '3s',
    // Tests poll as buyers far faster than any buyer; test/e2e/rateLimit.test.ts sets its own limit.
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Likewise wrong order tokens (the role × route checks present many); test/e2e/apiSecurity.test.ts sets its own.
    ORDER_TOKEN_FAILURES_PER_HOUR: '1000000',
    ...env,
  };
}

/** A config of the product's own parser, pointed at a fresh database and task queue. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(testEnv(env));
}

export interface Product {
  config: Config;
  api: RunningApi;
  /** Absent when the test runs its workers itself (as separate processes, to kill them). */
  worker?: RunningWorker;
  store: Store;
  vault: Vault;
  client: Client;
  logger: Logger;
  stop(): Promise<void>;
}

/** The whole product as it runs: worker and API against the real dev server and store. */
export async function startProduct(env: Record<string, string> = {}, options: { worker?: boolean } = {}): Promise<Product> {
  const config = loadConfig(env.MONGODB_URI && env.TASK_QUEUE ? env : testEnv(env));
  const logger = captureLogger();
  installRuntime(logger);
  const worker =
    options.worker === false
      ? undefined
      : await startWorker(config, logger, { workflowBundle: { codePath: required('KAMIFLOW_TEST_WORKFLOW_BUNDLE') } });
  const api = await startApi(config, logger);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const store = await openStore(config.mongodbUri);
  return {
    config,
    api,
    worker,
    store,
    vault: new Vault(config.keyEncryptionKey),
    client,
    logger,
    async stop() {
      await api.stop();
      await worker?.stop();
      await connection.close();
      await store.connection.dropDatabase().catch(() => undefined);
      await store.close();
    },
  };
}

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  config: Config;
  worker: RunningWorker;
  store: Store;
  vault: Vault;
  client: Client;
  stop(): Promise<void>;
}

/**
 * The time-skipping test server with the real activities and the real store: timers of hours or
 * days pass in milliseconds while every activity does what it does in production.
 */
export async function startTimeSkipping(env: Record<string, string> = {}): Promise<TimeSkipping> {
  const testEnv = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: toolPaths.temporalTestServer } },
  });
  // The stack launcher registers these on the dev server; the test server starts with none, and a
  // workflow's upsertSearchAttributes fails its task until they exist.
  await testEnv.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((name) => [name, INDEXED_VALUE_TYPE_KEYWORD])),
  });
  const config = testConfig(env);
  const logger = captureLogger();
  installRuntime(logger);
  const worker = await startWorker(config, logger, { workflowBundle: { codePath: required('KAMIFLOW_TEST_WORKFLOW_BUNDLE') } }, testEnv.nativeConnection);
  const store = await openStore(config.mongodbUri);
  return {
    env: testEnv,
    config,
    worker,
    store,
    vault: new Vault(config.keyEncryptionKey),
    client: testEnv.client,
    async stop() {
      await worker.stop();
      await store.connection.dropDatabase().catch(() => undefined);
      await store.close();
      await testEnv.teardown();
    },
  };
}
