/**
 * Run the whole product on the embedded defaults: the local Temporal dev server, FerretDB and
 * Mailpit (reused when already running; none started when TEMPORAL_ADDRESS / MONGODB_URI / SMTP_URL
 * point elsewhere), then the worker and the API. Ctrl-C stops what it started.
 *
 *   npm start                              # one API on PORT (3000) and one worker, in this process
 *   npm start -- --apis 2 --workers 3      # 2 API processes on 3000 and 3001, 3 worker processes
 */
import { parseArgs } from 'node:util';
import { Runtime } from '@temporalio/worker';
import { loadConfigOrExit, type Config } from '../config';
import { createLogger } from '../config/logger';
import { startApi } from '../api/server';
import { pinoLogger } from '../worker/runtimeLogger';
import { keepSchedules } from '../worker/schedules';
import { startWorker } from '../worker/worker';
import { DEPLOYMENT_FLAGS, DEPLOYMENT_USAGE, deploymentOf, type Deployment } from './deployment';
import { startProcesses } from './devProcesses';
import { startStack } from './stack';
import { optionsOrExit } from './tools';

const USAGE = `usage: npm start -- ${DEPLOYMENT_USAGE}; the APIs listen on PORT, PORT+1, …`;

/** Ctrl-C ends everything within this, under load too; each part has a shorter bound of its own. */
const STOP_WITHIN_MS = 9_000;

async function main() {
  const say = (line: string) => process.stdout.write(`[kamiflow] ${line}\n`);
  const deployment = optionsOrExit(() => deploymentOf(parseArgs({ options: DEPLOYMENT_FLAGS }).values), USAGE);
  const stack = await startStack({ reuse: true, log: say, mail: {} });
  process.env.TEMPORAL_ADDRESS ??= stack.temporalAddress;
  process.env.MONGODB_URI ??= stack.mongoUri;
  if (stack.smtpUrl) process.env.SMTP_URL ??= stack.smtpUrl;
  const config = loadConfigOrExit();
  const product = await startProduct(config, deployment, say);

  say('');
  product.apiUrls.forEach((url, i) => say(`${(i === 0 ? 'API' : `API ${i + 1}`).padEnd(13)}${url}`));
  const [api] = product.apiUrls;
  say(`API docs     ${api}/docs   (OpenAPI: ${api}/openapi.json)`);
  if (product.workers > 1 || product.apiUrls.length > 1) {
    say(`Processes    ${product.apiUrls.length} API, ${product.workers} worker (logs: ${Object.values(product.logs).join(', ')})`);
  }
  say(`Temporal UI  ${stack.uiUrl ?? '(external Temporal: see its own UI)'}`);
  say(`Temporal     ${config.temporal.address} namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}`);
  say(`Store        ${config.mongodbUri}`);
  say(`Email        ${stack.mailUrl ? `${stack.mailUrl}   (Mailpit's inbox; SMTP ${stack.smtpUrl})` : 'SMTP_URL (your own mail server)'}`);
  if (config.usingDevApiKeys) {
    say('Dev API keys (API_KEYS is unset):');
    for (const key of config.apiKeys) say(`  ${key.role.padEnd(10)} Authorization: Bearer ${key.secret}`);
    say(`Payment webhook secret: ${config.paymentWebhookSecret}`);
  }
  say('Ctrl-C to stop');

  let stopping = false;
  const shutdown = async () => {
    if (stopping) {
      say('stopping now');
      process.exit(1); // a second Ctrl-C: the exit hook still ends the stack's processes
    }
    stopping = true;
    say('stopping');
    // Whatever hangs (a store that does not answer, a server slow to die), Ctrl-C ends within 10 s.
    setTimeout(() => {
      say('not stopped after 9 s: exiting anyway');
      process.exit(1);
    }, STOP_WITHIN_MS).unref();
    await product.stop().catch(() => undefined);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

/**
 * One of each runs in this process; more run as processes of their own (as they are deployed), each
 * with its log under DATA_DIR/logs.
 */
async function startProduct(config: Config, deployment: Deployment, say: (line: string) => void) {
  if (deployment.apis > 1 || deployment.workers > 1) {
    const running = await startProcesses(config, deployment, say);
    return { ...running, workers: deployment.workers };
  }
  const logger = createLogger(config.logLevel);
  Runtime.install({ logger: pinoLogger(logger) });
  const worker = await startWorker(config, logger);
  await keepSchedules(config, logger);
  const api = await startApi(config, logger);
  return {
    apiUrls: [api.url],
    workers: 1,
    logs: {},
    async stop() {
      await api.stop().catch(() => undefined);
      await worker.stop().catch(() => undefined);
    },
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`[kamiflow] failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
