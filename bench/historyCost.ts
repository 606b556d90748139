import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const E = temporal.api.enums.v1.EventType;

/** What one workflow run's history costs Temporal: events, bytes, and billable actions by kind. */
export interface HistoryCost {
  events: number;
  /** The history as Temporal stores and sends it (protobuf). */
  bytes: number;
  workflowTasks: number;
  /**
   * Updates of the run's state in Temporal's database, each a transaction on its history shard: an
   * event that arrives from outside (start, signal, timer fired, an activity or child starting or
   * ending) and a workflow task starting and completing (its commands' events are written with it).
   */
  stateTransitions: number;
  actions: number;
  byAction: Record<string, number>;
}

export const NO_COST: HistoryCost = { events: 0, bytes: 0, workflowTasks: 0, stateTransitions: 0, actions: 0, byAction: {} };

/** Events written in a transaction of their own (a workflow task's commands ride on its completion). */
const TRANSITIONS = new Set<number>([
  E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  E.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  E.EVENT_TYPE_TIMER_FIRED,
  E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
  E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
  E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
  E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
  E.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
  E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
]);

/**
 * A run's billable Temporal Cloud actions, as far as its history shows them (docs.temporal.io,
 * "Temporal Cloud Actions"): a start (a child's start is counted in its parent, as two), each
 * signal (a signal-with-start is one action with its start), each accepted update, each activity
 * scheduled and each retry, the markers of one workflow task together as one (local activities,
 * version markers) plus each local activity retry, each timer, each search-attribute upsert.
 * Not in a history, so not counted here: queries (an order view read from the workflow), rejected
 * updates, activity heartbeats that reach the server.
 */
export function historyCost(history: History): HistoryCost {
  const events = history.events ?? [];
  const byAction = new Map<string, number>();
  const add = (kind: string, n = 1) => n > 0 && byAction.set(kind, (byAction.get(kind) ?? 0) + n);
  let workflowTasks = 0;
  /** The workflow task whose commands the following events are; markers count once per task. */
  let task = 0;
  const tasksWithMarkers = new Set<number>();
  events.forEach((e, i) => {
    switch (e.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        if (!e.workflowExecutionStartedEventAttributes?.parentWorkflowExecution) add('workflow started');
        break;
      case E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('child workflow started', 2);
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        // Right after the start: a signal-with-start, one action with the start.
        if (!(i === 1 && events[0].eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)) add('signal');
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('update');
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        add('activity');
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        add('activity retry', (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        workflowTasks += 1;
        task = Number(e.eventId);
        add('local activity retry', Number(e.workflowTaskCompletedEventAttributes?.meteringMetadata?.nonfirstLocalActivityExecutionAttempts ?? 0));
        break;
      case E.EVENT_TYPE_MARKER_RECORDED:
        if (!tasksWithMarkers.has(task)) add('markers of a workflow task (local activities, versions)');
        tasksWithMarkers.add(task);
        break;
      case E.EVENT_TYPE_TIMER_STARTED:
        add('timer');
        break;
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        if (!onlyVersionAttribute(e)) add('search attribute upsert');
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED:
        add('workflow options updated');
        break;
    }
  });
  const counted = Object.fromEntries([...byAction].sort((a, b) => b[1] - a[1]));
  return {
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    workflowTasks,
    stateTransitions: events.filter((e) => TRANSITIONS.has(e.eventType ?? 0)).length,
    actions: Object.values(counted).reduce((a, b) => a + b, 0),
    byAction: counted,
  };
}

/** The versioning attribute's own upsert is not billed. */
function onlyVersionAttribute(e: HistoryEvent): boolean {
  const fields = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
  return fields.length > 0 && fields.every((f) => f === 'TemporalChangeVersion');
}

/** Costs added up (an order's run and its children's). */
export function addCosts(a: HistoryCost, b: HistoryCost): HistoryCost {
  const byAction = { ...a.byAction };
  for (const [kind, n] of Object.entries(b.byAction)) byAction[kind] = (byAction[kind] ?? 0) + n;
  const counts = (['events', 'bytes', 'workflowTasks', 'stateTransitions', 'actions'] as const).map((k) => [k, a[k] + b[k]]);
  return { ...(Object.fromEntries(counts) as Omit<HistoryCost, 'byAction'>), byAction };
}

/** The runs an order's history started as children (its storefront notifications, complaints). */
export function childRuns(history: History): { workflowId: string; runId: string }[] {
  return (history.events ?? []).flatMap((e) => {
    const started = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    return started?.workflowId && started.runId ? [{ workflowId: started.workflowId, runId: started.runId }] : [];
  });
}
