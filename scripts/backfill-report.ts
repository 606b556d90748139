/**
 * Fill the report ledger from the read models (see db/report/backfill.ts), with the product's own
 * configuration (MONGODB_URI, TEMPORAL_ADDRESS, TASK_QUEUE). After each batch it wakes the fold
 * and waits until that batch is folded; a worker must be running.
 *
 *   npx tsx scripts/backfill-report.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfigOrExit } from '../config';
import { BACKFILL_BATCH, backfillLedger } from '../db/report/backfill';
import { openStore } from '../db/store';
import { reportFoldScheduleId } from '../worker/schedules';
import { foldReportNow } from '../workflows/messages';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const store = await openStore(config.mongodbUri);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const schedule = client.schedule.getHandle(reportFoldScheduleId(config));
  const folded = async () => {
    // The fold keeping watch folds now instead of at its next interval; with none running (ops
    // cancelled it), the schedule starts one (BUFFER_ONE: never two at once).
    const running = (await schedule.describe()).info.runningActions;
    if (running.length === 0) await schedule.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    for (const action of running) await client.workflow.getHandle(action.workflow.workflowId).signal(foldReportNow);
    // Live traffic keeps recording facts too; what matters is that the inbox stays small.
    while ((await store.reportInbox.countDocuments()) > BACKFILL_BATCH / 2) await sleep(500);
  };
  try {
    const { orders, complaints } = await backfillLedger(store, folded);
    process.stdout.write(`recorded ${orders} orders and ${complaints} complaints for the scheduled fold\n`);
  } finally {
    await connection.close();
    await store.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
