import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../config/logger';
import type { IncidentWatch } from '../workflows/incidentWatch';
import type { FoldWatch } from '../workflows/reportFold';
import type { SweepWatch } from '../workflows/reservationSweep';

/** One schedule per task queue, so products that share a Temporal namespace keep apart. */
export function reportFoldScheduleId(config: Config): string {
  return `report-fold-${config.temporal.taskQueue}`;
}

export function reservationSweepScheduleId(config: Config): string {
  return `reservation-sweep-${config.temporal.taskQueue}`;
}

/**
 * The report ledger's fold is started by a Temporal Schedule, and one run keeps watch, folding every
 * REPORT_FOLD_EVERY (workflows/reportFold.ts). The schedule skips its start while that run is
 * going (across its continue-as-new runs), so the fold is the ledger's only writer, and starts it
 * again within an interval if it ever ends (a failure, a cancel). Every worker makes sure the
 * schedule exists with its current interval.
 */
export async function keepReportFoldSchedule(client: Client, config: Config, logger: Logger, watch: Partial<FoldWatch> = {}): Promise<void> {
  const options = watching(config, config.reportFoldEveryMs, 'reportFoldWorkflow', reportFoldScheduleId(config), { everyMs: config.reportFoldEveryMs, ...watch } satisfies FoldWatch);
  await keepSchedule(client, reportFoldScheduleId(config), options);
  logger.info({ scheduleId: reportFoldScheduleId(config), everyMs: config.reportFoldEveryMs }, 'report fold scheduled');
}

/**
 * The reservation sweep (workflows/reservationSweep.ts) is kept the same way: one run keeps watch,
 * sweeping every half RESERVATION_SWEEP, and the schedule, every RESERVATION_SWEEP, starts it again
 * if it ever ends.
 */
export async function keepReservationSweepSchedule(client: Client, config: Config, logger: Logger, watch: Partial<SweepWatch> = {}): Promise<void> {
  const options = watching(config, config.reservationSweepMs, 'reservationSweepWorkflow', reservationSweepScheduleId(config), { sweepMs: config.reservationSweepMs, ...watch } satisfies SweepWatch);
  await keepSchedule(client, reservationSweepScheduleId(config), options);
  logger.info({ scheduleId: reservationSweepScheduleId(config), sweepMs: config.reservationSweepMs }, 'reservation sweep scheduled');
}

export function incidentWatchScheduleId(config: Config): string {
  return `incident-watch-${config.temporal.taskQueue}`;
}

/**
 * The incident watcher (workflows/incidentWatch.ts) is kept the same way: one run looks every
 * INCIDENT_CHECK_EVERY, and the schedule starts it again if it ever ends.
 */
export async function keepIncidentWatchSchedule(client: Client, config: Config, logger: Logger, watch: Partial<IncidentWatch> = {}): Promise<void> {
  const { checkEveryMs, minOrders, deliverySloMs } = config.incidents;
  const options = watching(config, checkEveryMs, 'incidentWatchWorkflow', incidentWatchScheduleId(config), { everyMs: checkEveryMs, minOrders, sloMs: deliverySloMs, ...watch } satisfies IncidentWatch);
  await keepSchedule(client, incidentWatchScheduleId(config), options);
  logger.info({ scheduleId: incidentWatchScheduleId(config), everyMs: checkEveryMs }, 'incident watch scheduled');
}

async function keepSchedule(client: Client, scheduleId: string, options: Omit<ScheduleOptions, 'scheduleId'>): Promise<void> {
  try {
    // Not triggerImmediately: a start triggered that way is not counted as running by the overlap
    // policy (the dev server started a second fold at the next interval), so the first interval starts it.
    await client.schedule.create({ scheduleId, ...options });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // Another worker made it, or an earlier release: bring its timing and action up to date, and
    // leave a pause that ops set alone.
    await client.schedule.getHandle(scheduleId).update((current) => ({ ...options, state: current.state }));
  }
}

/** A schedule that starts one watching workflow every `everyMs` unless it is running (it keeps running). */
function watching(config: Config, everyMs: number, workflowType: string, workflowId: string, watch: FoldWatch | SweepWatch | IncidentWatch) {
  return {
    spec: { intervals: [{ every: everyMs }] },
    action: { type: 'startWorkflow' as const, workflowType, workflowId, taskQueue: config.temporal.taskQueue, args: [watch] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
  } satisfies Omit<ScheduleOptions, 'scheduleId'>;
}

/** Make sure every schedule the product runs on exists, over a connection of its own. */
export async function keepSchedules(config: Config, logger: Logger): Promise<void> {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    await keepReportFoldSchedule(client, config, logger);
    await keepReservationSweepSchedule(client, config, logger);
    await keepIncidentWatchSchedule(client, config, logger);
  } finally {
    await connection.close();
  }
}
