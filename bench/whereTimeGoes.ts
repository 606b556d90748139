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
 * Local activities run inside a workflow task (their time is also the task's); each is a step of its
 * own, `<type> (local)`, read from its marker (see localActivityTimes).
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
    const add = (step: string, queueMs: number, runMs: number) => {
      const t = totals.get(step) ?? { n: 0, queue: 0, run: 0 };
      t.n += 1;
      t.queue += queueMs;
      t.run += runMs;
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
          if (lastWorkflowTaskScheduled) {
            const scheduled = Math.max(lastWorkflowTaskScheduled, at(signalled));
            const started = Math.max(lastWorkflowTaskStarted, at(signalled));
            add('(workflow task)', started - scheduled, at(e) - started);
          }
          break;
        case E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
          const attrs = e.activityTaskCompletedEventAttributes!;
          const scheduled = byId.get(Number(attrs.scheduledEventId));
          const started = byId.get(Number(attrs.startedEventId));
          const name = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
          if (scheduled && started) add(name, at(started) - at(scheduled), at(e) - at(started));
          break;
        }
      }
    }
    for (const la of localActivityTimes(events, from)) add(`${la.type} (local)`, la.waitedMs, la.ranMs);
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

interface LocalActivityTime {
  type: string;
  /** From the end of the step before it in its workflow task (the task's start, or the previous local activity) to its scheduling: the worker's time. */
  waitedMs: number;
  /** Scheduled → its result (the work; on this product, store reads and writes). */
  ranMs: number;
}

/** What sdk-core records in a local activity's marker (`details.data`, JSON); times as {seconds, nanos}. */
export interface LocalActivityMarkerData {
  seq: number;
  activity_type: string;
  complete_time?: { seconds: number; nanos: number };
  original_schedule_time?: { seconds: number; nanos: number };
}

/** The local activity a history event records, when it is one's marker. */
export function localActivityMarker(e: temporal.api.history.v1.IHistoryEvent): LocalActivityMarkerData | undefined {
  const marker = e.markerRecordedEventAttributes;
  if (e.eventType !== E.EVENT_TYPE_MARKER_RECORDED || marker?.markerName !== 'core_local_activity') return undefined;
  const raw = marker.details?.data?.payloads?.[0]?.data;
  return raw ? (JSON.parse(Buffer.from(raw).toString('utf8')) as LocalActivityMarkerData) : undefined;
}

/**
 * The local activities a history records after event `after`, from their markers. sdk-core records a marker's
 * complete_time as the workflow time when the activity was scheduled plus its runtime, and the
 * workflow time only moves on with each local activity's result, so within one workflow task
 * consecutive complete times differ by the later one's runtime (the first is timed from the task's
 * start); original_schedule_time is the worker's clock when it was scheduled. This holds for local
 * activities run one after another, as an order's are; ones run side by side would read short.
 */
function localActivityTimes(events: temporal.api.history.v1.IHistoryEvent[], after: number): LocalActivityTime[] {
  const times: LocalActivityTime[] = [];
  let taskStarted = 0;
  let previous: { task: number; completeMs: number; endMs: number } | undefined;
  for (const e of events) {
    if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_STARTED) taskStarted = tsToMs(e.eventTime);
    const data = localActivityMarker(e);
    if (!data?.complete_time || !data.original_schedule_time) continue;
    const ms = (t: { seconds: number; nanos: number }) => Number(t.seconds) * 1000 + Number(t.nanos) / 1e6;
    const task = Number(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId);
    const scheduledMs = ms(data.original_schedule_time);
    const completeMs = ms(data.complete_time);
    const sameTask = previous?.task === task;
    // The first of a task was scheduled at the workflow time of the task's start.
    const ranMs = completeMs - (sameTask ? previous!.completeMs : taskStarted);
    const waitedMs = scheduledMs - (sameTask ? previous!.endMs : taskStarted);
    if (Number(e.eventId) > after) times.push({ type: data.activity_type, waitedMs: Math.max(0, waitedMs), ranMs: Math.max(0, ranMs) });
    previous = { task, completeMs, endMs: scheduledMs + Math.max(0, ranMs) };
  }
  return times;
}
