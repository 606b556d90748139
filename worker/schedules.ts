import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import type { FoldWatch } from '../workflows/reportFold';

/** One schedule per task queue, so products that share a Temporal namespace keep apart. */
export function reportFoldScheduleId(config: Config): string {
  return `report-fold-${config.temporal.taskQueue}`;
}

/**
 * The report ledger's fold is started by a Temporal Schedule, and one run keeps watch, folding every
 * REPORT_FOLD_EVERY (workflows/reportFold.ts). The schedule skips its start while that run is
 * going (across its continue-as-new runs), so the fold is the ledger's only writer, and starts it
 * again within an interval if it ever ends (a failure, a cancel). Every worker makes sure the
 * schedule exists with its current interval.
 */
export async function keepReportFoldSchedule(client: Client, config: Config, logger: Logger, watch: Partial<FoldWatch> = {}): Promise<void> {
  const scheduleId = reportFoldScheduleId(config);
  const options = reportFoldSchedule(config, watch);
  try {
    // Not triggerImmediately: a start triggered that way is not counted as running by the overlap
    // policy (the dev server started a second fold at the next interval), so the first interval starts it.
    await client.schedule.create({ scheduleId, ...options });
    logger.info({ scheduleId, everyMs: config.reportFoldEveryMs }, 'report fold scheduled');
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // Another worker made it, or an earlier release: bring its timing and action up to date, and
    // leave a pause that ops set alone.
    await client.schedule.getHandle(scheduleId).update((current) => ({ ...options, state: current.state }));
  }
}

/** The fold's schedule: start the fold every REPORT_FOLD_EVERY unless it is running (it keeps running). */
function reportFoldSchedule(config: Config, watch: Partial<FoldWatch>) {
  return {
    spec: { intervals: [{ every: config.reportFoldEveryMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'reportFoldWorkflow',
      workflowId: reportFoldScheduleId(config),
      taskQueue: config.temporal.taskQueue,
      args: [{ everyMs: config.reportFoldEveryMs, ...watch } satisfies FoldWatch],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
  } satisfies Omit<ScheduleOptions, 'scheduleId'>;
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
