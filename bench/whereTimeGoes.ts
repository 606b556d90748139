import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { orderWorkflowId } from '../domain/order';
import { round } from './load';

const E = temporal.api.enums.v1.EventType;

/** One step kind on the path from the payment signal on, averaged over sampled orders. */
export interface StepTime {
  step: string;
  perOrder: number;
  /** Scheduled → picked up by the worker (the task queue's wait). */
  queueMs: number;
  /** Picked up → its result recorded (the work, and the trip back to the server). */
  runMs: number;
}

export interface TimeSpent {
  orders: number;
  /** Signal recorded → the workflow's last event so far (the order parked after delivery). */
  signalToIdleMs: number;
  steps: StepTime[];
}

/**
 * Where an order's time goes after its payment signal, read from the recorded histories of some
 * orders: every activity and workflow task, how long it waited in its queue and how long it ran.
 */
export async function whereTimeGoes(client: Client, orderIds: string[], workflowId: (id: string) => string = orderWorkflowId): Promise<TimeSpent | null> {
  const totals = new Map<string, { n: number; queue: number; run: number }>();
  let spans = 0;
  let read = 0;
  for (const id of orderIds) {
    const history = await client.workflow.getHandle(workflowId(id)).fetchHistory().catch(() => undefined);
    const events = history?.events ?? [];
    const signalled = events.find((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    if (!signalled) continue;
    read += 1;
    const from = Number(signalled.eventId);
    const at = (e: (typeof events)[number]) => tsToMs(e.eventTime);
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    const add = (step: string, scheduled: number, started: number, completed: number) => {
      const t = totals.get(step) ?? { n: 0, queue: 0, run: 0 };
      t.n += 1;
      t.queue += started - scheduled;
      t.run += completed - started;
      totals.set(step, t);
    };
    let lastWorkflowTaskScheduled = 0;
    let lastWorkflowTaskStarted = 0;
    for (const e of events) {
      // A notice that lands while a workflow task waits or runs is handled in that task, scheduled
      // before it: it counts, its time from the notice on.
      if (Number(e.eventId) < from) {
        if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) lastWorkflowTaskScheduled = at(e);
        if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_STARTED) lastWorkflowTaskStarted = at(e);
        continue;
      }
      switch (e.eventType) {
        case E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
          lastWorkflowTaskScheduled = at(e);
          break;
        case E.EVENT_TYPE_WORKFLOW_TASK_STARTED:
          lastWorkflowTaskStarted = at(e);
          break;
        case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
          if (lastWorkflowTaskScheduled) add('(workflow task)', Math.max(lastWorkflowTaskScheduled, at(signalled)), Math.max(lastWorkflowTaskStarted, at(signalled)), at(e));
          break;
        case E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
          const attrs = e.activityTaskCompletedEventAttributes!;
          const scheduled = byId.get(Number(attrs.scheduledEventId));
          const started = byId.get(Number(attrs.startedEventId));
          const name = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
          if (scheduled && started) add(name, at(scheduled), at(started), at(e));
          break;
        }
        case E.EVENT_TYPE_MARKER_RECORDED:
          // Local activities run inside a workflow task; their time is in the task's run time.
          add(`(local activity marker)`, at(e), at(e), at(e));
          break;
      }
    }
    spans += at(events[events.length - 1]) - at(signalled);
  }
  if (read === 0) return null;
  return {
    orders: read,
    signalToIdleMs: Math.round(spans / read),
    steps: [...totals]
      .map(([step, t]) => ({ step, perOrder: round(t.n / read, 2), queueMs: Math.round(t.queue / t.n), runMs: Math.round(t.run / t.n) }))
      .sort((a, b) => b.perOrder * (b.queueMs + b.runMs) - a.perOrder * (a.queueMs + a.runMs)),
  };
}
