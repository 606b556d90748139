/**
 * The ceiling's worker, a process of its own like the product's worker: the product's worker
 * options (worker/worker.ts) on the task queue named by TASK_QUEUE, with the ceiling's workflow and
 * no-op activities. Started by the benchmark; prints "ceiling worker running" when polling.
 */
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfigOrExit } from '../../config';
import { workerOptions } from '../../worker/worker';
import { ceilingActivities } from './activities';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } } });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const bundle = process.env.CEILING_WORKFLOW_BUNDLE;
  const worker = await Worker.create({
    ...workerOptions(config, connection),
    activities: ceilingActivities,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('./workflow') }),
  });
  const done = worker.run();
  process.stdout.write('ceiling worker running\n');
  await done;
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`ceiling worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
