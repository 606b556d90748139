import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../config/logger';

/** One schedule per task queue, so products that share a Temporal namespace keep apart. */
export function reportFoldScheduleId(config: Config): string {
  return `report-fold-${config.temporal.taskQueue}`;
}

/**
 * The report ledger's fold runs on a Temporal Schedule: ops see it, pause it or trigger it in the
 * UI, and the schedule skips a run while the last one is still going, so the fold is the ledger's
 * only writer. Every worker makes sure it exists and runs at REPORT_FOLD_EVERY.
 */
export async function keepReportFoldSchedule(client: Client, config: Config, logger: Logger): Promise<void> {
  const scheduleId = reportFoldScheduleId(config);
  const options = {
    spec: { intervals: [{ every: config.reportFoldEveryMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'reportFoldWorkflow',
      workflowId: scheduleId,
      taskQueue: config.temporal.taskQueue,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
  } satisfies Omit<ScheduleOptions, 'scheduleId'>;
  try {
    await client.schedule.create({ scheduleId, ...options });
    logger.info({ scheduleId, everyMs: config.reportFoldEveryMs }, 'report fold scheduled');
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // Another worker made it, or an earlier release: bring its timing and action up to date, and
    // leave a pause that ops set alone.
    await client.schedule.getHandle(scheduleId).update((current) => ({ ...options, state: current.state }));
  }
}

/** Make sure every schedule the product runs on exists, over a connection of its own. */
export async function keepSchedules(config: Config, logger: Logger): Promise<void> {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    await keepReportFoldSchedule(new Client({ connection, namespace: config.temporal.namespace }), config, logger);
  } finally {
    await connection.close();
  }
}
