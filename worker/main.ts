import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { DELIVERY_LATENCY_BUCKETS, DELIVERY_LATENCY_METRIC } from '../activities/readmodel';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../config/logger';
import { keepSchedules } from './schedules';
import { startWorker } from './worker';
import { pinoLogger } from './runtimeLogger';

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  Runtime.install({
    logger: pinoLogger(logger),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      // The SDK's own worker metrics (task slots, poll and schedule-to-start latencies, failures).
      ...(config.workerMetricsPort
        ? {
            metrics: {
              prometheus: {
                bindAddress: `0.0.0.0:${config.workerMetricsPort}`,
                countersTotalSuffix: true,
                useSecondsForDurations: true,
                histogramBucketOverrides: { [DELIVERY_LATENCY_METRIC]: DELIVERY_LATENCY_BUCKETS },
              },
            },
          }
        : {}),
    },
  });
  const running = await startWorker(
    config,
    logger,
    config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : undefined,
  );
  await keepSchedules(config, logger);
  // The SDK shuts the worker down gracefully on SIGINT/SIGTERM; we then close our connections.
  await running.done;
  await running.stop();
}

main().catch((err) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
