import { loadConfigOrExit } from '../config';
import { createLogger } from '../config/logger';
import { startApi } from './server';

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const api = await startApi(config, logger);
  const shutdown = () => {
    logger.info('api shutting down');
    api.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
